/**
 * Every failure violin reports is one of these; each maps to a documented exit status
 * (README "Exit status", violin(1) EXIT STATUS). Keep the table and the docs in step.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  notFound: 4,
  unreachable: 5,
  refused: 6,
  partial: 7,
  locked: 8,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class ViolinError extends Error {
  readonly exitCode: ExitCodeValue
  /** What the user can do next, printed as "Try: ...". */
  readonly hint?: string

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.failure, hint?: string) {
    super(message)
    this.name = new.target.name
    this.exitCode = exitCode
    this.hint = hint
  }
}

export class UsageError extends ViolinError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint)
  }
}

/** Where in a file: 1-based line and column. */
export interface FilePosition {
  line: number
  column: number
}

/**
 * A file violin is given (env file, scenario, cluster, inventory, history, calibration...)
 * that cannot be read as written: `FILE:LINE:COL: FIELD: expected ..., found ...`, the
 * position when it is known (not for a document kept in etcd). Never overwritten.
 */
export class ConfigError extends ViolinError {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    /** What is wrong, without the file and field: `expected ..., found ...`. */
    readonly detail: string,
    readonly position?: FilePosition,
    hint = 'fix the file by hand; violin never rewrites a file it cannot read',
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}${field ? `: ${field}` : ''}: ${detail}`, ExitCode.config, hint)
  }
}

const OPEN_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
}

/** A file given by the user that could not be opened: what the system said, in words, and no advice to edit it. */
export function unreadableFile(file: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code
  const words = code ? OPEN_FAILURES[code] : undefined
  return new ConfigError(
    file,
    undefined,
    `cannot read: ${words ?? code ?? (error as Error).message}`,
    undefined,
    words ? 'check the path and its permissions' : undefined,
  )
}

export class NotFoundError extends ViolinError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.notFound, hint)
  }
}

/** Connection refused, no route, name not resolved, or the connection dropped. */
export class UnreachableError extends ViolinError {
  constructor(
    readonly host: string,
    detail: string,
  ) {
    super(`host "${host}" is unreachable: ${detail}`, ExitCode.unreachable, `violin host check ${host}`)
  }
}

/**
 * The host answered but its hypervisor did not: libvirtd stopped, a wrong URI, no
 * permission on its socket, no Xen or xenstored. Never the same as a host with no VMs.
 */
export class HypervisorUnavailableError extends ViolinError {
  constructor(
    readonly host: string,
    /** The client as it was run, e.g. `virsh -c qemu:///system` or `xl`. */
    readonly client: string,
    detail: string,
  ) {
    super(`host "${host}": the hypervisor did not answer (${client}: ${detail})`, ExitCode.unreachable, `violin host check ${host}`)
  }
}

export class TimeoutError extends ViolinError {
  constructor(
    readonly host: string,
    what: string,
    readonly ms: number,
  ) {
    super(
      `host "${host}": ${what} timed out after ${ms} ms`,
      ExitCode.unreachable,
      'raise --timeout, or check the host with: violin host check',
    )
  }
}

export class AuthError extends ViolinError {
  constructor(
    readonly host: string,
    detail: string,
  ) {
    super(
      `host "${host}": authentication failed: ${detail}`,
      ExitCode.refused,
      'load a key into ssh-agent, or give the host an --identity FILE',
    )
  }
}

export class HostKeyError extends ViolinError {
  constructor(
    readonly host: string,
    readonly kind: 'unknown' | 'changed',
    readonly presented: string,
    readonly known: string[],
    knownHostsFile: string,
  ) {
    super(
      kind === 'unknown'
        ? `host "${host}": host key ${presented} is not in ${knownHostsFile}`
        : `host "${host}": HOST KEY CHANGED: presented ${presented}, ${knownHostsFile} has ${known.join(', ')}`,
      ExitCode.refused,
      kind === 'unknown'
        ? 'check the fingerprint, then connect once with --accept-new-host-key'
        : `if the change is expected, remove the old key with: ssh-keygen -R HOST -f ${knownHostsFile}`,
    )
  }
}

export class CommandFailedError extends ViolinError {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number,
    readonly stderrTail: string,
  ) {
    super(
      `host "${host}": \`${command.length > 80 ? `${command.slice(0, 77)}...` : command}\` exited ${code}${stderrTail ? `: ${stderrTail}` : ''}`,
    )
  }
}

/** The last few non-empty lines of a program's stderr, for error messages. */
/** Another adaptation pass holds the lock (`violin adapt`): this one does nothing. */
export class PassLockedError extends ViolinError {
  constructor(
    /** A PID on this machine (the file lock), or "HOST pid N" (a lock in etcd). */
    readonly holder: number | string | undefined,
    where: string,
  ) {
    super(
      `another adaptation pass is running${typeof holder === 'number' ? ` (pid ${holder})` : holder ? ` (on ${holder})` : ''}; lock ${where}`,
      ExitCode.locked,
      typeof holder === 'number' ? `wait for it, or stop it: kill ${holder}` : 'wait for it to finish',
    )
  }
}

/** The shared store (etcd) did not answer, refused TLS or the credentials, or lost its quorum: never a fall-back to local files. */
export class StoreUnavailableError extends ViolinError {
  constructor(
    readonly endpoints: string,
    detail: string,
    exitCode: ExitCodeValue = ExitCode.unreachable,
  ) {
    super(
      `etcd at ${endpoints}: ${detail}`,
      exitCode,
      exitCode === ExitCode.unreachable ? 'violin store status; VIOLIN_STORE_TIMEOUT=SECONDS waits longer' : undefined,
    )
  }
}

/** Nothing listens on a Unix socket of the host: for the agent's socket, the agent is not running. */
export class SocketUnavailableError extends ViolinError {
  constructor(
    readonly host: string,
    readonly path: string,
    detail: string,
  ) {
    super(`host "${host}": nothing answers on ${path} (${detail})`)
  }
}

export function tail(text: string, lines = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ')
}
