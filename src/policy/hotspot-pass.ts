/**
 * One pass of a hotspot policy of Liang 2009 (the IDC-aware policy of the thesis and its
 * Sandpiper baseline, which share it): the cluster as the plan so far leaves it (the Ledger
 * for capacity and guards, plus the CPU and NIC changes the planned moves make to the hosts'
 * predicted loads), growing balloons before migrating (section 3.3), and the least-loaded
 * destination that takes a VM without becoming a hotspot itself.
 *
 * Units. Every share below is a fraction of a host's capacity: a VM's CPU is its demand in
 * cores over the host's cores, its memory is its allocation over the host's memory, its
 * traffic is bytes per second over the host's NIC capacity. So the terms of a volume can be
 * added (IDC, eq. 3) or multiplied (Sandpiper, eq. 5) without mixing units.
 *
 * Cost. Everything is linear in the hosts and VMs of the view: VMs are reached per host
 * through the Ledger, the traffic matrix is read once (indexing only the rows of VMs on
 * hotspots), whether a host is an allowed destination is answered per host (Ledger.allows)
 * without listing them, and the destinations are kept in one array sorted by load,
 * re-sorted only for the hosts a planned move touches.
 */
import type {Action, ClusterView, HostView, PolicyOptions, VmView} from './cluster-view.js'
import {frac, pct} from './format.js'
import {Ledger} from './guards.js'
import {type Hotspot, describe, kinds, readings} from './hotspots.js'
import type {TrafficSplit} from './network-benefit.js'
import {Traffic} from './traffic-index.js'
import {sandpiperVolume} from './volume.js'

/** A VM using at least this share of its balloon is "under memory pressure" (the one to grow). */
export const MEMORY_PRESSURE = 0.9
/** How many allowed destinations, least-loaded first, a victim is tried against. */
export const DESTINATIONS_SCANNED = 256

/** A destination chosen for a VM, with what the move does to the NICs (fractions of each host's NIC). */
export interface Landing {
  to: HostView
  /** Change of the destination's NIC utilisation. */
  nicTo: number
}

/** The cluster as the plan so far leaves it, for one pass of one policy. */
export class Pass {
  readonly ledger: Ledger
  readonly actions: Action[] = []
  readonly notes: string[] = []
  /** Hosts over any threshold, now or predicted: they take nothing. */
  private readonly warm = new Set<string>()
  /** Ledger load of each host before the plan touched it, so CPU deltas apply to the measured prediction. */
  private readonly baseLoad = new Map<string, number>()
  private readonly nicDelta = new Map<string, number>()
  private readonly balloon = new Map<string, number>()
  /** Open destinations, least-loaded (smallest volume) first; built on first use. */
  private order: HostView[] | undefined
  private readonly orderKey = new Map<string, number>()
  private readonly byName = new Map<string, HostView>()
  private focusedHosts: ReadonlySet<string> | undefined
  private index: Traffic | undefined

  constructor(
    readonly view: ClusterView,
    readonly options: PolicyOptions,
  ) {
    this.ledger = new Ledger(view, options)
    for (const h of view.hosts) {
      this.byName.set(h.name, h)
      if (!(h.cores > 0) || readings(h, options).some((r) => r.now > r.threshold || r.predicted > r.threshold)) this.warm.add(h.name)
    }
  }

  /**
   * Limits the traffic index to the VMs the view puts on these hosts (the hotspots): the
   * only ones asked about, since no VM moves onto a hotspot.
   */
  focus(hosts: readonly HostView[]): void {
    this.focusedHosts = new Set(hosts.map((h) => h.name))
    this.index = undefined
  }

  /** Built on first use: a policy that has each VM's traffic total in the view never reads the matrix. */
  get traffic(): Traffic {
    if (!this.index) {
      const hosts = this.focusedHosts
      const only = hosts && new Set(this.view.vms.filter((vm) => hosts.has(vm.host)).map((vm) => vm.name))
      this.index = new Traffic(this.view.traffic, only)
    }
    return this.index
  }

  host(name: string): HostView | undefined {
    return this.byName.get(name)
  }

  get capReached(): boolean {
    return this.ledger.migrationsPlanned >= this.options.maxMigrations
  }

  /**
   * What of a hotspot is still hot as the plan leaves it (memory while `memory` says so,
   * since only later samples show a move's effect on swapping), with the words for it;
   * undefined when nothing is.
   */
  stillHot(spot: Hotspot, memory: boolean): {cpu: boolean; memory: boolean; nic: boolean; words: string} | undefined {
    const hot = {
      cpu: spot.hot.has('cpu') && this.cpu(spot.host) > this.options.cpuThreshold,
      memory: spot.hot.has('memory') && memory,
      nic: spot.hot.has('nic') && this.nic(spot.host) > this.options.nicThreshold,
    }
    if (!hot.cpu && !hot.memory && !hot.nic) return undefined
    return {...hot, words: kinds((['cpu', 'memory', 'nic'] as const).filter((r) => hot[r]))}
  }

  /** Whether the cap stops relieving a hotspot that is still hot; says so in the notes. */
  stopsAtCap(host: HostView, still: string, moved: number): boolean {
    if (!this.capReached) return false
    this.notes.push(
      `${host.name} is still a ${still} hotspot after ${moved} planned move(s), but the pass's cap of ${this.options.maxMigrations} migration(s) is reached`,
    )
    return true
  }

  /** CPU as the plan leaves it: the prediction plus the demand planned moves add or take away. */
  cpu(h: HostView): number {
    const base = this.baseLoad.get(h.name)
    return (h.cpuPredicted ?? h.cpu) + (base === undefined ? 0 : this.ledger.load(h.name) - base)
  }

  /** NIC utilisation as the plan leaves it (predicted, or now). */
  nic(h: HostView, which: 'predicted' | 'now' = 'predicted'): number {
    return (which === 'now' ? h.nic : (h.nicPredicted ?? h.nic)) + (this.nicDelta.get(h.name) ?? 0)
  }

  /** Memory utilisation: allocations as the plan leaves them over the host's memory. */
  mem(h: HostView): number {
    return h.memoryMiB > 0 ? 1 - this.ledger.freeMemoryMiB(h.name) / h.memoryMiB : 1
  }

  /** A host's own Sandpiper volume: how loaded it is, all three resources together. */
  volume(h: HostView): number {
    return sandpiperVolume(this.cpu(h), this.mem(h), this.nic(h))
  }

  memoryOf(vm: VmView): number {
    return this.balloon.get(vm.name) ?? vm.memoryMiB
  }

  /** The VM's CPU in the host's terms: its demand (a fraction of its vCPUs) times its vCPUs over the host's cores. */
  cpuShare(vm: VmView, h: HostView): number {
    return h.cores > 0 ? (vm.cpuDemand * vm.vcpus) / h.cores : 1
  }

  /** Its allocation over the host's memory. */
  memShare(vm: VmView, h: HostView): number {
    return h.memoryMiB > 0 ? this.memoryOf(vm) / h.memoryMiB : 1
  }

  /** The VM's traffic split by where its peers are now. */
  split(vm: VmView, home: HostView): TrafficSplit {
    const byHost = new Map<string, number>()
    let local = 0
    let remote = 0
    for (const [peer, bytes] of this.traffic.peers(vm.name)) {
      const where = this.ledger.hostOf(peer)
      if (where === home.name) {
        local += bytes
        continue
      }
      remote += bytes
      if (where !== undefined) byHost.set(where, (byHost.get(where) ?? 0) + bytes)
    }
    return {local, byHost, remote}
  }

  /** Whether the guards let `vm` go to `host` (Ledger.destinations: open, not its own host, a head node only inside its site). */
  allowed(vm: VmView, host: string): boolean {
    return host !== (this.ledger.hostOf(vm) ?? vm.host) && this.ledger.allows(vm, host)
  }

  /** Why `vm` may not land on `to` (capacity, guards, or it would become a hotspot itself), or undefined. */
  unfit(vm: VmView, to: HostView, nicTo: number): string | undefined {
    if (this.warm.has(to.name)) return `${to.name} is over a threshold itself`
    if (!this.allowed(vm, to.name)) return `${to.name} is not a destination ${vm.name} may take`
    if (!this.ledger.fits(vm, to.name)) return `${vm.name} does not fit on ${to.name}`
    const cpu = this.cpu(to) + this.cpuShare(vm, to)
    if (cpu > this.options.cpuThreshold) return `${to.name} would reach cpu ${frac(cpu)}`
    const nic = this.nic(to) + nicTo
    if (nic > this.options.nicThreshold) return `${to.name} would reach nic ${frac(nic)}`
    return undefined
  }

  /** The least-loaded open host that takes `vm` without becoming a hotspot, or why there is none. */
  leastLoaded(vm: VmView, home: HostView, nicTo: (to: HostView) => number, skip?: string): Landing | string {
    let scanned = 0
    for (const to of this.destinations()) {
      if (to.name === home.name || to.name === skip || !this.allowed(vm, to.name)) continue
      if (++scanned > DESTINATIONS_SCANNED) break
      const add = nicTo(to)
      if (!this.unfit(vm, to, add)) return {to, nicTo: add}
    }
    return scanned === 0
      ? `no open host may take ${vm.name}`
      : `none of the ${Math.min(scanned, DESTINATIONS_SCANNED)} least-loaded open host(s) has room for ${vm.name} under the thresholds`
  }

  /** Records a planned migration: the Ledger's capacity, and the NIC changes on both hosts. */
  move(vm: VmView, from: HostView, to: HostView, nicFrom: number, nicTo: number): void {
    for (const h of [from, to]) if (!this.baseLoad.has(h.name)) this.baseLoad.set(h.name, this.ledger.load(h.name))
    this.ledger.move(vm, to.name)
    this.nicDelta.set(from.name, (this.nicDelta.get(from.name) ?? 0) + nicFrom)
    this.nicDelta.set(to.name, (this.nicDelta.get(to.name) ?? 0) + nicTo)
    this.resort(from)
    this.resort(to)
  }

  /**
   * Memory first (Liang 2009 section 3.3, the three rules of dynamic provisioning; section
   * 3.4.2, "Migration Manager"): the VMs under memory pressure on a memory hotspot each grow
   * their balloon by one fixed step (`memoryStepMiB`), never past their maximum, and only
   * while the host has free memory for the step. One step per VM per pass, as the thesis
   * allocates once per detection and again at the next if the host still swaps. Returns
   * how many balloons grew, and why others could not.
   */
  growBalloons(spot: Hotspot): {grown: number; blocked: string} {
    const h = spot.host
    const says = `${h.name} is short of memory (${spot.over
      .filter((r) => r.resource === 'memory')
      .map(describe)
      .join('')})`
    const reporting = this.ledger
      .vmsOn(h.name)
      .filter((vm) => vm.memoryUsedMiB !== undefined && this.memoryOf(vm) > 0 && !this.ledger.frozen(vm))
    if (reporting.length === 0) return {grown: 0, blocked: `no VM on ${h.name} reports its memory use, so no balloon can be aimed`}
    if (!(this.options.memoryStepMiB > 0)) return {grown: 0, blocked: 'the balloon step (memoryStepMiB) is 0'}
    const use = (vm: VmView) => vm.memoryUsedMiB! / this.memoryOf(vm)
    reporting.sort((a, b) => use(b) - use(a) || a.name.localeCompare(b.name))
    const pressed = reporting.filter((vm) => use(vm) >= MEMORY_PRESSURE)
    // The host swaps, so some guest is short: without one over the mark, the fullest one.
    const targets = pressed.length > 0 ? pressed : reporting.slice(0, 1)
    const blocked: string[] = []
    let grown = 0
    for (const vm of targets) {
      const from = this.memoryOf(vm)
      const step = Math.min(this.options.memoryStepMiB, vm.maxMemoryMiB - from)
      if (step <= 0) {
        blocked.push(`${vm.name} is at its maximum memory (${vm.maxMemoryMiB} MiB)`)
        continue
      }
      const free = this.ledger.freeMemoryMiB(h.name)
      if (free < step) {
        blocked.push(`${h.name} has ${Math.max(0, Math.floor(free))} MiB free, less than the ${step} MiB step ${vm.name} needs`)
        continue
      }
      const to = from + step
      const used = use(vm)
      this.ledger.resizeMemory(vm, to)
      this.balloon.set(vm.name, to)
      grown++
      this.actions.push({
        kind: 'set-memory',
        vm: vm.name,
        host: h.name,
        fromMiB: from,
        toMiB: to,
        reason: `${says}; ${vm.name} uses ${pct(used)} of its ${from} MiB, so its balloon grows one ${step} MiB step to ${to} MiB (max ${vm.maxMemoryMiB} MiB; ${h.name} had ${Math.floor(free)} MiB free): memory is given before any VM is migrated for it`,
      })
    }
    return {grown, blocked: blocked.join('; ')}
  }

  private destinations(): HostView[] {
    if (!this.order) {
      const open = this.view.hosts
        .filter((h) => !h.maintenance && !h.migrating && !this.warm.has(h.name))
        .map((h) => ({h, key: this.volume(h)}))
      open.sort((a, b) => a.key - b.key || a.h.name.localeCompare(b.h.name))
      this.order = open.map((o) => o.h)
      for (const {h, key} of open) this.orderKey.set(h.name, key)
    }
    return this.order
  }

  /** Puts a host whose load a planned move changed back in its place among the destinations. */
  private resort(h: HostView): void {
    if (!this.order || !this.orderKey.has(h.name)) return
    const at = this.order.indexOf(h)
    if (at >= 0) this.order.splice(at, 1)
    const key = this.volume(h)
    this.orderKey.set(h.name, key)
    let lo = 0
    let hi = this.order.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const m = this.order[mid]!
      const k = this.orderKey.get(m.name)!
      if (k < key || (k === key && m.name.localeCompare(h.name) < 0)) lo = mid + 1
      else hi = mid
    }
    this.order.splice(lo, 0, h)
  }
}
