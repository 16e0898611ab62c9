/**
 * A real OpenSSH sshd on loopback, for tests and benchmarks: its own temp dir with a
 * generated ed25519 host key, a user key pair authorized for root, and a config that
 * listens on 127.0.0.1 on one or many free ports. Needs root and /usr/sbin/sshd; check
 * with `sshdUnavailable()` (see ./integration.ts for the skip/fail policy).
 *
 *   const sshd = await startSshd({ports: 2})
 *   sshd.writeKnownHosts(file)          // or {hashed: true}: run through `ssh-keygen -H`
 *   new SshTransport('h', {user: 'root', address: '127.0.0.1', port: sshd.ports[0]},
 *     {identityFile: sshd.userKeyPath, knownHostsFile: file})
 *   await sshd.stop()
 *
 * Two instances have different host keys: list one's key under the other's port to make
 * the "host key changed" case (`a.knownHostsLine(b.ports[0])`).
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createConnection, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {allOf, isRoot, missingBinary} from './integration.js'

export const SSHD = '/usr/sbin/sshd'
export const SSH_KEYGEN = '/usr/bin/ssh-keygen'
export const LOOPBACK = '127.0.0.1'
/** OpenSSH's MAX_LISTEN_SOCKS: one sshd listens on at most this many ports. */
const MAX_LISTEN_SOCKS = 16

/** Why a real sshd cannot run here, or undefined when it can. */
export const sshdUnavailable = allOf(
  isRoot,
  () => missingBinary(SSHD),
  () => missingBinary(SSH_KEYGEN),
)

export interface SshdOptions {
  /** How many ports to listen on (Port lines; one sshd per 16 ports). Default 1. */
  ports?: number
  /** sshd LogLevel; INFO logs every login (see connectionCount). Default ERROR. */
  logLevel?: 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG'
  /**
   * Let bash source ~/.bashrc before every command, as Debian's bash does for commands
   * run by sshd. Default false: `SetEnv SHLVL=1` makes bash skip it (it only does this
   * for a top-level shell), because the .bashrc of this machine's root runs `pyenv init`,
   * ~200 ms of CPU per command, which would swamp what tests and benchmarks measure.
   */
  sourceBashrc?: boolean
  /** Extra sshd_config lines. */
  extraConfig?: string[]
  /** How long to wait for every port to accept TCP. Default 10 s. */
  startTimeoutMs?: number
}

export interface Sshd {
  readonly dir: string
  readonly ports: number[]
  /** One sshd process per 16 ports (sshd's limit of listening sockets). */
  readonly pids: number[]
  readonly hostKeyPath: string
  readonly hostPublicKeyPath: string
  /** The host key as OpenSSH writes it: `ssh-ed25519 AAAA...` (no comment). */
  readonly hostPublicKey: string
  readonly hostKeyType: string
  /** The raw public key blob (what an SSH client is shown). */
  readonly hostKeyBlob: Buffer
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  readonly hostFingerprint: string
  /** Private key authorized for root on this sshd (OpenSSH format, no passphrase). */
  readonly userKeyPath: string
  readonly userPublicKeyPath: string
  /** One known_hosts line (with newline) naming this host key at `[127.0.0.1]:port`. */
  knownHostsLine(port: number): string
  /** Writes (replaces) `file` with this host key for `ports` (default all); hashed through `ssh-keygen -H`. Returns the text written. */
  writeKnownHosts(file: string, ports?: number[], options?: {hashed?: boolean}): string
  /** What sshd has logged so far (stderr, `-e`). */
  log(): string
  /**
   * SSH connections that logged in so far ("Accepted publickey for ..."; needs logLevel
   * INFO or more). Bare TCP probes, like the start-up port check, do not count.
   */
  connectionCount(): number
  stop(): Promise<void>
}

const live = new Set<{pid: number; dir: string}>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Last resort when the test run or benchmark dies without calling stop().
  process.on('exit', () => {
    for (const s of live) {
      try {
        process.kill(s.pid, 'SIGKILL')
      } catch {}
      try {
        rmSync(s.dir, {recursive: true, force: true})
      } catch {}
    }
  })
}

/** `n` distinct ports that were free on 127.0.0.1 a moment ago (bound to 0 together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      {length: n},
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer()
          s.once('error', reject)
          s.listen(0, LOOPBACK, () => resolve(s))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
  return ports
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host: LOOPBACK, port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function keygen(args: string[]): string {
  return execFileSync(SSH_KEYGEN, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

/** `SHA256:...` of a public key file, from `ssh-keygen -lf`. */
export function keygenFingerprint(publicKeyFile: string): string {
  const out = keygen(['-l', '-E', 'sha256', '-f', publicKeyFile])
  const fp = out.split(/\s+/)[1]
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${out}`)
  return fp
}

/** Generates an ed25519 key pair without a passphrase at `path` (+ `.pub`). */
export function generateKey(path: string, comment = 'violin-test'): void {
  keygen(['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path])
}

/** Runs `ssh-keygen -H` on a known_hosts file (hashes every host name) and removes its `.old` backup. */
export function hashKnownHosts(file: string): void {
  keygen(['-H', '-f', file])
  rmSync(`${file}.old`, {force: true})
}

/** The process ids below `pid` (children, grandchildren...), read from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // pid (comm) state ppid ...: comm may hold spaces and parens, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parentOf.set(Number(entry), ppid)
    } catch {}
  }
  const found: number[] = []
  let frontier = [pid]
  while (frontier.length > 0) {
    const next: number[] = []
    for (const [child, parent] of parentOf) if (frontier.includes(parent)) next.push(child)
    found.push(...next)
    frontier = next
  }
  return found
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const reason = sshdUnavailable()
  if (reason) throw new Error(`cannot start sshd: ${reason}`)
  installExitHook()
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755}) // privilege separation dir

  const dir = mkdtempSync(join(tmpdir(), 'violin-sshd-'))
  try {
    const hostKeyPath = join(dir, 'ssh_host_ed25519_key')
    const userKeyPath = join(dir, 'id_ed25519')
    generateKey(hostKeyPath, 'violin-test-host')
    generateKey(userKeyPath, 'violin-test-user')
    const authorizedKeys = join(dir, 'authorized_keys')
    writeFileSync(authorizedKeys, readFileSync(`${userKeyPath}.pub`), {mode: 0o600})

    const [hostKeyType, hostKeyB64] = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/)
    if (!hostKeyType || !hostKeyB64) throw new Error(`cannot read ${hostKeyPath}.pub`)
    const hostFingerprint = keygenFingerprint(`${hostKeyPath}.pub`)

    const ports = await freePorts(options.ports ?? 1)
    const logPath = join(dir, 'sshd.log')
    const readLog = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '')

    // sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): one process per 16 ports,
    // all with the same host key, authorized key and log.
    const children: ChildProcess[] = []
    const spawnErrors: Error[] = []
    for (let first = 0; first < ports.length; first += MAX_LISTEN_SOCKS) {
      const chunk = ports.slice(first, first + MAX_LISTEN_SOCKS)
      const n = children.length
      const config = join(dir, n === 0 ? 'sshd_config' : `sshd_config.${n}`)
      writeFileSync(
        config,
        [
          ...chunk.map((p) => `Port ${p}`), // Port lines must precede ListenAddress
          `ListenAddress ${LOOPBACK}`,
          `HostKey ${hostKeyPath}`,
          `PidFile ${join(dir, n === 0 ? 'sshd.pid' : `sshd.${n}.pid`)}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          'StrictModes no',
          'UsePAM no',
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PrintMotd no',
          'X11Forwarding no',
          'UseDNS no',
          'MaxStartups 200',
          'MaxSessions 50',
          `LogLevel ${options.logLevel ?? 'ERROR'}`,
          ...(options.sourceBashrc ? [] : ['SetEnv SHLVL=1']),
          ...(options.extraConfig ?? []),
          '',
        ].join('\n'),
      )
      const logFd = openSync(logPath, 'a')
      const child = spawn(SSHD, ['-D', '-e', '-f', config], {stdio: ['ignore', 'ignore', logFd]})
      closeSync(logFd)
      child.once('error', (error) => spawnErrors.push(error))
      if (child.pid === undefined) spawnErrors.push(new Error(`cannot spawn ${SSHD}`))
      else live.add({pid: child.pid, dir})
      children.push(child)
    }
    const pids = children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]))

    let stopped: Promise<void> | undefined
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        // The listeners, and the per-connection sshd processes below them.
        const targets = pids.flatMap((pid) => [pid, ...descendants(pid)])
        for (const p of targets) {
          try {
            process.kill(p, 'SIGTERM')
          } catch {}
        }
        await Promise.all(
          children.map(async (child) => {
            if (await waitExit(child, 3000)) return
            try {
              child.kill('SIGKILL')
            } catch {}
            await waitExit(child, 3000)
          }),
        )
        for (const s of [...live]) if (pids.includes(s.pid)) live.delete(s)
        rmSync(dir, {recursive: true, force: true})
      })())

    // Wait until every port accepts TCP, or an sshd dies.
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
    const pending = new Set(ports)
    while (pending.size > 0) {
      const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null)
      if (spawnErrors.length > 0 || dead) {
        const log = readLog()
        await stop()
        throw new Error(`sshd exited (${spawnErrors[0]?.message ?? dead?.exitCode ?? dead?.signalCode}) before listening: ${log.trim()}`)
      }
      if (Date.now() > deadline) {
        const log = readLog()
        await stop()
        throw new Error(`sshd did not listen on ${[...pending].join(', ')} within ${options.startTimeoutMs ?? 10_000} ms: ${log.trim()}`)
      }
      const results = await Promise.all([...pending].map(async (p) => [p, await tcpAccepts(p)] as const))
      for (const [p, ok] of results) if (ok) pending.delete(p)
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 25))
    }

    const knownHostsLine = (port: number): string => `${port === 22 ? LOOPBACK : `[${LOOPBACK}]:${port}`} ${hostKeyType} ${hostKeyB64}\n`
    return {
      dir,
      ports,
      pids,
      hostKeyPath,
      hostPublicKeyPath: `${hostKeyPath}.pub`,
      hostPublicKey: `${hostKeyType} ${hostKeyB64}`,
      hostKeyType,
      hostKeyBlob: Buffer.from(hostKeyB64, 'base64'),
      hostFingerprint,
      userKeyPath,
      userPublicKeyPath: `${userKeyPath}.pub`,
      knownHostsLine,
      writeKnownHosts(file, which = ports, opts = {}) {
        writeFileSync(file, which.map(knownHostsLine).join(''), {mode: 0o600})
        if (opts.hashed) hashKnownHosts(file)
        return readFileSync(file, 'utf8')
      },
      log: readLog,
      connectionCount: () => (readLog().match(/^Accepted publickey for /gm) ?? []).length,
      stop,
    }
  } catch (error) {
    if (![...live].some((s) => s.dir === dir)) rmSync(dir, {recursive: true, force: true})
    throw error
  }
}

/**
 * What a CLI test gives violin to reach a test sshd: that test's known_hosts file, no
 * ssh-agent (the identity is the host's --identity), and a short connect timeout.
 */
export function sshClientEnv(home: Record<string, string>, knownHosts: string): Record<string, string> {
  return {...home, VIOLIN_KNOWN_HOSTS: knownHosts, SSH_AUTH_SOCK: undefined as unknown as string, VIOLIN_CONNECT_TIMEOUT: '5'}
}
