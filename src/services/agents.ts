import type {AgentHello} from '../agent/agent.js'
import {askAgent} from '../agent/client.js'
import {agentPaths, DEFAULT_AGENT_DIR} from '../agent/paths.js'
import type {AgentRequest} from '../agent/protocol.js'
import {ExitCode, SocketUnavailableError, UsageError, ViolinError} from '../errors.js'
import {DEFAULT_LIBVIRT_URI, type HostRecord} from '../inventory/host.js'
import type {Session} from './session.js'

/** How violin runs itself on a host to start the agent: the host's --agent-command, else `violin` on its PATH. */
export function agentCommand(host: HostRecord): string[] {
  return host.agent?.command ?? ['violin']
}

function socketOf(host: HostRecord): string {
  return agentPaths(host.agent?.dir ?? DEFAULT_AGENT_DIR).socket
}

/** One request to a host's agent, through the host's transport (an SSH streamlocal channel). */
export async function askHostAgent<T>(session: Session, host: HostRecord, request: AgentRequest): Promise<T> {
  const stream = await session.transport(host).connectSocket(socketOf(host))
  return askAgent<T>(host.name, stream, request)
}

/** The host's agent's hello, or undefined when no agent runs there (an unreachable host still throws). */
export async function agentHello(session: Session, host: HostRecord): Promise<AgentHello | undefined> {
  try {
    return await askHostAgent<AgentHello>(session, host, {op: 'hello'})
  } catch (error) {
    if (error instanceof SocketUnavailableError) return undefined
    throw error
  }
}

/**
 * Makes sure the host's agent runs with `address` as its underlay address: asks it, and
 * when nothing answers starts it over SSH (`violin agent --detach`), which returns once
 * the agent answers.
 */
export async function ensureAgent(session: Session, host: HostRecord, address: string): Promise<AgentHello> {
  let hello = await agentHello(session, host)
  if (!hello) {
    const dir = host.agent?.dir ?? DEFAULT_AGENT_DIR
    const argv = [...agentCommand(host), 'agent', '--detach', '--quiet', '--address', address, '--dir', dir]
    const started = await session.transport(host).run(argv, {allowFailure: true, timeoutMs: 30_000})
    if (started.exitCode !== 0) {
      const why = (started.stderr || started.stdout).trim().split('\n').slice(-3).join(' / ')
      throw new ViolinError(
        `host "${host.name}": cannot start the agent (${argv.join(' ')} exited ${started.exitCode}): ${why}`,
        undefined,
        `violin host add ${host.name} --force --agent-command 'COMMAND' (how to run violin there)`,
      )
    }
    hello = await agentHello(session, host)
    if (!hello) throw new ViolinError(`host "${host.name}": the agent started but does not answer on ${socketOf(host)}`)
  }
  if (hello.self.address !== address) {
    throw new ViolinError(
      `host "${host.name}": its agent uses address ${hello.self.address}, but violin reaches the host at ${address}`,
      undefined,
      `violin agent stop on ${host.name}, then start the switch again`,
    )
  }
  return hello
}

export interface SamplerStart {
  host: string
  /** The store URL the sampler writes to (no credentials in it). */
  store: string
  intervalSec: number
  /** The etcd user the sampler writes as, when auth is on. */
  user: string | null
  pid: number | null
}

/**
 * `violin agent start -H HOST`: over SSH, starts the host's usage sampler (`violin agent
 * --store URL --host HOST --detach`) and marks the host to report through it. With etcd
 * auth on, it first makes the host's own etcd user (it may write only that host's sample
 * key) and hands its credentials over SSH on stdin into a 0600 file on the host, never on
 * a command line. A sampler already running there is stopped first: its password changes.
 */
export async function startHostSampler(session: Session, host: HostRecord, intervalS: number): Promise<SamplerStart> {
  const {storeLocation} = await import('../store/open.js')
  const {displayUrl} = await import('../store/url.js')
  const {samplerPaths} = await import('../agent/sampler.js')
  const {location} = storeLocation()
  if (location.kind !== 'etcd' || !session.inventory) {
    throw new ViolinError(
      'agents write their samples to a shared store, and the store is files on this machine',
      ExitCode.config,
      'VIOLIN_STORE=etcd://HOST:PORT/PREFIX (see "When one machine is not enough" in the README)',
    )
  }
  if (host.driver === 'sim') throw new UsageError(`host "${host.name}" is simulated: it has no agent`)
  const store = await session.store()
  const url = displayUrl({...location, user: undefined, password: undefined})
  const dir = host.agent?.dir ?? DEFAULT_AGENT_DIR
  const paths = samplerPaths(dir)
  const lines: string[] = []
  let user: string | null = null
  if (location.user ?? process.env.VIOLIN_ETCD_USER) {
    if (!store.agentUser) throw new ViolinError(`${store.url} cannot make users`)
    const made = await store.agentUser(host.name)
    user = made.user
    lines.push(`VIOLIN_ETCD_USER=${made.user}`, `VIOLIN_ETCD_PASSWORD=${made.password}`)
  }
  // TLS files are named by path: the host must hold them at the same paths as this machine.
  if (location.tls)
    for (const v of ['VIOLIN_ETCD_CA', 'VIOLIN_ETCD_CERT', 'VIOLIN_ETCD_KEY']) if (process.env[v]) lines.push(`${v}=${process.env[v]}`)
  const transport = session.transport(host)
  const fail = (what: string, r: {exitCode: number; stderr: string; stdout: string}, argv: readonly string[]): never => {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')
    throw new ViolinError(
      `host "${host.name}": cannot ${what} (${argv.join(' ')} exited ${r.exitCode}): ${why}`,
      undefined,
      `violin host add ${host.name} --force --agent-command 'COMMAND' (how to run violin there)`,
    )
  }
  const violin = agentCommand(host)
  const stop = [...violin, 'agent', 'stop', '--sampler', '--quiet', '--dir', dir]
  const stopped = await transport.run(stop, {allowFailure: true, timeoutMs: 30_000})
  if (stopped.exitCode !== 0) fail('stop its sampler', stopped, stop)
  const argv = [
    ...violin,
    'agent',
    '--detach',
    '--json',
    '--store',
    url,
    '--host',
    host.name,
    '--dir',
    dir,
    '--sample-interval',
    String(intervalS),
  ]
  if (host.driver === 'xl') argv.push('--driver', 'xl')
  else argv.push('--connect', host.uri ?? DEFAULT_LIBVIRT_URI)
  if (host.nic) argv.push('--nic', host.nic)
  if (lines.length > 0) {
    // The password goes on stdin into a file only its owner reads: never in argv, where ps would show it.
    const write = ['sh', '-c', 'umask 077 && mkdir -p "$1" && cat > "$2.new" && mv -f "$2.new" "$2"', 'sh', dir, paths.credentials]
    const written = await transport.run(write, {allowFailure: true, stdin: `${lines.join('\n')}\n`, timeoutMs: 30_000})
    if (written.exitCode !== 0) fail(`write ${paths.credentials}`, written, write)
    argv.push('--credentials', paths.credentials)
  }
  const started = await transport.run(argv, {allowFailure: true, timeoutMs: 60_000})
  if (started.exitCode !== 0) fail('start its sampler', started, argv)
  await session.inventory.setAgentStore(host.name, true)
  let pid: number | undefined
  try {
    pid = Number((JSON.parse(started.stdout) as {pid?: unknown}).pid)
  } catch {}
  return {host: host.name, store: url, intervalSec: intervalS, user, pid: pid !== undefined && Number.isInteger(pid) ? pid : null}
}
