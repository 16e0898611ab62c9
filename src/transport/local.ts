import {CommandFailedError, TimeoutError, ViolinError, tail} from '../errors.js'
import {quoteArgv} from './shell-quote.js'
import {DEFAULT_COMMAND_TIMEOUT_MS, type RunOptions, type RunResult, type Transport} from './transport.js'

/** Runs commands on this machine with execa (argv, no shell). */
export class LocalTransport implements Transport {
  readonly target = 'local'

  constructor(
    readonly host: string,
    private readonly defaultTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const {execa} = await import('execa')
    const [file, ...args] = argv
    if (!file) throw new Error('empty argv')
    const timeout = options.timeoutMs ?? this.defaultTimeoutMs
    const result = await execa(file, args, {
      reject: false,
      timeout,
      input: options.stdin,
      stdin: options.stdin === undefined ? 'ignore' : undefined,
      env: {LC_ALL: 'C'},
    })
    if (result.timedOut) throw new TimeoutError(this.host, quoteArgv(argv), timeout)
    if (result.failed && result.exitCode === undefined) {
      throw new ViolinError(`host "${this.host}": cannot run ${file}: ${result.shortMessage ?? result.message}`)
    }
    const out: RunResult = {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 1}
    if (out.exitCode !== 0 && !options.allowFailure) {
      throw new CommandFailedError(this.host, quoteArgv(argv), out.exitCode, tail(out.stderr || out.stdout))
    }
    return out
  }

  async close(): Promise<void> {}
}
