import {setTimeout as sleep} from 'node:timers/promises'

import type {AgentHello, SwitchReport} from '../agent/agent.js'
import type {SwitchSpec} from '../agent/protocol.js'
import {ViolinError} from '../errors.js'
import type {EnvironmentRecord} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import type {VmSpec} from '../hypervisor/vm-spec.js'
import type {Member} from '../mesh/control.js'
import {agentHello, askHostAgent, ensureAgent} from './agents.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'
import type {PairCount} from '../monitor/traffic-matrix.js'
import type {LearnedMac, SwitchHostResult, SwitchStatus} from './switch-status.js'
import type {Underlay} from './switch-underlay.js'

// The udp (userspace) data plane: each host's agent runs the environment's switch.

/** The agent's end of a VM's UDP NIC, and the VM's own end, on the host's loopback. */
export function vmPortEndpoints(port: number): {listen: {address: string; port: number}; vm: {address: string; port: number}} {
  return {listen: {address: '127.0.0.1', port}, vm: {address: '127.0.0.1', port: port + 1}}
}

/** How long `switch start` waits for every host's switch to see every other as a live member. */
const CONVERGE_MS = 8000

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

/**
 * Each host's agent (started over SSH when needed) gets the environment's switch, the VM
 * ports of the VMs placed there, and the other hosts' switches to join through; the
 * control plane then forms the mesh, and this waits until every member sees all.
 */
export async function startAgentSwitch(
  session: Session,
  env: EnvironmentRecord,
  placement: Map<string, string[]>,
  by: Map<string, Underlay>,
): Promise<HostOutcome<SwitchHostResult>[]> {
  const vni = env.network!.vni
  const hosts = [...placement.keys()].sort().map((h) => session.host(h))
  const hellos = new Map<string, AgentHello>()
  const started = await fanout(hosts, async (host) => hellos.set(host.name, await ensureAgent(session, host, by.get(host.name)!.address)))
  const ready = hosts.filter((h) => hellos.has(h.name))
  const applied = await fanout(ready, async (host): Promise<SwitchHostResult> => {
    const hello = hellos.get(host.name)!
    const created = !hello.switches.includes(vni)
    const old = created
      ? []
      : ((await askHostAgent<SwitchReport[]>(session, host, {op: 'status', vni}))[0]?.members.map((m) => m.address) ?? [])
    const known = ready.filter((h) => h.name !== host.name).map((h) => hellos.get(h.name)!.self)
    const report = await askHostAgent<SwitchReport>(session, host, {op: 'apply', spec: switchSpec(env, placement.get(host.name)!, known)})
    const expected = known.map((m) => m.address)
    const members = await waitForMembers(session, host, vni, expected, report)
    const missing = expected.filter((a) => !members.includes(a))
    if (missing.length > 0)
      throw new ViolinError(
        `host "${host.name}": its switch has not heard from ${missing.join(', ')} within ${CONVERGE_MS / 1000} s (UDP ${hello.self.controlPort} blocked between hosts?)`,
      )
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
  return [...(started.filter((o) => !o.ok) as HostOutcome<SwitchHostResult>[]), ...applied]
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

/** A VM's NIC on the udp data plane: a UDP socket pair with the agent's VM port. */
export function agentNic(env: EnvironmentRecord, vmName: string): NonNullable<VmSpec['nic']> {
  const port = env.vms.find((v) => v.name === vmName)?.port
  if (!port) throw new ViolinError(`VM "${vmName}" has no port on ${env.name}'s udp data plane`)
  const {listen, vm} = vmPortEndpoints(port)
  // No <mtu>: libvirt 9 refuses it on a UDP interface. A full 1500-byte frame then leaves
  // the agent as a 1550-byte datagram that the kernel fragments: it arrives, at a cost.
  return {kind: 'udp', source: listen, local: vm}
}

export async function removeAgentSwitch(session: Session, host: HostRecord, vni: number): Promise<void> {
  const hello = await agentHello(session, host)
  if (hello?.switches.includes(vni)) await askHostAgent(session, host, {op: 'remove', vni})
}

/** Has each arrived VM announced by its new host's switch unless it announced itself (QEMU's RARP); returns which were. */
export function announceArrived(
  session: Session,
  vni: number,
  arrived: Array<{vm: string; host: string}>,
): Promise<Array<{vm: string; host: string; sent: boolean}>> {
  return Promise.all(
    arrived.map(async ({vm, host}) => ({
      vm,
      host,
      ...(await askHostAgent<{sent: boolean}>(session, session.host(host), {op: 'announce', vni, vm})),
    })),
  )
}

export async function agentStatus(session: Session, host: HostRecord, vni: number): Promise<SwitchStatus> {
  const hello = await agentHello(session, host)
  if (!hello?.switches.includes(vni)) return {host: host.name, up: false, peers: [], macs: 0}
  const report = (await askHostAgent<SwitchReport[]>(session, host, {op: 'status', vni}))[0]!
  const ports = [
    ...report.vms.map((v) => ({
      port: v.id,
      kind: 'vm' as const,
      framesIn: v.framesIn,
      framesOut: v.framesOut,
      bytesIn: v.bytesIn,
      bytesOut: v.bytesOut,
    })),
    ...report.peers.map((p) => ({
      port: p.address,
      kind: 'peer' as const,
      framesIn: p.framesIn,
      framesOut: p.framesOut,
      bytesIn: p.bytesIn,
      bytesOut: p.bytesOut,
    })),
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

export function agentFdb(session: Session, host: HostRecord, vni: number): Promise<LearnedMac[]> {
  return askHostAgent<LearnedMac[]>(session, host, {op: 'fdb', vni})
}

/** The per-pair traffic one host's switch counted, with VM names (`names`: MAC -> VM) for MACs. */
export async function agentTraffic(session: Session, host: HostRecord, vni: number, names: Map<string, string>): Promise<PairCount[]> {
  const [entry] = await askHostAgent<
    Array<{vni: number; pairs: Array<{src: string; dst: string; frames: number; bytes: number; remote: boolean}>}>
  >(session, host, {op: 'traffic', vni})
  return (entry?.pairs ?? []).map((p) => ({...p, srcVm: names.get(p.src), dstVm: names.get(p.dst)}))
}
