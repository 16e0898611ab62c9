import {execFileSync, spawnSync} from 'node:child_process'
import {rmSync} from 'node:fs'

/** Undefined when tmux can run here, else why not (for requireIntegration). */
export function tmuxMissing(): string | undefined {
  const r = spawnSync('tmux', ['-V'], {encoding: 'utf8'})
  return r.status === 0 ? undefined : 'tmux is not installed (apt-get install tmux)'
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A terminal a person would look at: one tmux session of its own server (-L: never the
 * user's tmux, no ~/.tmux.conf), of a fixed size, running one shell command. Keys are
 * typed with send-keys and the screen read with capture-pane, as a person sees it.
 */
export class TmuxPane {
  private constructor(
    private readonly socket: string,
    readonly name: string,
  ) {}

  private static count = 0
  private static socketPath: string | undefined

  /** Starts `command` (a shell command line) in a new detached session of cols x rows. */
  static start(command: string, cols = 160, rows = 48): TmuxPane {
    const name = `violin-${process.pid}-${++TmuxPane.count}`
    const pane = new TmuxPane(`violin-test-${process.pid}`, name)
    pane.tmux('-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), command)
    TmuxPane.socketPath ??= pane.format('#{socket_path}')
    return pane
  }

  /** After the last session was killed: the server's socket file, which tmux leaves behind. */
  static removeSocket(): void {
    if (TmuxPane.socketPath) rmSync(TmuxPane.socketPath, {force: true})
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  }

  /** The screen as text, one line per row, trailing spaces left out. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name)
  }

  /** A tmux format of the pane: #{alternate_on}, #{cursor_flag}... */
  format(format: string): string {
    return this.tmux('display-message', '-p', '-t', this.name, format).trim()
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys)
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows))
  }

  /**
   * Polls the screen until `ready` accepts it, for at most ms; fails with what the screen
   * showed last, so a failure says what a person would have seen.
   */
  async waitFor(what: string, ready: (screen: string) => boolean, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms
    let last = ''
    for (;;) {
      last = this.screen()
      if (ready(last)) return last
      if (Date.now() > deadline) throw new Error(`the screen never showed ${what} in ${ms / 1000} s; it showed:\n${last}`)
      await sleep(100)
    }
  }

  /** Ends the session (and its server, when it was the last one). */
  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.name)
    } catch {}
  }
}

/** A shell word: the command line tmux gives the shell. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`
