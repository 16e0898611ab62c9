import {UsageError, ViolinError} from '../errors.js'
import type {Dataplane, EnvironmentNetwork, EnvironmentRecord} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import type {VmSpec} from '../hypervisor/vm-spec.js'
import {environmentPlacement} from './environment-status.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'
import {agentFdb, agentNic, agentStatus, agentTraffic, announceArrived, removeAgentSwitch, startAgentSwitch} from './switch-agent.js'
import {formatMac, parseMac} from '../mesh/mac.js'
import {kernelFdb, kernelNic, kernelStatus, kernelTraffic, removeKernelSwitchFrom, startKernelSwitch} from './switch-kernel.js'
import type {PairCount} from '../monitor/traffic-matrix.js'
import type {LearnedMac, SwitchHostResult, SwitchStatus} from './switch-status.js'
import {type Underlay, underlayOf} from './switch-underlay.js'

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
  if (unfit.length > 0)
    throw new UsageError(
      `the udp data plane needs libvirt hosts; ${unfit.map((h) => `${h.name} is ${h.driver}`).join(', ')}`,
      'use --dataplane vxlan',
    )
  const underlays = await fanout(hosts, (h) => underlayOf(session, h))
  const failed = underlays.filter((u) => !u.ok)
  if (failed.length > 0) {
    // Every host must know every peer's address: a mesh with a hole would lose frames silently.
    throw new ViolinError(`cannot start ${envName}'s switch: ${failed.map((f) => `${f.host}: ${f.ok ? '' : f.error.message}`).join('; ')}`)
  }
  const by = new Map(underlays.map((u) => [u.host, (u as {value: Underlay}).value]))
  const wanted = options.underlayMtu ?? before.network?.underlayMtu ?? 1500
  const small = [...by].filter(([, u]) => u.mtu !== undefined && u.mtu < wanted)
  if (small.length > 0)
    throw new UsageError(
      `an underlay MTU of ${wanted} was asked for, but ${small.map(([h, u]) => `${h}'s ${u.device} has ${u.mtu}`).join(', ')}`,
      "raise the devices' MTU (and the path's), or start the switch without --underlay-mtu",
    )
  const env = await session.inventory!.assignNetwork(envName, dataplane, {authData: options.authData, underlayMtu: options.underlayMtu})
  const network = env.network!
  if (dataplane === 'udp') return {network, env, outcomes: await startAgentSwitch(session, env, placement, by)}
  return {
    network,
    env,
    outcomes: await startKernelSwitch(
      session,
      hosts,
      network.vni,
      by,
      env.vms.map((v) => v.mac),
    ),
  }
}

/** A sim host's transport is this machine: a switch "on" it would rewire the admin's own network. */
export function refuseSimulated(envName: string, hosts: readonly HostRecord[]): void {
  const simulated = [...new Set(hosts.filter((h) => h.driver === 'sim').map((h) => h.name))]
  if (simulated.length > 0)
    throw new UsageError(`host(s) ${simulated.join(', ')} are simulated: they carry no Ethernet`, `violin env info ${envName}`)
}

/** Throws the first host failure of a switch change: a VM must not start or land where its network is missing. */
function orThrow<T>(envName: string, outcomes: HostOutcome<T>[]): void {
  const failed = outcomes.find((o) => !o.ok)
  if (failed && !failed.ok) throw new ViolinError(`${envName}'s switch on host "${failed.host}": ${failed.error.message}`)
}

/** Starts the switch for a create or a move and throws when any host failed. */
export async function startSwitchOrThrow(
  session: Session,
  envName: string,
  dataplane: Dataplane,
  placement: Map<string, string[]>,
  options: {authData?: boolean; underlayMtu?: number} = {},
): Promise<EnvironmentRecord> {
  const r = await startSwitch(session, envName, dataplane, {placement, ...options})
  orThrow(envName, r.outcomes)
  return r.env
}

/**
 * Before VMs of a networked environment land on hosts (migrate): the switch is started
 * there and meshed with the hosts the environment is on now; on the udp data plane the
 * destination's agent opens the landing VM's port, so its first frame there is carried.
 */
export async function switchBeforeLanding(
  session: Session,
  env: EnvironmentRecord,
  landing: Array<{vm: string; host: string}>,
): Promise<void> {
  if (!env.network || env.network.stopped) return
  const placement = await environmentPlacement(session, env)
  for (const {vm, host} of landing) placement.set(host, [...new Set([...(placement.get(host) ?? []), vm])])
  await startSwitchOrThrow(session, env.name, env.network.dataplane, placement)
}

/** Where a VM's NIC plugs in on its environment's data plane. */
export function nicFor(env: EnvironmentRecord, vmName: string): NonNullable<VmSpec['nic']> {
  const network = needNetwork(env)
  if (network.dataplane === 'vxlan') return kernelNic(network)
  return agentNic(env, vmName)
}

/** Removes an environment's switch from one host (a host it left, a create undone, `switch stop`). */
export async function removeSwitch(session: Session, host: HostRecord, network: EnvironmentNetwork): Promise<void> {
  if (network.dataplane === 'vxlan') return removeKernelSwitchFrom(session, host, network.vni)
  await removeAgentSwitch(session, host, network.vni)
}

/**
 * After VMs left hosts: the mesh shrinks to where the environment is, and hosts it left
 * lose its switch. On the udp data plane each arrived VM is announced by its new host's
 * switch unless it announced itself (QEMU's RARP); returns which were.
 */
export async function switchAfterLeaving(
  session: Session,
  env: EnvironmentRecord,
  left: string[],
  arrived: Array<{vm: string; host: string}> = [],
): Promise<Array<{vm: string; host: string; sent: boolean}>> {
  if (!env.network || env.network.stopped) return []
  const placement = await environmentPlacement(session, env)
  const current = await startSwitchOrThrow(session, env.name, env.network.dataplane, placement)
  const empty = left.filter((h) => !placement.has(h))
  orThrow(
    env.name,
    await fanout(
      empty.map((h) => session.host(h)),
      (h) => removeSwitch(session, h, current.network!),
    ),
  )
  if (current.network!.dataplane !== 'udp') return []
  return announceArrived(session, current.network!.vni, arrived)
}

/** Takes the environment's switch down on every host that has it (or on all hosts, to be sure). */
export async function stopSwitch(
  session: Session,
  envName: string,
): Promise<{network?: EnvironmentNetwork; outcomes: HostOutcome<void>[]}> {
  const env = session.inventory!.environment(envName)
  if (!env.network) return {outcomes: []}
  const network = env.network
  const outcomes = await fanout(session.select(), (h) => (h.driver === 'sim' ? Promise.resolve() : removeSwitch(session, h, network)))
  // Down only when down everywhere: a host that kept its part would still carry frames.
  if (outcomes.every((o) => o.ok)) await session.inventory!.markSwitchStopped(envName)
  return {network, outcomes}
}

function needNetwork(env: EnvironmentRecord): EnvironmentNetwork {
  if (!env.network) throw new UsageError(`environment "${env.name}" has no switch yet`, `violin switch start ${env.name}`)
  return env.network
}

export async function switchStatus(
  session: Session,
  envName: string,
): Promise<{network: EnvironmentNetwork; outcomes: HostOutcome<SwitchStatus>[]}> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  const hosts = [...(await environmentPlacement(session, env)).keys()].sort().map((h) => session.host(h))
  const outcomes = await fanout(hosts, (host) =>
    network.dataplane === 'udp' ? agentStatus(session, host, network.vni) : kernelStatus(session.transport(host), host.name, network.vni),
  )
  return {network, outcomes}
}

export async function switchFdb(session: Session, envName: string, hostNames?: string[]): Promise<HostOutcome<LearnedMac[]>[]> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  if (hostNames?.length) session.select({hosts: hostNames}) // unknown names are an error, not an empty answer
  const hosts = [...(await environmentPlacement(session, env)).keys()]
    .sort()
    .filter((h) => !hostNames?.length || hostNames.includes(h))
    .map((h) => session.host(h))
  return fanout(hosts, async (host) => {
    if (network.dataplane === 'vxlan') return (await kernelFdb(session.transport(host), network.vni)).learned
    return agentFdb(session, host, network.vni)
  })
}

/** The hosts whose switches count an environment's traffic (where its VMs run), for switchTraffic. */
export async function trafficHosts(session: Session, envName: string): Promise<string[]> {
  return [...(await environmentPlacement(session, session.inventory!.environment(envName))).keys()].sort()
}

/**
 * The per-pair traffic an environment's switches counted, with VM names for MACs: on the
 * udp data plane its agents' switches, on the kernel one the nftables counters set up with
 * its bridges. Callers that read twice (to get rates) pass the hosts from trafficHosts, so
 * the hypervisors are asked where the VMs are only once.
 */
export async function switchTraffic(session: Session, envName: string, hostNames?: string[]): Promise<HostOutcome<PairCount[]>[]> {
  const env = session.inventory!.environment(envName)
  const network = needNetwork(env)
  const names = new Map(env.vms.map((v) => [formatMac(parseMac(v.mac)), v.name]))
  const hosts = (hostNames ?? (await trafficHosts(session, envName))).map((h) => session.host(h))
  return fanout(hosts, (host) =>
    network.dataplane === 'udp' ? agentTraffic(session, host, network.vni, names) : kernelTraffic(session, host, network.vni, names),
  )
}
