import {UsageError, ViolinError} from '../errors.js'
import type {Dataplane, EnvironmentNetwork, EnvironmentRecord} from '../inventory/environment.js'
import type {HostRecord} from '../inventory/host.js'
import {applyKernelSwitch, bridgeName, removeKernelSwitch, vxlanName} from '../mesh/kernel.js'
import {formatMac, isGroup, parseMac} from '../mesh/mac.js'
import type {Transport} from '../transport/transport.js'
import {environmentStatus} from './environments.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'

/** Where a host meets the underlay: the address its peers send to, and the device that holds it. */
export interface Underlay {
  address: string
  device: string
}

/**
 * A host's underlay is the address violin reaches it by over SSH, on the device that
 * holds that address (`ip -j addr`): the address its peers can reach too.
 */
async function underlayOf(session: Session, host: HostRecord): Promise<Underlay> {
  if (host.transport.kind !== 'ssh') throw new UsageError(`host "${host.name}" is reached locally: the VXLAN data plane needs each host's underlay address, and violin takes it from the SSH address`)
  const address = host.transport.address
  const t = session.transport(host)
  const links = JSON.parse((await t.run(['ip', '-j', 'addr', 'show'])).stdout || '[]') as Array<{ifname: string; addr_info?: Array<{local?: string}>}>
  const link = links.find((l) => l.addr_info?.some((a) => a.local === address))
  if (!link) throw new ViolinError(`host "${host.name}" has no device with its SSH address ${address}; is it behind NAT or a port forward?`)
  return {address, device: link.ifname}
}

/** The hosts with a VM of the environment, where the hypervisors say the VMs are now. */
async function environmentHosts(session: Session, env: EnvironmentRecord): Promise<HostRecord[]> {
  const status = await environmentStatus(session, env)
  const unknown = status.filter((v) => v.state === 'missing' || v.state === 'unknown')
  if (unknown.length > 0) throw new ViolinError(`environment "${env.name}": ${unknown.map((v) => `${v.name} is ${v.state}`).join(', ')}`, undefined, `violin env info ${env.name}`)
  return [...new Set(status.map((v) => v.host))].sort().map((h) => session.host(h))
}

export interface SwitchHostResult {
  host: string
  address: string
  device: string
  bridge: string
  created: boolean
  added: string[]
  removed: string[]
}

/**
 * Starts (or brings up to date) an environment's Ethernet on every host that has one of
 * its VMs: a full mesh, each host's switch with every other host as a peer. With the
 * kernel data plane nothing runs on the hosts but the kernel; violin configures it over
 * SSH. Running it again after VMs moved adds the new hosts and drops the ones left.
 */
export async function startSwitch(
  session: Session,
  envName: string,
  dataplane: Dataplane,
  options: {hosts?: HostRecord[]} = {},
): Promise<{network: EnvironmentNetwork; outcomes: HostOutcome<SwitchHostResult>[]}> {
  const env = session.inventory!.environment(envName)
  const hosts = options.hosts ?? (await environmentHosts(session, env))
  const underlays = await fanout(hosts, (h) => underlayOf(session, h))
  const failed = underlays.filter((u) => !u.ok)
  if (failed.length > 0) {
    // Every host must know every peer's address: a mesh with a hole would lose frames silently.
    throw new ViolinError(`cannot start ${envName}'s switch: ${failed.map((f) => `${f.host}: ${f.ok ? '' : f.error.message}`).join('; ')}`)
  }
  const by = new Map(underlays.map((u) => [u.host, (u as {value: Underlay}).value]))
  const network = await session.inventory!.assignNetwork(envName, dataplane)
  const outcomes = await fanout(hosts, async (host): Promise<SwitchHostResult> => {
    const own = by.get(host.name)!
    const peers = hosts.filter((h) => h.name !== host.name).map((h) => by.get(h.name)!.address)
    const r = await applyKernelSwitch(session.transport(host), {vni: network.vni, local: own.address, device: own.device, peers})
    return {host: host.name, address: own.address, device: own.device, bridge: bridgeName(network.vni), ...r}
  })
  return {network, outcomes}
}

/** Throws the first host failure of a switch change: a VM must not start or land where its network is missing. */
function orThrow<T>(envName: string, outcomes: HostOutcome<T>[]): void {
  const failed = outcomes.find((o) => !o.ok)
  if (failed && !failed.ok) throw new ViolinError(`${envName}'s switch on host "${failed.host}": ${failed.error.message}`)
}

/**
 * Before VMs of a networked environment land on hosts (create, migrate): the switch is
 * started there and meshed with the hosts the environment is on now.
 */
export async function switchBeforeLanding(session: Session, env: EnvironmentRecord, landing: string[]): Promise<void> {
  if (!env.network) return
  const now = await environmentHosts(session, env)
  const hosts = [...new Set([...now.map((h) => h.name), ...landing])].sort().map((h) => session.host(h))
  orThrow(env.name, (await startSwitch(session, env.name, env.network.dataplane, {hosts})).outcomes)
}

/** After VMs left hosts: the mesh shrinks to where the environment is, and hosts it left lose its switch. */
export async function switchAfterLeaving(session: Session, env: EnvironmentRecord, left: string[]): Promise<void> {
  if (!env.network) return
  const now = await environmentHosts(session, env)
  orThrow(env.name, (await startSwitch(session, env.name, env.network.dataplane, {hosts: now})).outcomes)
  const empty = left.filter((h) => !now.some((n) => n.name === h))
  orThrow(env.name, await fanout(empty.map((h) => session.host(h)), (h) => removeKernelSwitch(session.transport(h), env.network!.vni)))
}

/** Takes the environment's switch down on every host that has it (or on all hosts, to be sure). */
export async function stopSwitch(session: Session, envName: string): Promise<{network?: EnvironmentNetwork; outcomes: HostOutcome<void>[]}> {
  const env = session.inventory!.environment(envName)
  if (!env.network) return {outcomes: []}
  const vni = env.network.vni
  const outcomes = await fanout(session.select(), (h) => (h.driver === 'sim' ? Promise.resolve() : removeKernelSwitch(session.transport(h), vni)))
  return {network: env.network, outcomes}
}

export interface SwitchStatus {
  host: string
  up: boolean
  peers: string[]
  /** MACs the switch has learned: on VM ports of this host, or behind a peer. */
  macs: number
  rxPackets?: number
  txPackets?: number
  rxDropped?: number
}

interface FdbEntry {
  mac: string
  dst?: string
  ifname?: string
  state?: string
  flags?: string[]
}

async function fdbOf(t: Transport, vni: number): Promise<{peers: string[]; learned: Array<{mac: string; via: string; local: boolean}>}> {
  const remote = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'dev', vxlanName(vni)])).stdout || '[]') as FdbEntry[]
  const bridge = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'br', bridgeName(vni)])).stdout || '[]') as FdbEntry[]
  const peers = remote.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst!)
  const learned = [
    ...remote.filter((e) => e.mac !== '00:00:00:00:00:00' && e.dst).map((e) => ({mac: e.mac, via: e.dst!, local: false})),
    // Bridge ports other than the VXLAN device are this host's VMs; "permanent" entries are the ports' own MACs.
    ...bridge.filter((e) => e.ifname && e.ifname !== vxlanName(vni) && e.state !== 'permanent' && !e.flags?.includes('self')).map((e) => ({mac: e.mac, via: e.ifname!, local: true})),
  ]
  return {peers, learned: learned.filter((e) => !isGroup(parseMac(e.mac))).map((e) => ({...e, mac: formatMac(parseMac(e.mac))}))}
}

function needNetwork(env: EnvironmentRecord): EnvironmentNetwork {
  if (!env.network) throw new UsageError(`environment "${env.name}" has no switch yet`, `violin switch start ${env.name}`)
  return env.network
}

export async function switchStatus(session: Session, envName: string): Promise<{network: EnvironmentNetwork; outcomes: HostOutcome<SwitchStatus>[]}> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  const hosts = await environmentHosts(session, env)
  const outcomes = await fanout(hosts, async (host): Promise<SwitchStatus> => {
    const t = session.transport(host)
    const link = await t.run(['ip', '-s', '-j', 'link', 'show', vxlanName(network.vni)], {allowFailure: true})
    if (link.exitCode !== 0) return {host: host.name, up: false, peers: [], macs: 0}
    const stats = (JSON.parse(link.stdout) as Array<{operstate?: string; flags?: string[]; stats64?: {rx?: {packets: number; dropped: number}; tx?: {packets: number}}}>)[0]
    const fdb = await fdbOf(t, network.vni)
    return {
      host: host.name,
      up: Boolean(stats?.flags?.includes('UP')),
      peers: fdb.peers,
      macs: fdb.learned.length,
      rxPackets: stats?.stats64?.rx?.packets,
      txPackets: stats?.stats64?.tx?.packets,
      rxDropped: stats?.stats64?.rx?.dropped,
    }
  })
  return {network, outcomes}
}

export async function switchFdb(session: Session, envName: string, hostNames?: string[]): Promise<HostOutcome<Array<{mac: string; via: string; local: boolean}>>[]> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  if (hostNames?.length) session.select({hosts: hostNames}) // unknown names are an error, not an empty answer
  const hosts = (await environmentHosts(session, env)).filter((h) => !hostNames?.length || hostNames.includes(h.name))
  return fanout(hosts, async (host) => (await fdbOf(session.transport(host), network.vni)).learned)
}
