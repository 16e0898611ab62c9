import type {EnvironmentNetwork} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import type {VmSpec} from '../hypervisor/vm-spec.js'
import {applyKernelSwitch, bridgeName, removeKernelSwitch, vmMtu, vxlanName} from '../mesh/kernel.js'
import {applyKernelTraffic, readKernelTraffic, removeKernelTraffic} from '../mesh/kernel-traffic.js'
import {formatMac, isGroup, parseMac} from '../mesh/mac.js'
import type {Transport} from '../transport/transport.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'
import type {LearnedMac, SwitchHostResult, SwitchStatus} from './switch-status.js'
import type {Underlay} from './switch-underlay.js'

// The kernel (vxlan) data plane: a Linux bridge and a VXLAN device per host, configured over SSH (no agent).

/**
 * Gives every host the environment's bridge and VXLAN device, with every other host as a
 * peer, and the nftables table that counts its traffic per pair of VMs (`macs`: its VMs').
 */
export function startKernelSwitch(
  session: Session,
  hosts: HostRecord[],
  vni: number,
  by: Map<string, Underlay>,
  macs: readonly string[],
): Promise<HostOutcome<SwitchHostResult>[]> {
  return fanout(hosts, async (host): Promise<SwitchHostResult> => {
    const own = by.get(host.name)!
    const peers = hosts.filter((h) => h.name !== host.name).map((h) => by.get(h.name)!.address)
    const t = session.transport(host)
    const r = await applyKernelSwitch(t, {vni, local: own.address, device: own.device, peers})
    await applyKernelTraffic(t, vni, macs)
    return {host: host.name, address: own.address, device: own.device, bridge: bridgeName(vni), ...r}
  })
}

/** What a host's kernel counted of the environment's traffic, per (source, destination) MAC, with VM names. */
export function kernelTraffic(session: Session, host: HostRecord, vni: number, names: ReadonlyMap<string, string>) {
  return readKernelTraffic(session.transport(host), vni, names)
}

/** A VM's NIC on the kernel data plane: a port of the environment's bridge. */
export function kernelNic(network: EnvironmentNetwork): NonNullable<VmSpec['nic']> {
  return {kind: 'bridge', bridge: bridgeName(network.vni), mtu: vmMtu(network.underlayMtu)}
}

export async function removeKernelSwitchFrom(session: Session, host: HostRecord, vni: number): Promise<void> {
  const t = session.transport(host)
  await removeKernelSwitch(t, vni)
  await removeKernelTraffic(t, vni)
}

interface FdbEntry {
  mac: string
  dst?: string
  ifname?: string
  state?: string
  flags?: string[]
}

export async function kernelFdb(t: Transport, vni: number): Promise<{peers: string[]; learned: LearnedMac[]}> {
  const remote = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'dev', vxlanName(vni)])).stdout.trim() || '[]') as FdbEntry[]
  const bridge = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'br', bridgeName(vni)])).stdout.trim() || '[]') as FdbEntry[]
  const peers = remote.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst!)
  const learned = [
    ...remote.filter((e) => e.mac !== '00:00:00:00:00:00' && e.dst).map((e) => ({mac: e.mac, via: e.dst!, local: false})),
    // Bridge ports other than the VXLAN device are this host's VMs; "permanent" entries are the ports' own MACs.
    ...bridge
      .filter((e) => e.ifname && e.ifname !== vxlanName(vni) && e.state !== 'permanent' && !e.flags?.includes('self'))
      .map((e) => ({mac: e.mac, via: e.ifname!, local: true})),
  ]
  return {peers, learned: learned.filter((e) => !isGroup(parseMac(e.mac))).map((e) => ({...e, mac: formatMac(parseMac(e.mac))}))}
}

export async function kernelStatus(t: Transport, host: string, vni: number): Promise<SwitchStatus> {
  const link = await t.run(['ip', '-s', '-j', 'link', 'show', vxlanName(vni)], {allowFailure: true})
  if (link.exitCode !== 0) return {host, up: false, peers: [], macs: 0}
  const stats = (
    JSON.parse(link.stdout) as Array<{
      operstate?: string
      flags?: string[]
      stats64?: {rx?: {packets: number; dropped: number}; tx?: {packets: number}}
    }>
  )[0]
  const fdb = await kernelFdb(t, vni)
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
