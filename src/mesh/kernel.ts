import {ViolinError} from '../errors.js'
import type {Transport} from '../transport/transport.js'
import {MAX_VNI, VXLAN_PORT} from './vxlan.js'

/** VXLAN's 50 bytes (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14): a VM's MTU is the underlay's minus this. */
export const VXLAN_OVERHEAD = 50

export interface KernelSwitchSpec {
  vni: number
  /** This host's underlay address: the VTEP's source. */
  local: string
  /** The underlay device (the VXLAN device's `dev`). */
  device: string
  /** The other hosts of the environment (their underlay addresses): head-end replication. */
  peers: string[]
  /** MAC ageing, seconds (the kernel's default is 300). */
  ageingSec?: number
}

/** Device names stay within Linux's 15 characters for every 24-bit VNI. */
export function bridgeName(vni: number): string {
  return `vbr${vni}`
}

export function vxlanName(vni: number): string {
  return `vx${vni}`
}

/** The MTU to give a VM's NIC so nothing fragments over the tunnel. */
export function vmMtu(underlayMtu = 1500): number {
  return underlayMtu - VXLAN_OVERHEAD
}

function check(spec: KernelSwitchSpec): void {
  if (!Number.isInteger(spec.vni) || spec.vni < 1 || spec.vni > MAX_VNI)
    throw new ViolinError(`VNI ${spec.vni} is not between 1 and ${MAX_VNI}`)
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(spec.device)) throw new ViolinError(`"${spec.device}" is not a network device name`)
  for (const a of [spec.local, ...spec.peers]) if (!/^[0-9a-fA-F:.]+$/.test(a)) throw new ViolinError(`"${a}" is not an IP address`)
}

interface Link {
  ifname: string
  master?: string
  operstate?: string
  linkinfo?: {info_kind?: string; info_data?: {id?: number}}
}

/**
 * The environment's Ethernet on one host in the kernel, agentless over SSH: a bridge, a
 * VXLAN device on it (learning on), and one all-zeros FDB entry per peer, which makes the
 * kernel send broadcasts and unknown destinations to every peer (head-end replication).
 * Idempotent: what exists is checked, not re-created, and the peer entries are made to
 * match `peers` exactly (a peer that left is removed).
 */
export async function applyKernelSwitch(
  t: Transport,
  spec: KernelSwitchSpec,
): Promise<{created: boolean; added: string[]; removed: string[]}> {
  check(spec)
  const br = bridgeName(spec.vni)
  const vx = vxlanName(spec.vni)
  const links = JSON.parse((await t.run(['ip', '-d', '-j', 'link', 'show'])).stdout.trim() || '[]') as Link[]
  const existing = links.find((l) => l.ifname === vx)
  if (existing && (existing.linkinfo?.info_kind !== 'vxlan' || existing.linkinfo.info_data?.id !== spec.vni)) {
    throw new ViolinError(`host "${t.host}" has a device ${vx} that is not VXLAN ${spec.vni}; violin will not touch it`)
  }
  const created = !existing
  if (!links.some((l) => l.ifname === br)) await t.run(['ip', 'link', 'add', br, 'type', 'bridge'])
  if (created) {
    await t.run([
      'ip',
      'link',
      'add',
      vx,
      'type',
      'vxlan',
      'id',
      String(spec.vni),
      'local',
      spec.local,
      'dstport',
      String(VXLAN_PORT),
      'dev',
      spec.device,
      'learning',
      'ageing',
      String(spec.ageingSec ?? 300),
    ])
  }
  await t.run(['ip', 'link', 'set', vx, 'master', br, 'up'])
  await t.run(['ip', 'link', 'set', br, 'up'])
  const fdb = JSON.parse((await t.run(['bridge', '-j', 'fdb', 'show', 'dev', vx])).stdout.trim() || '[]') as Array<{
    mac: string
    dst?: string
  }>
  const now = new Set(fdb.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst!))
  const added = spec.peers.filter((p) => !now.has(p))
  const removed = [...now].filter((p) => !spec.peers.includes(p))
  for (const peer of added) await t.run(['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', vx, 'dst', peer])
  for (const peer of removed) await t.run(['bridge', 'fdb', 'del', '00:00:00:00:00:00', 'dev', vx, 'dst', peer])
  return {created, added, removed}
}

/** Removes the environment's bridge and VXLAN device from a host; absent ones are fine. */
export async function removeKernelSwitch(t: Transport, vni: number): Promise<void> {
  for (const dev of [vxlanName(vni), bridgeName(vni)]) {
    const r = await t.run(['ip', 'link', 'del', dev], {allowFailure: true})
    if (r.exitCode !== 0 && !/Cannot find device|does not exist/.test(r.stderr)) {
      throw new ViolinError(`host "${t.host}": ip link del ${dev}: ${r.stderr.trim()}`)
    }
  }
}
