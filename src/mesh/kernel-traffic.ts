/**
 * The traffic matrix of the kernel data plane, counted in the kernel by nftables and read
 * over SSH like the rest of that plane (no agent). One table per environment per host
 * (bridge family, `violin_VNI`):
 * - `macs`: the environment's VMs' MACs;
 * - `pairs`: a dynamic set keyed on (source MAC, destination MAC) with a counter per
 *   element, updated at the bridge's prerouting hook by each frame a VM of the environment
 *   sends from a local port: each frame counted once, on the host where it entered the
 *   mesh (as the udp data plane's switches count);
 * - `remote`: the same key, updated at postrouting by those frames leaving through the
 *   VXLAN device: the pairs that crossed to another host.
 * The kernel counts a bridged frame's bytes from its network header: the 14 bytes of its
 * Ethernet header are added per frame when read, so a frame weighs what the udp plane's
 * switch counts (the frame without its FCS). With segmentation offload a VM hands the
 * bridge one buffer for many wire frames of a TCP stream: it is counted as one frame, its
 * bytes exactly.
 */
import {ViolinError} from '../errors.js'
import type {PairCount} from '../monitor/traffic-matrix.js'
import type {Transport} from '../transport/transport.js'
import {vxlanName} from './kernel.js'
import {formatMac, parseMac} from './mac.js'

const ETHERNET_HEADER = 14
/** Pairs one host may count per environment: beyond it, new pairs go uncounted (nft's set size). */
export const MAX_PAIRS = 65_535

export function trafficTableName(vni: number): string {
  return `violin_${vni}`
}

/** The table, as one nft script (applied atomically by `nft -f -`). */
export function kernelTrafficRuleset(vni: number, macs: readonly string[]): string {
  const vx = vxlanName(vni)
  const elements = macs.map((m) => formatMac(parseMac(m)))
  return [
    `table bridge ${trafficTableName(vni)} {`,
    '  set macs {',
    '    type ether_addr',
    ...(elements.length > 0 ? [`    elements = { ${elements.join(', ')} }`] : []),
    '  }',
    ...['pairs', 'remote'].flatMap((name) => [
      `  set ${name} {`,
      '    type ether_addr . ether_addr',
      '    flags dynamic',
      `    size ${MAX_PAIRS}`,
      '  }',
    ]),
    '  chain sent {',
    '    type filter hook prerouting priority 0; policy accept;',
    `    iifname != "${vx}" ether saddr @macs update @pairs { ether saddr . ether daddr counter }`,
    '  }',
    '  chain crossed {',
    '    type filter hook postrouting priority 0; policy accept;',
    `    oifname "${vx}" iifname != "${vx}" ether saddr @macs update @remote { ether saddr . ether daddr counter }`,
    '  }',
    '}',
    '',
  ].join('\n')
}

interface NftElem {
  elem?: {val?: string | {concat?: string[]}; counter?: {packets: number; bytes: number}}
}
interface NftSet {
  name: string
  elem?: Array<NftElem | string>
}

/** The sets of the table from `nft -j list table`, by name. */
function setsOf(json: string): Map<string, NftSet> {
  const doc = JSON.parse(json) as {nftables?: Array<{set?: NftSet}>}
  return new Map((doc.nftables ?? []).flatMap((o) => (o.set ? [[o.set.name, o.set] as const] : [])))
}

/** The counted pairs of `nft -j list table bridge violin_VNI`, with VM names for the environment's MACs. */
export function parseKernelTraffic(json: string, names: ReadonlyMap<string, string>): PairCount[] {
  const sets = setsOf(json)
  const counted = (set: NftSet | undefined) =>
    (set?.elem ?? []).flatMap((e) => {
      const val = typeof e === 'object' ? e.elem?.val : undefined
      const counter = typeof e === 'object' ? e.elem?.counter : undefined
      const pair = typeof val === 'object' ? val.concat : undefined
      return pair?.length === 2 && counter ? [{src: formatMac(parseMac(pair[0]!)), dst: formatMac(parseMac(pair[1]!)), ...counter}] : []
    })
  const crossed = new Set(counted(sets.get('remote')).map((p) => `${p.src}>${p.dst}`))
  return counted(sets.get('pairs')).map((p) => {
    const srcVm = names.get(p.src)
    const dstVm = names.get(p.dst)
    return {
      src: p.src,
      dst: p.dst,
      ...(srcVm ? {srcVm} : {}),
      ...(dstVm ? {dstVm} : {}),
      frames: p.packets,
      bytes: p.bytes + ETHERNET_HEADER * p.packets,
      remote: crossed.has(`${p.src}>${p.dst}`),
    }
  })
}

/** The MACs the table counts now, or undefined when there is no table. */
async function countedMacs(t: Transport, vni: number): Promise<string[] | undefined> {
  const r = await t.run(['nft', '-j', 'list', 'set', 'bridge', trafficTableName(vni), 'macs'], {allowFailure: true})
  if (r.exitCode !== 0) return undefined
  const elems = setsOf(r.stdout).get('macs')?.elem ?? []
  return elems.flatMap((e) => (typeof e === 'string' ? [formatMac(parseMac(e))] : []))
}

/**
 * Sets up the counting for an environment on a host, idempotent: a table that counts the
 * same MACs is left as it is (its counters go on); otherwise it is made anew in one
 * transaction (its counters start again, which readers see as a counter going back).
 */
export async function applyKernelTraffic(t: Transport, vni: number, macs: readonly string[]): Promise<{created: boolean}> {
  const wanted = [...new Set(macs.map((m) => formatMac(parseMac(m))))].sort()
  const now = await countedMacs(t, vni)
  if (now && now.sort().join() === wanted.join()) return {created: false}
  const script = `${now ? `delete table bridge ${trafficTableName(vni)}\n` : ''}${kernelTrafficRuleset(vni, wanted)}`
  const r = await t.run(['nft', '-f', '-'], {stdin: script, allowFailure: true})
  if (r.exitCode !== 0)
    throw new ViolinError(`host "${t.host}": counting the traffic of VNI ${vni} (nft): ${r.stderr.trim().split('\n')[0] ?? 'failed'}`)
  return {created: true}
}

/** Removes the environment's counting from a host; an absent table is fine. */
export async function removeKernelTraffic(t: Transport, vni: number): Promise<void> {
  const r = await t.run(['nft', 'delete', 'table', 'bridge', trafficTableName(vni)], {allowFailure: true})
  if (r.exitCode !== 0 && !/No such file or directory|does not exist/.test(r.stderr))
    throw new ViolinError(`host "${t.host}": nft delete table bridge ${trafficTableName(vni)}: ${r.stderr.trim()}`)
}

/** The pairs counted on a host since the table was made; a host without the table has not counted (an error naming it). */
export async function readKernelTraffic(t: Transport, vni: number, names: ReadonlyMap<string, string>): Promise<PairCount[]> {
  const r = await t.run(['nft', '-j', 'list', 'table', 'bridge', trafficTableName(vni)], {allowFailure: true})
  if (r.exitCode !== 0)
    throw new ViolinError(
      `host "${t.host}": no traffic counted for VNI ${vni} (${r.stderr.trim().split('\n')[0] || 'no table'}): violin switch start counts it`,
    )
  return parseKernelTraffic(r.stdout, names)
}
