import type {Duplex} from 'node:stream'

import {CommandFailedError, SocketUnavailableError, TimeoutError, ViolinError, tail} from '../errors.js'
import {quoteArgv} from './shell-quote.js'
import {type AttachOptions, DEFAULT_COMMAND_TIMEOUT_MS, type RunOptions, type RunResult, type Transport} from './transport.js'

/** Runs commands on this machine (argv, no shell) with execa. */
export class LocalTransport implements Transport {
  readonly target = 'local'

  constructor(
    readonly host: string,
    private readonly defaultTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = argv
    if (!file) throw new Error('empty argv')
    // Loaded here, not at the top: most commands never run a local program, and start-up is part of every command.
    const {execa} = await import('execa')
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs
    // Our own timer, not execa's `timeout`, for which 0 means "never".
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), timeoutMs)
    const r = await execa(file, args, {
      reject: false,
      cancelSignal: deadline.signal,
      killSignal: 'SIGKILL',
      ...(options.stdin === undefined ? {stdin: 'ignore' as const} : {input: options.stdin}),
      env: {LC_ALL: 'C'},
      // No cap on what a program prints: hypervisor tools print what they print.
      maxBuffer: Number.MAX_SAFE_INTEGER,
      // Output as written, final newline included: the rule of Transport, which SSH keeps too.
      stripFinalNewline: false,
    }).finally(() => clearTimeout(timer))
    if (r.failed && deadline.signal.aborted) throw new TimeoutError(this.host, quoteArgv(argv), timeoutMs)
    if (r.exitCode === undefined) {
      // It never ran (r.code, from spawn), or a signal ended it.
      const why =
        r.code === 'ENOENT'
          ? 'not found on PATH (is it installed?)'
          : r.signal
            ? `killed by ${r.signal}`
            : (r.code ?? r.shortMessage ?? 'failed')
      throw new ViolinError(`host "${this.host}": cannot run ${file}: ${why}`)
    }
    const out = {stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode}
    if (out.exitCode !== 0 && !options.allowFailure) {
      throw new CommandFailedError(this.host, quoteArgv(argv), out.exitCode, tail(out.stderr || out.stdout))
    }
    return out
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    const {copyFile} = await import('node:fs/promises')
    await copyFile(localPath, remotePath).catch((error: NodeJS.ErrnoException) => {
      throw new ViolinError(`host "${this.host}": cannot copy ${localPath} to ${remotePath}: ${error.code ?? error.message}`)
    })
  }

  async connectSocket(path: string): Promise<Duplex> {
    const {connect} = await import('node:net')
    return new Promise((resolve, reject) => {
      const socket = connect(path)
      socket.once('connect', () => resolve(socket))
      socket.once('error', (error: NodeJS.ErrnoException) =>
        reject(new SocketUnavailableError(this.host, path, error.code ?? error.message)),
      )
    })
  }

  /** The program itself reads the terminal (virsh console and xl console leave on Ctrl-]). */
  async attach(argv: readonly string[], options: AttachOptions = {}): Promise<number> {
    const {spawn} = await import('node:child_process')
    const [file, ...args] = argv
    if (!file) throw new Error('empty argv')
    return new Promise<number>((resolve, reject) => {
      const child = spawn(file, args, {stdio: 'inherit'})
      const stop = () => child.kill('SIGTERM')
      options.signal?.addEventListener('abort', stop, {once: true})
      child.once('error', (error: NodeJS.ErrnoException) => {
        options.signal?.removeEventListener('abort', stop)
        reject(
          new ViolinError(
            `host "${this.host}": cannot run ${file}: ${error.code === 'ENOENT' ? 'not found on PATH (is it installed?)' : (error.code ?? error.message)}`,
          ),
        )
      })
      child.once('exit', (code, signal) => {
        options.signal?.removeEventListener('abort', stop)
        resolve(options.signal?.aborted ? 0 : (code ?? (signal ? 128 : 1)))
      })
    })
  }

  async close(): Promise<void> {}
}
