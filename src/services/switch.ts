import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import type {AgentHello, SwitchReport} from '../agent/agent.js'
import type {SwitchSpec} from '../agent/protocol.js'
import {UsageError, ViolinError} from '../errors.js'
import type {Dataplane, EnvironmentNetwork, EnvironmentRecord} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import type {VmSpec} from '../hypervisor/vm-spec.js'
import {applyKernelSwitch, bridgeName, removeKernelSwitch, vmMtu, vxlanName} from '../mesh/kernel.js'
import type {Member} from '../mesh/control.js'
import {formatMac, isGroup, parseMac} from '../mesh/mac.js'
import type {Transport} from '../transport/transport.js'
import {agentHello, askHostAgent, ensureAgent} from './agents.js'
import {environmentStatus} from './environments.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'

/** Where a host meets the underlay: the address its peers send to, and the device that holds it. */
export interface Underlay {
  address: string
  device: string
  mtu?: number
}

/**
 * A host's underlay is the address violin reaches it by over SSH, on the device that
 * holds that address (`ip -j addr`): the address its peers can reach too.
 */
async function underlayOf(session: Session, host: HostRecord): Promise<Underlay> {
  if (host.transport.kind !== 'ssh') throw new UsageError(`host "${host.name}" is reached locally: the VXLAN data plane needs each host's underlay address, and violin takes it from the SSH address`)
  const address = await underlayAddress(host.name, host.transport.address)
  const t = session.transport(host)
  const links = JSON.parse((await t.run(['ip', '-j', 'addr', 'show'])).stdout.trim() || '[]') as Array<{ifname: string; mtu?: number; addr_info?: Array<{local?: string}>}>
  const link = links.find((l) => l.addr_info?.some((a) => a.local === address))
  if (!link) throw new ViolinError(`host "${host.name}" has no device with its SSH address ${address}; is it behind NAT or a port forward?`)
  return {address, device: link.ifname, mtu: link.mtu}
}

/**
 * The underlay address of a host added by name: what the name resolves to here, as the
 * SSH connection used it (IPv4 first, as the peers' VXLAN sockets are IPv4).
 */
export async function underlayAddress(host: string, sshAddress: string, resolve = (name: string) => lookup(name, {family: 4})): Promise<string> {
  if (isIP(sshAddress)) return sshAddress
  try {
    return (await resolve(sshAddress)).address
  } catch (error) {
    throw new ViolinError(`host "${host}": cannot resolve ${sshAddress} to an IPv4 address for the underlay: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

/** Where the environment's VMs are now (the hypervisors' word): host name -> VM names. */
async function environmentPlacement(session: Session, env: EnvironmentRecord): Promise<Map<string, string[]>> {
  const status = await environmentStatus(session, env)
  const unknown = status.filter((v) => v.state === 'missing' || v.state === 'unknown')
  if (unknown.length > 0) throw new ViolinError(`environment "${env.name}": ${unknown.map((v) => `${v.name} is ${v.state}`).join(', ')}`, undefined, `violin env info ${env.name}`)
  const placement = new Map<string, string[]>()
  for (const vm of status) placement.set(vm.host, [...(placement.get(vm.host) ?? []), vm.name])
  return placement
}

export interface SwitchHostResult {
  host: string
  address: string
  /** Kernel data plane: the underlay device and the environment's bridge. */
  device?: string
  bridge?: string
  /** udp data plane: the agent's PID and the VM ports it holds for the environment. */
  agentPid?: number
  ports?: string[]
  created: boolean
  added: string[]
  removed: string[]
}

/** The agent's end of a VM's UDP NIC, and the VM's own end, on the host's loopback. */
export function vmPortEndpoints(port: number): {listen: {address: string; port: number}; vm: {address: string; port: number}} {
  return {listen: {address: '127.0.0.1', port}, vm: {address: '127.0.0.1', port: port + 1}}
}

/** How long `switch start` waits for every host's switch to see every other as a live member. */
const CONVERGE_MS = 8000

/**
 * Starts (or brings up to date) an environment's Ethernet on every host that has one of
 * its VMs (or, with `placement`, on the hosts named there): a full mesh, each host's
 * switch with every other host as a peer.
 * - vxlan: a bridge and a VXLAN device per host, configured over SSH (no agent).
 * - udp: each host's agent (started over SSH when needed) gets the environment's switch,
 *   the VM ports of the VMs placed there, and the other hosts' switches to join through;
 *   the control plane then forms the mesh, and this waits until every member sees all.
 * Running it again after VMs moved adds the new hosts and drops the VM ports that left.
 */
export async function startSwitch(
  session: Session,
  envName: string,
  dataplane: Dataplane,
  options: {placement?: Map<string, string[]>; authData?: boolean; underlayMtu?: number} = {},
): Promise<{network: EnvironmentNetwork; env: EnvironmentRecord; outcomes: HostOutcome<SwitchHostResult>[]}> {
  const before = session.inventory!.environment(envName)
  const placement = options.placement ?? (await environmentPlacement(session, before))
  const hosts = [...placement.keys()].sort().map((h) => session.host(h))
  refuseSimulated(envName, hosts)
  // QEMU's UDP NIC backend is what a VM port talks to: Xen's and the simulator's VMs have none.
  const unfit = dataplane === 'udp' ? hosts.filter((h) => h.driver !== 'libvirt') : []
  if (unfit.length > 0) throw new UsageError(`the udp data plane needs libvirt hosts; ${unfit.map((h) => `${h.name} is ${h.driver}`).join(', ')}`, 'use --dataplane vxlan')
  const underlays = await fanout(hosts, (h) => underlayOf(session, h))
  const failed = underlays.filter((u) => !u.ok)
  if (failed.length > 0) {
    // Every host must know every peer's address: a mesh with a hole would lose frames silently.
    throw new ViolinError(`cannot start ${envName}'s switch: ${failed.map((f) => `${f.host}: ${f.ok ? '' : f.error.message}`).join('; ')}`)
  }
  const by = new Map(underlays.map((u) => [u.host, (u as {value: Underlay}).value]))
  const wanted = options.underlayMtu ?? before.network?.underlayMtu ?? 1500
  const small = [...by].filter(([, u]) => u.mtu !== undefined && u.mtu < wanted)
  if (small.length > 0) throw new UsageError(`an underlay MTU of ${wanted} was asked for, but ${small.map(([h, u]) => `${h}'s ${u.device} has ${u.mtu}`).join(', ')}`, 'raise the devices\' MTU (and the path\'s), or start the switch without --underlay-mtu')
  const env = await session.inventory!.assignNetwork(envName, dataplane, {authData: options.authData, underlayMtu: options.underlayMtu})
  const network = env.network!
  if (dataplane === 'udp') return {network, env, outcomes: await startUdpSwitch(session, env, placement, by)}
  const outcomes = await fanout(hosts, async (host): Promise<SwitchHostResult> => {
    const own = by.get(host.name)!
    const peers = hosts.filter((h) => h.name !== host.name).map((h) => by.get(h.name)!.address)
    const r = await applyKernelSwitch(session.transport(host), {vni: network.vni, local: own.address, device: own.device, peers})
    return {host: host.name, address: own.address, device: own.device, bridge: bridgeName(network.vni), ...r}
  })
  return {network, env, outcomes}
}

/** A sim host's transport is this machine: a switch "on" it would rewire the admin's own network. */
export function refuseSimulated(envName: string, hosts: readonly HostRecord[]): void {
  const simulated = [...new Set(hosts.filter((h) => h.driver === 'sim').map((h) => h.name))]
  if (simulated.length > 0) throw new UsageError(`host(s) ${simulated.join(', ')} are simulated: they carry no Ethernet`, `violin env info ${envName}`)
}

/** The switch spec a host's agent gets: its VMs' ports, and every other host's switch to join through. */
function switchSpec(env: EnvironmentRecord, vmNames: string[], known: Member[]): SwitchSpec {
  const network = env.network!
  const vms = vmNames.map((name) => {
    const vm = env.vms.find((v) => v.name === name)
    if (!vm?.port) throw new ViolinError(`VM "${name}" has no port on ${env.name}'s udp data plane`)
    return {id: vm.name, mac: vm.mac, ...vmPortEndpoints(vm.port)}
  })
  return {vni: network.vni, ...(network.key ? {key: network.key} : {}), ...(network.authData ? {authData: true} : {}), known, vms}
}

async function startUdpSwitch(session: Session, env: EnvironmentRecord, placement: Map<string, string[]>, by: Map<string, Underlay>): Promise<HostOutcome<SwitchHostResult>[]> {
  const vni = env.network!.vni
  const hosts = [...placement.keys()].sort().map((h) => session.host(h))
  const hellos = new Map<string, AgentHello>()
  const started = await fanout(hosts, async (host) => hellos.set(host.name, await ensureAgent(session, host, by.get(host.name)!.address)))
  const ready = hosts.filter((h) => hellos.has(h.name))
  const applied = await fanout(ready, async (host): Promise<SwitchHostResult> => {
    const hello = hellos.get(host.name)!
    const created = !hello.switches.includes(vni)
    const old = created ? [] : (await askHostAgent<SwitchReport[]>(session, host, {op: 'status', vni}))[0]?.members.map((m) => m.address) ?? []
    const known = ready.filter((h) => h.name !== host.name).map((h) => hellos.get(h.name)!.self)
    const report = await askHostAgent<SwitchReport>(session, host, {op: 'apply', spec: switchSpec(env, placement.get(host.name)!, known)})
    const expected = known.map((m) => m.address)
    const members = await waitForMembers(session, host, vni, expected, report)
    const missing = expected.filter((a) => !members.includes(a))
    if (missing.length > 0) throw new ViolinError(`host "${host.name}": its switch has not heard from ${missing.join(', ')} within ${CONVERGE_MS / 1000} s (UDP ${hello.self.controlPort} blocked between hosts?)`)
    return {
      host: host.name,
      address: hello.self.address,
      agentPid: hello.pid,
      ports: report.vms.map((v) => v.id),
      created,
      added: members.filter((a) => !old.includes(a)),
      removed: old.filter((a) => !members.includes(a)),
    }
  })
  return [...started.filter((o) => !o.ok) as HostOutcome<SwitchHostResult>[], ...applied]
}

/** Polls the switch's member list until it holds every expected address (or time runs out). */
async function waitForMembers(session: Session, host: HostRecord, vni: number, expected: string[], first: SwitchReport): Promise<string[]> {
  let members = first.members.map((m) => m.address)
  const deadline = Date.now() + CONVERGE_MS
  while (expected.some((a) => !members.includes(a)) && Date.now() < deadline) {
    await sleep(100)
    members = ((await askHostAgent<SwitchReport[]>(session, host, {op: 'status', vni}))[0]?.members ?? []).map((m) => m.address)
  }
  return members
}

/** Throws the first host failure of a switch change: a VM must not start or land where its network is missing. */
function orThrow<T>(envName: string, outcomes: HostOutcome<T>[]): void {
  const failed = outcomes.find((o) => !o.ok)
  if (failed && !failed.ok) throw new ViolinError(`${envName}'s switch on host "${failed.host}": ${failed.error.message}`)
}

/** Starts the switch for a create or a move and throws when any host failed. */
export async function startSwitchOrThrow(session: Session, envName: string, dataplane: Dataplane, placement: Map<string, string[]>, options: {authData?: boolean; underlayMtu?: number} = {}): Promise<EnvironmentRecord> {
  const r = await startSwitch(session, envName, dataplane, {placement, ...options})
  orThrow(envName, r.outcomes)
  return r.env
}

/**
 * Before VMs of a networked environment land on hosts (migrate): the switch is started
 * there and meshed with the hosts the environment is on now; on the udp data plane the
 * destination's agent opens the landing VM's port, so its first frame there is carried.
 */
export async function switchBeforeLanding(session: Session, env: EnvironmentRecord, landing: Array<{vm: string; host: string}>): Promise<void> {
  if (!env.network || env.network.stopped) return
  const placement = await environmentPlacement(session, env)
  for (const {vm, host} of landing) placement.set(host, [...new Set([...(placement.get(host) ?? []), vm])])
  await startSwitchOrThrow(session, env.name, env.network.dataplane, placement)
}

/** Where a VM's NIC plugs in on its environment's data plane. */
export function nicFor(env: EnvironmentRecord, vmName: string): NonNullable<VmSpec['nic']> {
  const network = needNetwork(env)
  if (network.dataplane === 'vxlan') return {kind: 'bridge', bridge: bridgeName(network.vni), mtu: vmMtu(network.underlayMtu)}
  const port = env.vms.find((v) => v.name === vmName)?.port
  if (!port) throw new ViolinError(`VM "${vmName}" has no port on ${env.name}'s udp data plane`)
  const {listen, vm} = vmPortEndpoints(port)
  // No <mtu>: libvirt 9 refuses it on a UDP interface. A full 1500-byte frame then leaves
  // the agent as a 1550-byte datagram that the kernel fragments: it arrives, at a cost.
  return {kind: 'udp', source: listen, local: vm}
}

/** Removes an environment's switch from one host (a host it left, a create undone, `switch stop`). */
export async function removeSwitch(session: Session, host: HostRecord, network: EnvironmentNetwork): Promise<void> {
  if (network.dataplane === 'vxlan') return removeKernelSwitch(session.transport(host), network.vni)
  const hello = await agentHello(session, host)
  if (hello?.switches.includes(network.vni)) await askHostAgent(session, host, {op: 'remove', vni: network.vni})
}

/**
 * After VMs left hosts: the mesh shrinks to where the environment is, and hosts it left
 * lose its switch. On the udp data plane each arrived VM is announced by its new host's
 * switch unless it announced itself (QEMU's RARP); returns which were.
 */
export async function switchAfterLeaving(session: Session, env: EnvironmentRecord, left: string[], arrived: Array<{vm: string; host: string}> = []): Promise<Array<{vm: string; host: string; sent: boolean}>> {
  if (!env.network || env.network.stopped) return []
  const placement = await environmentPlacement(session, env)
  const current = await startSwitchOrThrow(session, env.name, env.network.dataplane, placement)
  const empty = left.filter((h) => !placement.has(h))
  orThrow(env.name, await fanout(empty.map((h) => session.host(h)), (h) => removeSwitch(session, h, current.network!)))
  if (current.network!.dataplane !== 'udp') return []
  const vni = current.network!.vni
  return Promise.all(arrived.map(async ({vm, host}) => ({vm, host, ...(await askHostAgent<{sent: boolean}>(session, session.host(host), {op: 'announce', vni, vm}))})))
}

/** Takes the environment's switch down on every host that has it (or on all hosts, to be sure). */
export async function stopSwitch(session: Session, envName: string): Promise<{network?: EnvironmentNetwork; outcomes: HostOutcome<void>[]}> {
  const env = session.inventory!.environment(envName)
  if (!env.network) return {outcomes: []}
  const network = env.network
  const outcomes = await fanout(session.select(), (h) => (h.driver === 'sim' ? Promise.resolve() : removeSwitch(session, h, network)))
  // Down only when down everywhere: a host that kept its part would still carry frames.
  if (outcomes.every((o) => o.ok)) await session.inventory!.markSwitchStopped(envName)
  return {network, outcomes}
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
  /** udp data plane: each member and how long since it was heard from (dead after 3.5 hellos). */
  members?: Array<{address: string; silentMs: number}>
  /** udp data plane: frames and bytes through each port, VM or peer. */
  ports?: Array<{port: string; kind: 'vm' | 'peer'; framesIn: number; framesOut: number; bytesIn: number; bytesOut: number}>
  drops?: Record<string, number>
}

interface FdbEntry {
  mac: string
  dst?: string
  ifname?: string
  state?: string
  flags?: string[]
}

export interface LearnedMac {
  mac: string
  via: string
  local: boolean
  ageMs?: number
}

async function fdbOf(t: Transport, vni: number): Promise<{peers: string[]; learned: LearnedMac[]}> {
  const remote = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'dev', vxlanName(vni)])).stdout.trim() || '[]') as FdbEntry[]
  const bridge = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'br', bridgeName(vni)])).stdout.trim() || '[]') as FdbEntry[]
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

async function kernelStatus(t: Transport, host: string, vni: number): Promise<SwitchStatus> {
  const link = await t.run(['ip', '-s', '-j', 'link', 'show', vxlanName(vni)], {allowFailure: true})
  if (link.exitCode !== 0) return {host, up: false, peers: [], macs: 0}
  const stats = (JSON.parse(link.stdout) as Array<{operstate?: string; flags?: string[]; stats64?: {rx?: {packets: number; dropped: number}; tx?: {packets: number}}}>)[0]
  const fdb = await fdbOf(t, vni)
  return {
    host,
    up: Boolean(stats?.flags?.includes('UP')),
    peers: fdb.peers,
    macs: fdb.learned.length,
    rxPackets: stats?.stats64?.rx?.packets,
    txPackets: stats?.stats64?.tx?.packets,
    rxDropped: stats?.stats64?.rx?.dropped,
  }
}

async function agentStatus(session: Session, host: HostRecord, vni: number): Promise<SwitchStatus> {
  const hello = await agentHello(session, host)
  if (!hello?.switches.includes(vni)) return {host: host.name, up: false, peers: [], macs: 0}
  const report = (await askHostAgent<SwitchReport[]>(session, host, {op: 'status', vni}))[0]!
  const ports = [
    ...report.vms.map((v) => ({port: v.id, kind: 'vm' as const, framesIn: v.framesIn, framesOut: v.framesOut, bytesIn: v.bytesIn, bytesOut: v.bytesOut})),
    ...report.peers.map((p) => ({port: p.address, kind: 'peer' as const, framesIn: p.framesIn, framesOut: p.framesOut, bytesIn: p.bytesIn, bytesOut: p.bytesOut})),
  ]
  const dropped = Object.values(report.drops).reduce((a, b) => a + b, 0)
  return {
    host: host.name,
    up: true,
    peers: report.members.map((m) => m.address),
    macs: report.macs,
    rxPackets: ports.reduce((n, p) => n + p.framesIn, 0),
    txPackets: ports.reduce((n, p) => n + p.framesOut, 0),
    rxDropped: dropped,
    members: report.members.map((m) => ({address: m.address, silentMs: m.silentMs})),
    ports,
    drops: report.drops,
  }
}

export async function switchStatus(session: Session, envName: string): Promise<{network: EnvironmentNetwork; outcomes: HostOutcome<SwitchStatus>[]}> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  const hosts = [...(await environmentPlacement(session, env)).keys()].sort().map((h) => session.host(h))
  const outcomes = await fanout(hosts, (host) => (network.dataplane === 'udp' ? agentStatus(session, host, network.vni) : kernelStatus(session.transport(host), host.name, network.vni)))
  return {network, outcomes}
}

export async function switchFdb(session: Session, envName: string, hostNames?: string[]): Promise<HostOutcome<LearnedMac[]>[]> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  if (hostNames?.length) session.select({hosts: hostNames}) // unknown names are an error, not an empty answer
  const hosts = [...(await environmentPlacement(session, env)).keys()].sort().filter((h) => !hostNames?.length || hostNames.includes(h)).map((h) => session.host(h))
  return fanout(hosts, async (host) => {
    if (network.dataplane === 'vxlan') return (await fdbOf(session.transport(host), network.vni)).learned
    return askHostAgent<LearnedMac[]>(session, host, {op: 'fdb', vni: network.vni})
  })
}

/** The hosts whose switches count an environment's traffic (where its VMs run), for switchTraffic. */
export async function trafficHosts(session: Session, envName: string): Promise<string[]> {
  return [...(await environmentPlacement(session, session.inventory!.environment(envName))).keys()].sort()
}

/**
 * The per-pair traffic an environment's switches counted (udp data plane), with VM names
 * for MACs. Callers that read twice (to get rates) pass the hosts from trafficHosts, so the
 * hypervisors are asked where the VMs are only once.
 */
export async function switchTraffic(session: Session, envName: string, hostNames?: string[]): Promise<HostOutcome<Array<{src: string; dst: string; srcVm?: string; dstVm?: string; frames: number; bytes: number; remote: boolean}>>[]> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  if (network.dataplane !== 'udp') throw new UsageError(`environment "${envName}" is on the ${network.dataplane} data plane, which counts no per-pair traffic`, 'the udp data plane (switch start --dataplane udp) keeps a traffic matrix')
  const names = new Map(env.vms.map((v) => [v.mac, v.name]))
  const hosts = (hostNames ?? (await trafficHosts(session, envName))).map((h) => session.host(h))
  return fanout(hosts, async (host) => {
    const [entry] = await askHostAgent<Array<{vni: number; pairs: Array<{src: string; dst: string; frames: number; bytes: number; remote: boolean}>}>>(session, host, {op: 'traffic', vni: network.vni})
    return (entry?.pairs ?? []).map((p) => ({...p, srcVm: names.get(p.src), dstVm: names.get(p.dst)}))
  })
}
