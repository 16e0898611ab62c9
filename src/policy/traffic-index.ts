/**
 * The traffic matrix the switches count, read into an index per VM: what the network
 * benefit and group reunion of Liang 2009 section 3.3 are computed from.
 */
import type {TrafficView} from './cluster-view.js'

/**
 * The traffic matrix indexed per VM: bytes per second with each peer, both directions
 * summed. Given `only`, just the rows of those VMs are indexed (a pass asks only about the
 * VMs on its hotspots).
 */
export class Traffic {
  private readonly byVm = new Map<string, Map<string, number>>()
  private static readonly NONE: ReadonlyMap<string, number> = new Map()

  constructor(traffic: readonly TrafficView[], only?: ReadonlySet<string>) {
    for (const t of traffic) {
      if (t.src === t.dst || !(t.bytesPerSecond > 0)) continue
      if (!only || only.has(t.src)) this.add(t.src, t.dst, t.bytesPerSecond)
      if (!only || only.has(t.dst)) this.add(t.dst, t.src, t.bytesPerSecond)
    }
  }

  private add(a: string, b: string, bytes: number): void {
    let peers = this.byVm.get(a)
    if (!peers) {
      peers = new Map()
      this.byVm.set(a, peers)
    }
    peers.set(b, (peers.get(b) ?? 0) + bytes)
  }

  peers(vm: string): ReadonlyMap<string, number> {
    return this.byVm.get(vm) ?? Traffic.NONE
  }

  total(vm: string): number {
    let sum = 0
    for (const bytes of this.peers(vm).values()) sum += bytes
    return sum
  }
}
