import type {Duplex} from 'node:stream'

import {CommandFailedError, SocketUnavailableError, TimeoutError, ViolinError, tail} from '../errors.js'
import {quoteArgv} from './shell-quote.js'
import {type AttachOptions, DEFAULT_COMMAND_TIMEOUT_MS, type RunOptions, type RunResult, type Transport} from './transport.js'

/**
 * Runs commands on this machine (argv, no shell) with nano-spawn: execa's small
 * sibling, which loads in a fifth of execa's time, and start-up is part of every command.
 */
export class LocalTransport implements Transport {
  readonly target = 'local'

  constructor(
    readonly host: string,
    private readonly defaultTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const {default: spawn, SubprocessError} = await import('nano-spawn')
    const [file, ...args] = argv
    if (!file) throw new Error('empty argv')
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), timeoutMs)
    let out: RunResult
    try {
      const r = await spawn(file, args, {
        signal: deadline.signal,
        killSignal: 'SIGKILL',
        stdin: options.stdin === undefined ? 'ignore' : {string: options.stdin},
        env: {LC_ALL: 'C'},
      })
      out = {stdout: r.stdout, stderr: r.stderr, exitCode: 0}
    } catch (error) {
      if (deadline.signal.aborted) throw new TimeoutError(this.host, quoteArgv(argv), timeoutMs)
      if (!(error instanceof SubprocessError)) throw error
      const failed = error as InstanceType<typeof SubprocessError> & {exitCode?: number; cause?: NodeJS.ErrnoException}
      if (failed.exitCode === undefined) {
        const why = failed.cause?.code === 'ENOENT' ? 'not found on PATH (is it installed?)' : (failed.cause?.code ?? failed.message)
        throw new ViolinError(`host "${this.host}": cannot run ${file}: ${why}`)
      }
      out = {stdout: failed.stdout, stderr: failed.stderr, exitCode: failed.exitCode}
    } finally {
      clearTimeout(timer)
    }
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
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new SocketUnavailableError(this.host, path, error.code ?? error.message)))
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
        reject(new ViolinError(`host "${this.host}": cannot run ${file}: ${error.code === 'ENOENT' ? 'not found on PATH (is it installed?)' : (error.code ?? error.message)}`))
      })
      child.once('exit', (code, signal) => {
        options.signal?.removeEventListener('abort', stop)
        resolve(options.signal?.aborted ? 0 : (code ?? (signal ? 128 : 1)))
      })
    })
  }

  async close(): Promise<void> {}
}
