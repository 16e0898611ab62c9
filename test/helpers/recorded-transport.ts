/**
 * A Transport that replays recorded real output instead of running commands. Xen cannot run
 * on this machine (no Xen hypervisor runs here; xl installs, but every command exits 1), so the xl driver is tested on what real
 * xl/xentop printed elsewhere: test/fixtures/xl/*.txt, each with an .origin.md saying where it
 * came from and which ones are constructed rather than recorded.
 *
 * It throws on any argv it has no recording for, so a test cannot pass by accident, and it
 * keeps every call so tests can assert on the exact argv.
 */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {CommandFailedError, SocketUnavailableError, tail} from '../../src/errors.js'
import {quoteArgv} from '../../src/transport/shell-quote.js'
import type {RunOptions, RunResult, Transport} from '../../src/transport/transport.js'

export interface Recording {
  stdout?: string
  stderr?: string
  exitCode?: number
}

export interface RecordedCall {
  argv: string[]
  options?: RunOptions
}

/** The text of test/fixtures/xl/NAME. */
export function xlFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/xl/${name}`, import.meta.url)), 'utf8')
}

/** Not a ViolinError, so no driver code can mistake it for a host failure and swallow it. */
export class UnrecordedCommandError extends Error {}

export class RecordedTransport implements Transport {
  readonly target = 'recorded'
  readonly calls: RecordedCall[] = []
  private readonly recordings = new Map<string, Recording>()

  constructor(
    readonly host: string,
    recordings: Array<[argv: readonly string[], recording: Recording]>,
  ) {
    for (const [argv, recording] of recordings) this.recordings.set(JSON.stringify(argv), recording)
  }

  async run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push({argv: [...argv], options})
    const recording = this.recordings.get(JSON.stringify(argv))
    if (!recording) throw new UnrecordedCommandError(`no recording for argv ${JSON.stringify(argv)}`)
    const result: RunResult = {stdout: recording.stdout ?? '', stderr: recording.stderr ?? '', exitCode: recording.exitCode ?? 0}
    if (result.exitCode !== 0 && !options?.allowFailure) {
      throw new CommandFailedError(this.host, quoteArgv(argv), result.exitCode, tail(result.stderr || result.stdout))
    }
    return result
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    this.calls.push({argv: ['(putFile)', localPath, remotePath]})
  }

  async connectSocket(path: string): Promise<never> {
    throw new SocketUnavailableError(this.host, path, 'recorded transports carry commands only')
  }

  async close(): Promise<void> {}

  /** The argv of every call, in order. */
  argvs(): string[][] {
    return this.calls.map((c) => c.argv)
  }
}
