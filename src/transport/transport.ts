import type {Duplex} from 'node:stream'

export interface RunOptions {
  /** Kill the command (or close its channel) after this long; default from the transport. */
  timeoutMs?: number
  /** Return a non-zero exit instead of throwing CommandFailedError. */
  allowFailure?: boolean
  stdin?: string
}

export interface AttachOptions {
  signal?: AbortSignal
}

/** Ctrl-]: the escape of virsh console, xl console and telnet. */
export const CONSOLE_ESCAPE = 0x1d

/** stdout and stderr exactly as the program wrote them, final newline included (see Transport). */
export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
}

/**
 * Runs an argv array on one host. Implementations never pass arguments through a local shell.
 *
 * One rule for output, on every transport: run() returns stdout and stderr exactly as the
 * program wrote them, decoded as UTF-8, with nothing added or removed; a final newline is
 * kept. `cat FILE` gives back the file's text whole, and a caller that wants one value or the
 * lines trims or splits itself. (execa strips the final newline by default; the local
 * transport turns that off, so that it answers as SSH does.)
 */
export interface Transport {
  /** The host's name, used in every error. */
  readonly host: string
  /** `local` or `user@addr:port`, for display. */
  readonly target: string
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>
  /** Copies a local file to a path on the host (SFTP over the pooled connection, or a local copy). */
  putFile(localPath: string, remotePath: string): Promise<void>
  /**
   * Opens a stream to a Unix socket on the host (how the CLI talks to the agent): a
   * direct-streamlocal channel over SSH, a plain connection locally. Rejects with
   * SocketUnavailableError when nothing listens there.
   */
  connectSocket(path: string): Promise<Duplex>
  /**
   * Runs an interactive program on the host attached to this process's terminal (stdin in
   * raw mode, output straight to stdout) until it ends, Ctrl-] is typed, or signal aborts;
   * resolves to its exit status (0 when left by Ctrl-] or the signal). Locally the program
   * inherits the terminal; over SSH it runs on a pseudo-terminal of its own. Optional so
   * that transports with no terminal to give (test doubles, network namespaces) need not.
   */
  attach?(argv: readonly string[], options?: AttachOptions): Promise<number>
  close(): Promise<void>
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
