import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from './cli.js'

/**
 * What a person's terminal session has: ora draws nothing when CI is set or TERM is dumb
 * (a CI runner exports both), so a test of what a terminal shows must not inherit them.
 */
export function terminalEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, ...extra, TERM: 'xterm-256color', FORCE_COLOR: undefined}
  delete env.CI
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
  return env
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`

export interface TerminalRun {
  /** script(1) itself. */
  script: ChildProcess
  /** Resolves with script's exit status (the command's, with -e). */
  exited: Promise<number | null>
  /** Everything the terminal was sent (flushed as it comes, -f). */
  screen(): string
  /** The violin process (script's child, exec'd by the shell). */
  violinPid(): number
  /** SIGKILL to violin and script(1): what a test does when they did not end in time. */
  kill(): void
}

/**
 * Runs violin on a pseudo-terminal of `cols` columns made by script(1), as a person at a
 * terminal would (`stty cols 0` is what `script -c` and some `docker exec -t` give).
 */
export function onTerminal(args: string[], cols: number, transcript: string, env: Record<string, string | undefined> = {}): TerminalRun {
  const command = `stty cols ${cols}; exec ${quote(process.execPath)} ${quote(join(ROOT, 'bin/run.js'))} ${args.map(quote).join(' ')}`
  const script = spawn('script', ['-qfec', command, transcript], {env: terminalEnv(env), stdio: 'ignore'})
  const exited = once(script, 'exit').then(([code]) => code as number | null)
  const violinPid = () => Number(readFileSync(`/proc/${script.pid}/task/${script.pid}/children`, 'utf8').trim().split(/\s+/)[0])
  return {
    script,
    exited,
    screen: () => (existsSync(transcript) ? readFileSync(transcript, 'utf8') : ''),
    violinPid,
    kill() {
      // A violin stuck in a loop never sees the hangup of its terminal: kill it first.
      try {
        process.kill(violinPid(), 'SIGKILL')
      } catch {}
      script.kill('SIGKILL')
    },
  }
}

/** Resolves as promise does, or calls onTimeout and rejects after ms. */
export async function within<T>(ms: number, what: string, promise: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout()
      reject(new Error(`${what} did not end within ${ms} ms`))
    }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
