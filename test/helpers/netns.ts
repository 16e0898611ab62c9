/**
 * Network namespaces for tests: hosts on an underlay, test "VMs", processes inside them,
 * and a cleanup that always runs. Needs root and iproute2, socat, ping, iperf3, ethtool;
 * check with `netnsUnavailable()` (see ./integration.ts for the skip/fail policy).
 *
 *   let lab: NetnsLab
 *   before(async function () {
 *     requireIntegration(this, 'network namespaces', netnsUnavailable)
 *     lab = new NetnsLab()
 *     const ul = await lab.underlay(['h1', 'h2'])          // 10.77.0.1, 10.77.0.2
 *     const agent = await lab.agent(ul.hosts[0]!.ns, ul.hosts[0]!.address)   // violin agent
 *     await agent.ask({op: 'apply', spec: {vni: 100, known: [], vms: [...]}})
 *     const vm = await lab.tapVm({name: 'a1', hostNs: ..., daemon: {...}, local: {...}, cidr: '10.77.1.1/24'})
 *   })
 *   after(async () => lab?.cleanup())
 *
 * Every namespace is named `vln-<pid>-<lab>-<name>` (unique per test run) and deleted by
 * that name; every process is started through `start()` and killed by its PID, then any
 * process still inside one of this lab's namespaces (it can only have been started by this
 * lab) is killed too, so a namespace never outlives the run; agents' temporary directories
 * go with them. A process 'exit' hook does the same synchronously when the run dies without
 * calling `cleanup()`, and `new NetnsLab()` deletes what a dead run (`vln-<pid>-` whose pid
 * is gone) left behind.
 *
 * VIOLIN_NETNS_TRACE=1 logs every started PID and namespace to stderr (to check that none
 * is left afterwards).
 *
 * The underlay subnet is 10.77.0.0/24 (the QEMU test bed uses 10.232.0.0/24); all traffic
 * stays between these namespaces.
 */
import {execFileSync} from 'node:child_process'
import {accessSync, constants, existsSync, mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'

import type {AgentHello, SwitchReport} from '../../src/agent/agent.js'
import {askAgent} from '../../src/agent/client.js'
import type {AgentRequest} from '../../src/agent/protocol.js'
import type {Member} from '../../src/mesh/control.js'
import {LocalTransport} from '../../src/transport/local.js'
import type {RunOptions as TransportRunOptions, RunResult, Transport} from '../../src/transport/transport.js'
import {allOf} from './integration.js'

export interface Endpoint {
  address: string
  port: number
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin']

function which(name: string): string | undefined {
  for (const dir of SBIN) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK)
      return `${dir}/${name}`
    } catch {}
  }
  return undefined
}

/** The programs the lab runs, and the Debian package of each. */
const NEEDED: Array<[string, string]> = [
  ['ip', 'iproute2'],
  ['bridge', 'iproute2'],
  ['socat', 'socat'],
  ['ping', 'iputils-ping'],
  ['iperf3', 'iperf3'],
  ['ethtool', 'ethtool'],
  ['tcpdump', 'tcpdump'],
  ['nft', 'nftables'],
]

/** Why network namespace tests cannot run here, or undefined when they can. */
export const netnsUnavailable = allOf(
  () => (process.platform === 'linux' ? undefined : 'needs Linux'),
  () => (process.getuid?.() === 0 ? undefined : 'needs root (network namespaces, TAP devices)'),
  () => (safeExists('/dev/net/tun') ? undefined : '/dev/net/tun is missing (no TAP devices)'),
  ...NEEDED.map(
    ([name, pkg]) =>
      () =>
        which(name) ? undefined : `${name} is not installed (apt-get install ${pkg})`,
  ),
)

function safeExists(file: string): boolean {
  try {
    accessSync(file, constants.F_OK)
    return true
  } catch {
    return false
  }
}

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number | undefined
}

export interface RunOptions {
  /** Kill the command after this many ms (default 15 s). */
  timeoutMs?: number
  /** Throw unless it exits 0 (default true). */
  check?: boolean
  /** Text for its stdin. */
  input?: string
}

/** A long-running process started in a namespace. */
export interface NsProcess {
  readonly pid: number
  readonly ns: string
  readonly argv: readonly string[]
  /** stdout and stderr so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the first stdout line matching `re`; rejects when the process exits first or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>
  /** Writes to its stdin. */
  write(text: string): void
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  kill(graceMs?: number): Promise<void>
  /** Resolves when it has exited (exit code, or undefined when killed by a signal). */
  readonly exited: Promise<number | undefined>
  readonly running: boolean
}

/** A real `violin agent` process running in a namespace (see NetnsLab.agent). */
export interface NsAgent {
  readonly process: NsProcess
  /** Its --dir: agent.sock, agent.pid, state.json. */
  readonly dir: string
  /** Its control-plane identity (hello's `self`): what other switches' `known` lists. */
  member(): Member
  /** One request on its socket; rejects with the agent's error. */
  ask<T>(request: AgentRequest): Promise<T>
  /** SIGTERM (it leaves its meshes), then its directory goes. */
  stop(): Promise<void>
}

export interface UnderlayHost {
  /** Short name given to `underlay()` (h1...). */
  name: string
  /** Full namespace name. */
  ns: string
  /** Its underlay address (10.77.0.I). */
  address: string
  /** Its underlay interface inside `ns`. */
  dev: string
}

export interface Underlay {
  /** The namespace holding the bridge every host's veth is plugged into. */
  bridgeNs: string
  hosts: UnderlayHost[]
  host(name: string): UnderlayHost
}

export interface TestVm {
  name: string
  /** The VM's own namespace. */
  ns: string
  /** Its NIC inside `ns` (the TAP for tapVm, eth0 for vethVm). */
  dev: string
  /** Its IP address (no prefix length). */
  ip: string
  mac: string
  /** For tapVm: the socat bridging the TAP to the daemon. */
  socat?: NsProcess
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** iproute2's ip, found even when PATH lacks the sbin directories. */
const IP = which('ip') ?? 'ip'
const LIVE_PREFIX = `vln-${process.pid}-`
const live = new Set<NetnsLab>()
let exitHookInstalled = false
let labSeq = 0

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Last resort when the run dies without cleanup(): kill by PID, delete by name.
  process.on('exit', () => {
    for (const lab of live) lab.cleanupSync()
  })
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function listNamespaces(): string[] {
  try {
    return execFileSync(IP, ['netns', 'list'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter(Boolean)
  } catch {
    return []
  }
}

function pidsIn(ns: string): number[] {
  try {
    return execFileSync(IP, ['netns', 'pids', ns], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
  } catch {
    return []
  }
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {}
}

function deleteNamespaceSync(ns: string): void {
  for (const pid of pidsIn(ns)) killPid(pid, 'SIGKILL')
  try {
    execFileSync(IP, ['netns', 'del', ns], {stdio: 'ignore'})
  } catch {}
}

/** Deletes namespaces a previous, dead run of these tests left behind (`vln-<pid>-` with that pid gone). */
export function sweepStaleNamespaces(): string[] {
  const swept: string[] = []
  for (const ns of listNamespaces()) {
    const m = /^vln-(\d+)-\d+-/.exec(ns)
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue
    deleteNamespaceSync(ns)
    swept.push(ns)
  }
  return swept
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class NetnsLab {
  /** Every namespace of this lab starts with it. */
  readonly prefix: string
  private readonly namespaces: string[] = []
  private readonly processes = new Set<NsProcess>()
  /** Agents' temporary directories, deleted in cleanup(). */
  private readonly dirs: string[] = []
  private cleaned: Promise<void> | undefined

  constructor() {
    this.prefix = `${LIVE_PREFIX}${++labSeq}-`
    sweepStaleNamespaces()
    live.add(this)
    installExitHook()
  }

  /** The namespaces this lab created and has not deleted yet. */
  list(): string[] {
    return [...this.namespaces]
  }

  /** Creates namespace `<prefix><name>` with lo up and IPv6 off (no DAD/RS frames to muddle counts). Returns its full name. */
  async namespace(name: string): Promise<string> {
    const ns = `${this.prefix}${name}`
    await this.run(['ip', 'netns', 'add', ns])
    this.namespaces.push(ns)
    if (process.env.VIOLIN_NETNS_TRACE) process.stderr.write(`netns: created namespace ${ns}\n`)
    await this.exec(ns, ['ip', 'link', 'set', 'lo', 'up'])
    await this.exec(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'])
    return ns
  }

  /** Runs argv in the root namespace. */
  run(argv: string[], options: RunOptions = {}): Promise<ExecResult> {
    return runArgv(argv, options)
  }

  /** Runs argv inside `ns` (`ip netns exec ns ...argv`); throws with stderr unless it exits 0 (see `check`). */
  exec(ns: string, argv: string[], options: RunOptions = {}): Promise<ExecResult> {
    return runArgv(['ip', 'netns', 'exec', ns, ...argv], options)
  }

  /**
   * Starts a long-running argv inside `ns`. `ip netns exec` execs the command, so the PID
   * is the command's own. Killed by PID in `cleanup()` if still running.
   */
  start(ns: string, argv: string[], options: {cwd?: string} = {}): NsProcess {
    const child: ResultPromise<{reject: false; stdin: 'pipe'; buffer: false; cleanup: true}> = execa('ip', ['netns', 'exec', ns, ...argv], {
      reject: false,
      stdin: 'pipe',
      buffer: false,
      cleanup: true,
      cwd: options.cwd,
      env: {PATH: pathWithSbin()},
      extendEnv: true,
    })
    const pid = child.pid
    if (pid === undefined) throw new Error(`could not start ${argv.join(' ')} in ${ns}`)
    if (process.env.VIOLIN_NETNS_TRACE) process.stderr.write(`netns: started pid ${pid} in ${ns}: ${argv[0]}\n`)
    let out = ''
    let err = ''
    let running = true
    const lineWaiters: Array<(line: string) => void> = []
    let pending = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk
      pending += chunk
      let i: number
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i)
        pending = pending.slice(i + 1)
        for (const w of [...lineWaiters]) w(line)
      }
    })
    child.stderr.on('data', (chunk: string) => {
      err += chunk
    })
    child.stdin.on('error', () => {})
    // The 'exit' event, not the execa promise: that one also waits for stdout to close,
    // which a grandchild holding the pipe can keep open forever.
    const exited = new Promise<number | undefined>((resolve) => {
      child.once('exit', (code) => {
        running = false
        resolve(code ?? undefined)
      })
      child.once('error', () => {
        running = false
        resolve(undefined)
      })
    })
    void child.catch(() => {})
    const proc: NsProcess = {
      pid,
      ns,
      argv,
      stdout: () => out,
      stderr: () => err,
      get running() {
        return running
      },
      exited,
      write: (text) => {
        if (running && child.stdin.writable) child.stdin.write(text)
      },
      waitFor: (re, ms = 10_000) =>
        new Promise<string>((resolve, reject) => {
          const done = (error?: Error, line?: string) => {
            clearTimeout(timer)
            const i = lineWaiters.indexOf(onLine)
            if (i >= 0) lineWaiters.splice(i, 1)
            if (error) reject(error)
            else resolve(line!)
          }
          const onLine = (line: string) => {
            if (re.test(line)) done(undefined, line)
          }
          const timer = setTimeout(
            () => done(new Error(`${argv.join(' ')} in ${ns}: no line matching ${re} within ${ms} ms; stderr: ${err.trim()}`)),
            ms,
          )
          lineWaiters.push(onLine)
          void exited.then((code) =>
            done(new Error(`${argv.join(' ')} in ${ns} exited (${code ?? 'signal'}) before printing ${re}; stderr: ${err.trim()}`)),
          )
        }),
      kill: async (graceMs = 2000) => {
        if (!running) return
        killPid(pid, 'SIGTERM')
        const t = setTimeout(() => killPid(pid, 'SIGKILL'), graceMs)
        await exited
        clearTimeout(t)
      },
    }
    this.processes.add(proc)
    void exited.then(() => this.processes.delete(proc))
    return proc
  }

  /**
   * Starts the built CLI's `violin agent` in `ns` (foreground, killed in cleanup()), with
   * `address` as its underlay address and its own temporary --dir; resolves once it
   * answers hello on DIR/agent.sock (a path-bound Unix socket: reachable from any namespace).
   */
  async agent(ns: string, address: string, options: {hello?: number; dataPort?: number; controlPort?: number} = {}): Promise<NsAgent> {
    if (!existsSync(join(ROOT, 'dist/violin.cjs'))) throw new Error('the agent runs from the built CLI: run `npm run build` first')
    const dir = mkdtempSync(join(tmpdir(), 'violin-agent-'))
    this.dirs.push(dir)
    const flags = {'--hello': options.hello, '--data-port': options.dataPort, '--control-port': options.controlPort}
    const argv = [process.execPath, join(ROOT, 'bin/run.js'), 'agent', '--address', address, '--dir', dir]
    for (const [flag, value] of Object.entries(flags)) if (value !== undefined) argv.push(flag, String(value))
    const proc = this.start(ns, argv)
    const ask = <T>(request: AgentRequest) => askSocket<T>(ns, join(dir, 'agent.sock'), request)
    const deadline = Date.now() + 15_000
    for (;;) {
      const hello = await ask<AgentHello>({op: 'hello'}).catch(() => undefined)
      if (hello?.pid === proc.pid) {
        return {
          process: proc,
          dir,
          member: () => hello.self,
          ask,
          stop: async () => {
            await proc.kill()
            rmSync(dir, {recursive: true, force: true})
          },
        }
      }
      if (!proc.running) throw new Error(`violin agent in ${ns} exited: ${proc.stderr().trim()}`)
      if (Date.now() > deadline) throw new Error(`violin agent in ${ns} did not answer within 15 s: ${proc.stderr().trim()}`)
      await sleep(50)
    }
  }

  /**
   * An underlay: namespace `ul` holding bridge br0, and one namespace per host name with a
   * veth `ul0` plugged into it, addressed `${subnet}.I/24` (I = 1, 2... in order).
   */
  async underlay(hosts: string[], options: {subnet?: string; mtu?: number} = {}): Promise<Underlay> {
    const subnet = options.subnet ?? '10.77.0'
    const mtu = String(options.mtu ?? 1500)
    const bridgeNs = await this.namespace('ul')
    await this.exec(bridgeNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    await this.exec(bridgeNs, ['ip', 'link', 'set', 'br0', 'up'])
    const made: UnderlayHost[] = []
    for (const [i, name] of hosts.entries()) {
      const ns = await this.namespace(name)
      const port = `uh${i + 1}`
      await this.run([
        'ip',
        'link',
        'add',
        port,
        'netns',
        bridgeNs,
        'mtu',
        mtu,
        'type',
        'veth',
        'peer',
        'name',
        'ul0',
        'netns',
        ns,
        'mtu',
        mtu,
      ])
      await this.exec(bridgeNs, ['ip', 'link', 'set', port, 'master', 'br0', 'up'])
      const address = `${subnet}.${i + 1}`
      await this.exec(ns, ['ip', 'addr', 'add', `${address}/24`, 'dev', 'ul0'])
      await this.exec(ns, ['ip', 'link', 'set', 'ul0', 'up'])
      made.push({name, ns, address, dev: 'ul0'})
    }
    return {
      bridgeNs,
      hosts: made,
      host(name) {
        const h = made.find((x) => x.name === name)
        if (!h) throw new Error(`no underlay host ${name}`)
        return h
      },
    }
  }

  /**
   * A test VM attached to a userspace daemon as a QEMU UDP NIC would be: socat, run in
   * `hostNs`, bridges a TAP device to UDP (`local` -> `daemon`, one frame per datagram);
   * the TAP then moves into the VM's own namespace and gets `mac`, `cidr`, MTU 1450 (50
   * bytes of VXLAN overhead on a 1500 underlay) and `ethtool -K tx off` (the guest
   * finishes its checksums; nothing on a userspace path would). Start the daemon first:
   * socat exits when its first datagram is refused.
   */
  async tapVm(options: {
    name: string
    hostNs: string
    daemon: Endpoint
    local: Endpoint
    cidr: string
    mac: string
    mtu?: number
    dev?: string
  }): Promise<TestVm> {
    const dev = options.dev ?? `t${options.name}`.slice(0, 15)
    const ns = await this.namespace(`vm-${options.name}`)
    const socat = this.start(options.hostNs, [
      'socat',
      '-b',
      '9216',
      `TUN,tun-type=tap,tun-name=${dev},iff-no-pi,iff-up`,
      `UDP:${options.daemon.address}:${options.daemon.port},bind=${options.local.address}:${options.local.port}`,
    ])
    const deadline = Date.now() + 5000
    for (;;) {
      const r = await this.exec(options.hostNs, ['ip', 'link', 'show', dev], {check: false})
      if (r.exitCode === 0) break
      if (!socat.running) throw new Error(`socat for ${options.name} exited: ${socat.stderr().trim()}`)
      if (Date.now() > deadline) throw new Error(`TAP ${dev} of ${options.name} did not appear within 5 s; socat: ${socat.stderr().trim()}`)
      await sleep(50)
    }
    await this.exec(options.hostNs, ['ip', 'link', 'set', dev, 'netns', ns])
    await this.configureNic(ns, dev, options)
    return {name: options.name, ns, dev, ip: options.cidr.split('/')[0]!, mac: options.mac, socat}
  }

  /**
   * A test VM on a Linux bridge: its own namespace with `eth0`, the other end of a veth
   * (named `port`) enslaved to `bridge` in `hostNs`. Same NIC settings as tapVm.
   */
  async vethVm(options: {
    name: string
    hostNs: string
    bridge: string
    port: string
    cidr: string
    mac: string
    mtu?: number
  }): Promise<TestVm> {
    const ns = await this.namespace(`vm-${options.name}`)
    const mtu = String(options.mtu ?? 1450)
    await this.run([
      'ip',
      'link',
      'add',
      options.port,
      'netns',
      options.hostNs,
      'mtu',
      mtu,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
      'mtu',
      mtu,
    ])
    await this.exec(options.hostNs, ['ip', 'link', 'set', options.port, 'master', options.bridge, 'up'])
    await this.configureNic(ns, 'eth0', options)
    return {name: options.name, ns, dev: 'eth0', ip: options.cidr.split('/')[0]!, mac: options.mac}
  }

  /**
   * "Live-migrates" a tapVm to another host: its NIC is unplugged (the old socat stops, its
   * TAP goes) and plugged in on `hostNs` with the same MAC and address. The VM's namespace,
   * and so every TCP connection in it, stays as it was, as a migrated guest's memory does.
   */
  async moveTapVm(vm: TestVm, options: {hostNs: string; daemon: Endpoint; local: Endpoint; cidr: string; mtu?: number}): Promise<TestVm> {
    await vm.socat?.kill()
    const socat = this.start(options.hostNs, [
      'socat',
      '-b',
      '9216',
      `TUN,tun-type=tap,tun-name=${vm.dev},iff-no-pi,iff-up`,
      `UDP:${options.daemon.address}:${options.daemon.port},bind=${options.local.address}:${options.local.port}`,
    ])
    const deadline = Date.now() + 5000
    while ((await this.exec(options.hostNs, ['ip', 'link', 'show', vm.dev], {check: false})).exitCode !== 0) {
      if (!socat.running || Date.now() > deadline)
        throw new Error(`TAP ${vm.dev} of ${vm.name} did not appear on the new host: ${socat.stderr().trim()}`)
      await sleep(20)
    }
    await this.exec(options.hostNs, ['ip', 'link', 'set', vm.dev, 'netns', vm.ns])
    await this.configureNic(vm.ns, vm.dev, {...options, mac: vm.mac})
    return {...vm, socat}
  }

  /** The same for a vethVm: its veth is deleted on the old host and a new one put on `bridge` of `hostNs`. */
  async moveVethVm(
    vm: TestVm,
    options: {fromNs: string; oldPort: string; hostNs: string; bridge: string; port: string; cidr: string; mtu?: number},
  ): Promise<TestVm> {
    await this.exec(options.fromNs, ['ip', 'link', 'del', options.oldPort])
    const mtu = String(options.mtu ?? 1450)
    await this.run([
      'ip',
      'link',
      'add',
      options.port,
      'netns',
      options.hostNs,
      'mtu',
      mtu,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      vm.ns,
      'mtu',
      mtu,
    ])
    await this.exec(options.hostNs, ['ip', 'link', 'set', options.port, 'master', options.bridge, 'up'])
    await this.configureNic(vm.ns, 'eth0', {...options, mac: vm.mac})
    return vm
  }

  private async configureNic(ns: string, dev: string, options: {cidr: string; mac: string; mtu?: number}): Promise<void> {
    await this.exec(ns, ['ip', 'link', 'set', 'dev', dev, 'address', options.mac, 'mtu', String(options.mtu ?? 1450)])
    await this.exec(ns, ['ip', 'addr', 'add', options.cidr, 'dev', dev])
    await this.exec(ns, ['ip', 'link', 'set', 'dev', dev, 'up'])
    await this.exec(ns, ['ethtool', '-K', dev, 'tx', 'off'], {check: false}).then((r) => {
      // ethtool exits non-zero when nothing could change; fail only if tx checksumming stays on.
      if (r.exitCode !== 0) return this.txChecksumOff(ns, dev)
      return undefined
    })
  }

  private async txChecksumOff(ns: string, dev: string): Promise<void> {
    const {stdout} = await this.exec(ns, ['ethtool', '-k', dev])
    if (/^tx-checksumming: on/m.test(stdout)) throw new Error(`could not turn tx checksumming off on ${dev} in ${ns}`)
  }

  /** Kills this lab's processes (by PID), then deletes its namespaces (by name). Safe to call twice. */
  cleanup(): Promise<void> {
    return (this.cleaned ??= (async () => {
      await Promise.all([...this.processes].map((p) => p.kill(1500)))
      for (const ns of this.namespaces.splice(0).reverse()) {
        for (const pid of pidsIn(ns)) killPid(pid, 'SIGKILL')
        await runArgv(['ip', 'netns', 'del', ns], {check: false})
      }
      for (const dir of this.dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
      live.delete(this)
    })())
  }

  /** The synchronous last resort, for process 'exit'. */
  cleanupSync(): void {
    for (const p of this.processes) killPid(p.pid, 'SIGKILL')
    for (const ns of this.namespaces.splice(0).reverse()) deleteNamespaceSync(ns)
    for (const dir of this.dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
    live.delete(this)
  }
}

function pathWithSbin(): string {
  const path = (process.env.PATH ?? '').split(':').filter(Boolean)
  for (const dir of SBIN) if (!path.includes(dir)) path.push(dir)
  return path.join(':')
}

async function runArgv(argv: string[], options: RunOptions): Promise<ExecResult> {
  const timeout = options.timeoutMs ?? 15_000
  const r = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    timeout,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    env: {PATH: pathWithSbin()},
    extendEnv: true,
  })
  const result: ExecResult = {stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode}
  if ((options.check ?? true) && (r.exitCode !== 0 || r.timedOut)) {
    const why = r.timedOut ? `timed out after ${timeout} ms` : `exit ${r.exitCode ?? r.signal}`
    throw new Error(`${argv.join(' ')} failed (${why}): ${result.stderr.trim() || result.stdout.trim()}`)
  }
  return result
}

/** One request to the agent listening on `socket`; `host` names it in errors. */
function askSocket<T>(host: string, socket: string, request: AgentRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stream = connect(socket)
    stream.once('error', reject)
    stream.once('connect', () => askAgent<T>(host, stream, request).then(resolve, reject))
  })
}

/** Waits until `agent`'s switch for `vni` has heard from `count` other members. */
export async function waitForMembers(agent: NsAgent, vni: number, count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const [report] = await agent.ask<SwitchReport[]>({op: 'status', vni})
    if ((report?.members.length ?? 0) >= count) return
    if (Date.now() > deadline)
      throw new Error(`VNI ${vni} on ${agent.process.ns}: ${report?.members.length ?? 0} of ${count} members within ${ms} ms`)
    await sleep(50)
  }
}

/** Parses `ping` output: packets transmitted and received. */
export function pingCounts(stdout: string): {transmitted: number; received: number} {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(stdout)
  return {transmitted: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0)}
}

/** A counter of /proc/net/snmp inside `ns` (e.g. 'Icmp', 'InEchos'). */
export async function snmpCounter(lab: NetnsLab, ns: string, group: string, field: string): Promise<number> {
  const {stdout} = await lab.exec(ns, ['cat', '/proc/net/snmp'])
  const lines = stdout.split('\n').filter((l) => l.startsWith(`${group}: `))
  const names = lines[0]?.split(/\s+/).slice(1) ?? []
  const values = lines[1]?.split(/\s+/).slice(1) ?? []
  const i = names.indexOf(field)
  if (i < 0) throw new Error(`no ${group} ${field} in /proc/net/snmp of ${ns}`)
  return Number(values[i])
}

/**
 * violin's own transport, running each argv inside a host's namespace (the SSH transport
 * would run the same argv on a real host): for testing src/mesh/kernel.ts on namespaces.
 */
export class NamespaceTransport implements Transport {
  private readonly inner: LocalTransport
  readonly target: string

  constructor(
    readonly host: string,
    private readonly ns: string,
  ) {
    this.inner = new LocalTransport(host)
    this.target = `netns ${ns}`
  }

  run(argv: readonly string[], options?: TransportRunOptions): Promise<RunResult> {
    return this.inner.run(['ip', 'netns', 'exec', this.ns, ...argv], options)
  }

  putFile(): Promise<void> {
    throw new Error('NamespaceTransport copies no files')
  }

  connectSocket(): Promise<never> {
    throw new Error('NamespaceTransport opens no sockets')
  }

  async close(): Promise<void> {}
}
