import {appendFileSync, existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import type {Client, ClientChannel, ConnectConfig} from 'ssh2'
import pLimit from 'p-limit'

import {makeDirs} from '../files.js'
import {
  AuthError,
  CommandFailedError,
  HostKeyError,
  SocketUnavailableError,
  TimeoutError,
  UnreachableError,
  ViolinError,
  tail,
} from '../errors.js'
import {blobKeyType, fingerprint, hostKeyAlgorithmsFor, keysFor, knownHostsLine, knownHostsName, parseKnownHosts} from './known-hosts.js'
import {quoteArgv} from './shell-quote.js'
import {
  type AttachOptions,
  CONSOLE_ESCAPE,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type RunOptions,
  type RunResult,
  type Transport,
} from './transport.js'

export interface SshTarget {
  user: string
  address: string
  port: number
}

export interface SshOptions {
  identityFile?: string
  knownHostsFile?: string
  /** Like OpenSSH's StrictHostKeyChecking=accept-new: record an unknown key, never a changed one. */
  acceptNewHostKey?: boolean
  connectTimeoutMs?: number
  commandTimeoutMs?: number
  keepaliveIntervalMs?: number
  /** Channels open at once on one connection; sshd's MaxSessions defaults to 10. */
  maxChannels?: number
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
])
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/** A login name as useradd takes it (POSIX portable: letters, digits, . _ -, no leading dash). */
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/
/** A DNS name or an IPv4 address: labels of letters, digits and inner dashes, joined by dots. */
const SSH_ADDRESS = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
/** An IPv6 address, written in brackets; a zone (%eth0) may follow. */
const SSH_IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[A-Za-z0-9_.-]{1,15})?$/

/**
 * Reads USER@ADDRESS[:PORT] strictly: the target is stored in the inventory, printed in
 * tables and handed to ssh and xl, so anything beyond a user, a host name or IP address
 * and a port (`root@h;reboot`, a newline) is refused here, in one line.
 */
export function parseSshTarget(text: string): SshTarget {
  const bad = (why: string) => new ViolinError(`${JSON.stringify(text)} is not an SSH target: ${why}; write it as USER@ADDRESS[:PORT]`, 2)
  const m = /^(?:([^@]*)@)?(\[[^\]]*\]|[^:@]*)(?::(\d+))?$/.exec(text)
  if (!m?.[2]) throw bad('it does not read as one')
  const user = m[1] ?? process.env.USER ?? 'root'
  if (!SSH_USER.test(user)) throw bad(`the user may hold letters, digits, dot, dash and underscore`)
  const bracketed = m[2].startsWith('[')
  const address = bracketed ? m[2].slice(1, -1) : m[2]
  if (bracketed ? !SSH_IPV6.test(address) : !SSH_ADDRESS.test(address))
    throw bad('the address must be a host name, an IPv4 address or an [IPv6] address')
  const port = m[3] ? Number(m[3]) : 22
  if (port < 1 || port > 65535) throw bad(`port ${port} is out of range`)
  return {user, address, port}
}

export function formatSshTarget(t: SshTarget): string {
  return `${t.user}@${t.address.includes(':') ? `[${t.address}]` : t.address}${t.port === 22 ? '' : `:${t.port}`}`
}

export function defaultKnownHostsFile(): string {
  return process.env.VIOLIN_KNOWN_HOSTS ?? join(homedir(), '.ssh', 'known_hosts')
}

/**
 * One SSH connection to one host, opened on first use and kept (with keepalives) until
 * close(); a dropped connection is opened again by the next command.
 */
export class SshTransport implements Transport {
  readonly target: string
  private client?: Promise<Client>
  private readonly channels: ReturnType<typeof pLimit>

  constructor(
    readonly host: string,
    private readonly ssh: SshTarget,
    private readonly options: SshOptions = {},
  ) {
    this.target = formatSshTarget(ssh)
    this.channels = pLimit(options.maxChannels ?? 8)
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const client = await this.connect()
    return this.channels(() => this.exec(client, argv, options))
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    const client = await this.connect()
    await new Promise<void>((resolve, reject) => {
      client.sftp((error, sftp) => {
        if (error) {
          reject(new UnreachableError(this.host, `cannot open SFTP: ${error.message}`))
          return
        }
        sftp.fastPut(localPath, remotePath, (failed) => {
          sftp.end()
          if (failed) reject(new ViolinError(`host "${this.host}": cannot copy ${localPath} to ${remotePath}: ${failed.message}`))
          else resolve()
        })
      })
    })
  }

  async connectSocket(path: string): Promise<ClientChannel> {
    const client = await this.connect()
    return this.channels(
      () =>
        new Promise<ClientChannel>((resolve, reject) => {
          // sshd answers "open failed" both when nothing listens and when forwarding is off (AllowStreamLocalForwarding).
          client.openssh_forwardOutStreamLocal(path, (error, stream) =>
            error ? reject(new SocketUnavailableError(this.host, path, error.message)) : resolve(stream),
          )
        }),
    )
  }

  /**
   * An exec channel with a pseudo-terminal of the local terminal's type and size; this
   * side leaves on Ctrl-] (closing the channel hangs the remote program up).
   */
  async attach(argv: readonly string[], options: AttachOptions = {}): Promise<number> {
    const client = await this.connect()
    const stdin = process.stdin
    const stdout = process.stdout
    const pty = {term: process.env.TERM || 'vt100', rows: stdout.rows || 24, cols: stdout.columns || 80}
    return this.channels(
      () =>
        new Promise<number>((resolve, reject) => {
          client.exec(`exec ${quoteArgv(argv)}`, {pty}, (error, stream) => {
            if (error) {
              reject(new UnreachableError(this.host, `cannot open a channel: ${error.message}`))
              return
            }
            let left = false
            const wasRaw = stdin.isTTY ? stdin.isRaw : false
            const leave = () => {
              left = true
              stream.close()
            }
            const onInput = (data: Buffer) => {
              const escapeAt = data.indexOf(CONSOLE_ESCAPE)
              if (escapeAt < 0) {
                stream.write(data)
                return
              }
              if (escapeAt > 0) stream.write(data.subarray(0, escapeAt))
              leave()
            }
            const onResize = () => stream.setWindow(stdout.rows || 24, stdout.columns || 80, 0, 0)
            options.signal?.addEventListener('abort', leave, {once: true})
            if (stdin.isTTY) stdin.setRawMode(true)
            stdin.on('data', onInput)
            stdin.resume()
            stdout.on('resize', onResize)
            stream.pipe(stdout, {end: false})
            stream.stderr.pipe(process.stderr, {end: false})
            stream.on('close', (code: number | null, signal?: string) => {
              stdin.off('data', onInput)
              stdin.pause()
              if (stdin.isTTY) stdin.setRawMode(wasRaw)
              stdout.off('resize', onResize)
              options.signal?.removeEventListener('abort', leave)
              if (left) resolve(0)
              else if (code === null && !signal)
                reject(new UnreachableError(this.host, `connection lost while running \`${quoteArgv(argv)}\``))
              else resolve(code ?? 128)
            })
          })
        }),
    )
  }

  async close(): Promise<void> {
    const pending = this.client
    this.client = undefined
    if (!pending) return
    const client = await pending.catch(() => undefined)
    client?.end()
  }

  private connect(): Promise<Client> {
    this.client ??= this.open().catch((error: unknown) => {
      this.client = undefined
      throw error
    })
    return this.client
  }

  private async open(): Promise<Client> {
    const {Client} = (await import('ssh2')).default
    const knownHostsFile = this.options.knownHostsFile ?? defaultKnownHostsFile()
    const name = knownHostsName(this.ssh.address, this.ssh.port)
    const known = keysFor(parseKnownHosts(existsSync(knownHostsFile) ? readFileSync(knownHostsFile, 'utf8') : ''), name)
    let rejection: HostKeyError | undefined

    const config: ConnectConfig = {
      host: this.ssh.address,
      port: this.ssh.port,
      username: this.ssh.user,
      readyTimeout: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      agent: process.env.SSH_AUTH_SOCK,
      privateKey: this.readIdentity(),
      hostVerifier: (key: Buffer) => {
        const presented = fingerprint(key)
        if (known.revoked.some((e) => e.key.equals(key))) {
          rejection = new HostKeyError(this.host, 'changed', `${presented} (revoked)`, [], knownHostsFile)
          return false
        }
        if (known.keys.some((e) => e.key.equals(key))) return true
        if (known.keys.length > 0) {
          rejection = new HostKeyError(
            this.host,
            'changed',
            presented,
            known.keys.map((e) => fingerprint(e.key)),
            knownHostsFile,
          )
          return false
        }
        if (!this.options.acceptNewHostKey) {
          rejection = new HostKeyError(this.host, 'unknown', `${blobKeyType(key)} ${presented}`, [], knownHostsFile)
          return false
        }
        makeDirs(dirname(knownHostsFile), 0o700)
        appendFileSync(knownHostsFile, knownHostsLine(name, key), {mode: 0o600})
        return true
      },
    }
    if (known.keys.length > 0) {
      config.algorithms = {serverHostKey: hostKeyAlgorithmsFor(known.keys.map((e) => e.keyType)) as never}
    }

    const client = new Client()
    return new Promise<Client>((resolve, reject) => {
      let ready = false
      client.once('ready', () => {
        ready = true
        resolve(client)
      })
      client.on('error', (error: Error & {code?: string; level?: string}) => {
        if (ready) return // surfaced by the command that was running; the next one reconnects
        reject(this.classify(error, rejection))
      })
      client.on('close', () => {
        if (this.client && ready) this.client = undefined
        if (!ready) reject(rejection ?? new UnreachableError(this.host, 'connection closed during the SSH handshake'))
      })
      try {
        client.connect(config)
        client.setNoDelay(true) // else Nagle + delayed ACK stall every handshake step and command by ~40 ms
      } catch (error) {
        reject(new AuthError(this.host, (error as Error).message))
      }
    })
  }

  private classify(error: Error & {code?: string; level?: string}, rejection?: HostKeyError): Error {
    if (rejection) return rejection
    if (error.level === 'client-authentication')
      return new AuthError(this.host, `${this.ssh.user}@${this.ssh.address} refused every key offered`)
    if (error.level === 'client-timeout')
      return new TimeoutError(this.host, 'SSH connect', this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS)
    if (error.code && UNREACHABLE_CODES.has(error.code))
      return new UnreachableError(this.host, `${error.code} ${this.ssh.address}:${this.ssh.port}`)
    if (/private key|passphrase/i.test(error.message)) return new AuthError(this.host, error.message)
    return new UnreachableError(this.host, error.message)
  }

  private readIdentity(): Buffer | undefined {
    const explicit = this.options.identityFile
    if (explicit) {
      try {
        return readFileSync(explicit)
      } catch (error) {
        throw new AuthError(this.host, `cannot read identity file ${explicit}: ${(error as NodeJS.ErrnoException).code ?? error}`)
      }
    }
    if (process.env.SSH_AUTH_SOCK) return undefined
    for (const file of DEFAULT_IDENTITIES) {
      const path = join(homedir(), '.ssh', file)
      if (existsSync(path)) return readFileSync(path)
    }
    return undefined
  }

  /**
   * The remote shell prints its pid and then execs the command, so the pid is the
   * command's own: on a timeout violin kills it through a second channel. (A signal
   * request on the channel would not do: OpenSSH refuses it in root sessions.)
   */
  private exec(client: Client, argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const command = quoteArgv(argv)
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    return new Promise<RunResult>((resolve, reject) => {
      let channel: ClientChannel | undefined
      let pid: string | undefined
      const timer = setTimeout(() => {
        if (pid) client.exec(`kill -KILL ${pid}`, (error, killer) => (error ? undefined : killer.resume().end()))
        channel?.close()
        reject(new TimeoutError(this.host, command, timeoutMs))
      }, timeoutMs)
      // LC_ALL=C: the parsers read virsh's and xl's English output, whatever the host's locale.
      client.exec(`echo $$; export LC_ALL=C; exec ${command}`, (error, stream) => {
        if (error) {
          clearTimeout(timer)
          reject(new UnreachableError(this.host, `cannot open a channel: ${error.message}`))
          return
        }
        channel = stream
        let out = Buffer.alloc(0)
        const err: Buffer[] = []
        stream.on('data', (d: Buffer) => {
          out = Buffer.concat([out, d])
          const nl = pid === undefined ? out.indexOf(10) : -1
          if (nl >= 0) {
            pid = out.subarray(0, nl).toString('latin1').trim()
            out = out.subarray(nl + 1)
          }
        })
        stream.stderr.on('data', (d: Buffer) => err.push(d))
        if (options.stdin !== undefined) stream.end(options.stdin)
        else stream.end()
        stream.on('close', (code: number | null, signal?: string) => {
          clearTimeout(timer)
          const result: RunResult = {
            stdout: out.toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            exitCode: code ?? (signal ? 128 : 255),
          }
          if (code === null && !signal) {
            reject(new UnreachableError(this.host, `connection lost while running \`${command}\``))
          } else if (result.exitCode !== 0 && !options.allowFailure) {
            reject(new CommandFailedError(this.host, command, result.exitCode, tail(result.stderr || result.stdout)))
          } else resolve(result)
        })
      })
    })
  }
}
