/**
 * What every policy obeys, whatever it decides (the guards users of every rebalancer ask
 * for): capacity deducted as the plan is built, so a dry run shows what would really
 * happen; hosts in maintenance or in a migration never chosen; the head node never leaves
 * its site; a per-VM cooldown; a cap on migrations per pass.
 */
import type {ClusterView, HostView, PolicyOptions, VmView} from './cluster-view.js'
import {RuleBook} from './rules.js'

interface HostBook {
  host: HostView
  /** Its place in the view's hosts: equal loads keep that order. */
  index: number
  /** Memory promised to the VMs planned here, MiB. */
  allocatedMiB: number
  /** CPU the VMs planned here want, in cores (demand x vCPUs). */
  demandCores: number
  /** The VMs planned here, in the order they came. */
  vms: VmView[]
  /** The load its site's list is sorted by (see `byLoad`). */
  sortedLoad: number
}

/** A load as `byLoad` sorts it: an unreadable one (NaN) last, where no VM fits anyway. */
const sortable = (load: number) => (Number.isNaN(load) ? Number.POSITIVE_INFINITY : load)

/** Whether book a comes before book b in a site's list: lower load, then earlier in the view. */
const before = (a: HostBook, load: number, b: HostBook) => a.sortedLoad < load || (a.sortedLoad === load && a.index < b.index)

/**
 * The cluster as the plan so far would leave it: the view, plus what the plan changes.
 * Per VM only the changes are kept (a move, a balloon): a VM is found through its host in
 * the view unless the plan moved it, so no index of every VM is built unless a VM is asked
 * about by its name alone (there are ten times more VMs than hosts: on 10,000 hosts such
 * an index takes about half the time of a whole Sandpiper plan).
 */
export class Ledger {
  private readonly books = new Map<string, HostBook>()
  /** Where the plan moves VMs, by name. */
  private readonly moved = new Map<string, HostBook>()
  /** Each VM's memory as the plan leaves it, when the plan changed it (a balloon change counts when it moves after). */
  private readonly memory = new Map<string, number>()
  /** Every VM by name; built only when a VM is asked about by its name alone. */
  private named: Map<string, VmView> | undefined
  /** Each site's hosts, least loaded first; built on the first `byLoad`, then kept sorted by `move`. */
  private sites: Map<string, HostBook[]> | undefined
  private headSites: Map<string, string> | undefined
  private migrations = 0
  /** The operator's rules (pin, exclude, anti-affinity, affinity), asked of every move. */
  readonly rules: RuleBook

  constructor(
    readonly view: ClusterView,
    readonly options: PolicyOptions,
  ) {
    this.rules = new RuleBook(view.rules)
    for (const [index, host] of view.hosts.entries())
      this.books.set(host.name, {host, index, allocatedMiB: 0, demandCores: 0, vms: [], sortedLoad: 0})
    for (const vm of view.vms) {
      const book = this.books.get(vm.host)
      if (!book) continue
      book.allocatedMiB += vm.memoryMiB
      book.demandCores += vm.cpuDemand * vm.vcpus
      book.vms.push(vm)
    }
  }

  /** Where the plan leaves a VM of the view (or the VM of that name); undefined for one on a host the view does not list. */
  hostOf(vm: VmView | string): string | undefined {
    if (typeof vm === 'string') {
      const known = this.vmNamed(vm)
      return known && this.bookOf(known)?.host.name
    }
    return this.bookOf(vm)?.host.name
  }

  private bookOf(vm: VmView): HostBook | undefined {
    return this.moved.get(vm.name) ?? this.books.get(vm.host)
  }

  private memoryOf(vm: VmView): number {
    return this.memory.get(vm.name) ?? vm.memoryMiB
  }

  /** How many VMs on a host want more than `demand` of their CPU (no array built: plans score every host). */
  countOver(host: string, demand: number): number {
    let n = 0
    for (const vm of this.books.get(host)?.vms ?? []) if (vm.cpuDemand > demand) n++
    return n
  }

  /** Whether the pass's cap on migrations is reached. */
  get capped(): boolean {
    return this.migrations >= this.options.maxMigrations
  }

  vmsOn(host: string): VmView[] {
    return [...(this.books.get(host)?.vms ?? [])]
  }

  /** CPU demand of a host as the plan leaves it, a fraction of its cores. */
  load(host: string): number {
    return this.loadOf(this.books.get(host)!)
  }

  private loadOf(b: HostBook): number {
    return b.host.cores > 0 ? b.demandCores / b.host.cores : Number.POSITIVE_INFINITY
  }

  freeMemoryMiB(host: string): number {
    const b = this.books.get(host)!
    return b.host.memoryMiB - b.allocatedMiB
  }

  /** Whether `vm` could land on `host`: open, not migrating, memory for it, CPU demand within the cores, the rules kept. */
  fits(vm: VmView, host: string): boolean {
    const b = this.books.get(host)
    if (!b || b.host.maintenance || b.host.migrating || this.bookOf(vm) === b) return false
    if (this.rules.empty)
      return b.allocatedMiB + this.memoryOf(vm) <= b.host.memoryMiB && b.demandCores + vm.cpuDemand * vm.vcpus <= b.host.cores
    return this.refusal(vm, b) === undefined
  }

  /** Why `vm` may not land on `host` (closed, full, or a rule), or undefined when it may. */
  whyNot(vm: VmView, host: string): string | undefined {
    const b = this.books.get(host)
    if (!b) return `${host} is not a host the plan sees`
    if (b.host.maintenance) return `${host} is in maintenance`
    if (b.host.migrating) return `${host} is part of a running migration`
    if (this.bookOf(vm) === b) return `${vm.name} is on ${host} already`
    return this.refusal(vm, b)
  }

  /**
   * What stops `vm` (and the VMs an affinity rule moves with it) landing on an open host:
   * a rule (see `ruleAgainst`), else no room for them all.
   */
  private refusal(vm: VmView, b: HostBook): string | undefined {
    const rule = this.ruleAgainst(vm, b.host.name)
    if (rule) return rule
    const moving = [vm, ...this.companions(vm, b.host.name)]
    let memory = 0
    let cores = 0
    for (const m of moving) {
      memory += this.memoryOf(m)
      cores += m.cpuDemand * m.vcpus
    }
    const names = moving.length > 1 ? `${moving.map((m) => m.name).join(' and ')} (rule ${this.rules.groupOf(vm.name)!.rule})` : vm.name
    if (b.allocatedMiB + memory > b.host.memoryMiB)
      return `${names} need${moving.length > 1 ? '' : 's'} ${Math.round(memory)} MiB; ${b.host.name} has ${Math.max(0, Math.floor(b.host.memoryMiB - b.allocatedMiB))} MiB left`
    if (b.demandCores + cores > b.host.cores)
      return `${names} would ask ${b.host.name} for ${Math.round(((b.demandCores + cores) / b.host.cores) * 100)}% of its cores`
    return undefined
  }

  /**
   * The rule that forbids `vm` on `host`, in words: a pin (its own or an affinity
   * companion's), an anti-affinity peer there already, or a companion the loop may not move.
   */
  ruleAgainst(vm: VmView, host: string): string | undefined {
    if (this.rules.empty) return undefined
    const b = this.books.get(host)
    if (!b) return undefined
    for (const m of [vm, ...this.companions(vm, host)]) {
      const pinned = this.rules.pinned(m.name, host, b.host.site)
      if (pinned) return pinned
      for (const {rule, others} of this.rules.apartFrom(m.name)) {
        const there = others.find((o) => this.hostOf(o) === host)
        if (there) return `rule ${rule} keeps ${m.name} apart from ${there}, which is on ${host}`
      }
      if (m !== vm) {
        const from = this.bookOf(m)!.host
        const held =
          this.rules.frozen(m.name) ?? this.cooling(m) ?? (from.migrating ? `${from.name} is part of a running migration` : undefined)
        if (held) return `${m.name} moves with ${vm.name} (rule ${this.rules.groupOf(vm.name)!.rule}), but ${held}`
      }
    }
    return undefined
  }

  /** The VMs an affinity rule moves with `vm` to `host`: its group's VMs known to the view and not there already. */
  companions(vm: VmView, host: string): VmView[] {
    const group = this.rules.groupOf(vm.name)
    if (!group) return []
    return group.vms.flatMap((name) => {
      if (name === vm.name) return []
      const other = this.vmNamed(name)
      const at = other && this.bookOf(other)
      return other && at && at.host.name !== host ? [other] : []
    })
  }

  /** The VM of that name in the view, if it runs there. */
  vmNamed(name: string): VmView | undefined {
    if (!this.named) {
      this.named = new Map()
      for (const v of this.view.vms) this.named.set(v.name, v)
    }
    return this.named.get(name)
  }

  /** Why the loop may not move or resize this VM at all (an exclude rule), or undefined. */
  frozen(vm: VmView): string | undefined {
    return this.rules.frozen(vm.name)
  }

  /** The cooldown, in words, while it runs. */
  private cooling(vm: VmView): string | undefined {
    if (vm.lastMigratedMs === undefined || this.view.nowMs - vm.lastMigratedMs >= this.options.cooldownMs) return undefined
    // A VM the plan moved already (a rule's mend) is in its cooldown from the view's own time.
    if (vm.lastMigratedMs === this.view.nowMs) return `${vm.name} moves in this plan already`
    // The view's time is its samples' (an agent's sample may predate a move recorded just now).
    return `${vm.name} moved ${Math.max(0, Math.round((this.view.nowMs - vm.lastMigratedMs) / 1000))} s ago (cooldown ${Math.round(this.options.cooldownMs / 1000)} s)`
  }

  /** Why a VM may not move at all this pass, or undefined. */
  held(vm: VmView): string | undefined {
    const frozen = this.rules.frozen(vm.name)
    if (frozen) return frozen
    if (this.migrations >= this.options.maxMigrations) return `the pass's cap of ${this.options.maxMigrations} migration(s) is reached`
    const cooling = this.cooling(vm)
    if (cooling) return cooling
    const host = this.bookOf(vm)?.host
    if (host?.migrating) return `${host.name} is part of a running migration`
    return undefined
  }

  /** Hosts `vm` may go to: open, not its own, the head node's own site only. */
  destinations(vm: VmView, sites?: string[]): HostView[] {
    const may = this.destinationRule(vm)
    return this.hosts().filter((h) => may(h) && (!sites || sites.includes(h.site)))
  }

  /** Whether `host` is one of `destinations(vm)`, without listing them all. */
  allows(vm: VmView, host: string): boolean {
    const b = this.books.get(host)
    return b !== undefined && this.destinationRule(vm)(b.host)
  }

  private destinationRule(vm: VmView): (h: HostView) => boolean {
    const home = this.bookOf(vm)?.host
    const site = vm.role === 'head' ? ((vm.environment ? this.headSite(vm.environment) : undefined) ?? home?.site) : undefined
    const open = (h: HostView) => h.name !== home?.name && !h.maintenance && !h.migrating && (vm.role !== 'head' || h.site === site)
    if (this.rules.empty) return open
    // A pin holds wherever the VM goes, and an affinity rule's companions go with it.
    const group = [vm.name, ...(this.rules.groupOf(vm.name)?.vms.filter((n) => n !== vm.name) ?? [])]
    return (h) => open(h) && group.every((name) => !this.rules.pinned(name, h.name, h.site))
  }

  private headSite(environment: string): string | undefined {
    if (!this.headSites) {
      this.headSites = new Map()
      for (const e of this.view.environments) if (!this.headSites.has(e.name)) this.headSites.set(e.name, e.headSite)
    }
    return this.headSites.get(environment)
  }

  /**
   * The hosts of a site, least CPU demand first as the plan leaves them (equal loads in the
   * view's order), open or not. Sorted once, then kept sorted as moves are planned, so the
   * least-loaded host that fits is found without scanning the site.
   */
  *byLoad(site: string): Generator<HostView> {
    for (const b of this.sorted(site)) yield b.host
  }

  private sorted(site: string): HostBook[] {
    if (!this.sites) {
      this.sites = new Map()
      for (const b of this.books.values()) {
        b.sortedLoad = sortable(this.loadOf(b))
        const list = this.sites.get(b.host.site)
        if (list) list.push(b)
        else this.sites.set(b.host.site, [b])
      }
      for (const list of this.sites.values()) list.sort((a, b) => (before(a, b.sortedLoad, b) ? -1 : 1))
    }
    return this.sites.get(site) ?? []
  }

  /** Puts a host whose load changed back in its place in its site's list (when the lists are built). */
  private resort(b: HostBook): void {
    const list = this.sites?.get(b.host.site)
    if (!list) return
    list.splice(Ledger.position(list, b, b.sortedLoad), 1)
    b.sortedLoad = sortable(this.loadOf(b))
    list.splice(Ledger.position(list, b, b.sortedLoad), 0, b)
  }

  /** Where `b` with load `load` belongs in a sorted list: the first entry not before it. */
  private static position(list: HostBook[], b: HostBook, load: number): number {
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (before(list[mid]!, load, b)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * Records a planned move: capacity leaves one host and is taken on the other. A whole
   * environment's move counts once against the cap (`counted: false` for all its VMs but one).
   * The VMs an affinity rule keeps with `vm` go too, uncounted: returned with where they were.
   */
  move(vm: VmView, to: string, counted = true): Array<{vm: VmView; from: string}> {
    const companions = this.companions(vm, to).map((c) => ({vm: c, from: this.bookOf(c)!.host.name}))
    this.place(vm, to)
    for (const c of companions) this.place(c.vm, to)
    if (counted) this.migrations++
    return companions
  }

  /** Takes back one trial move of `vm` alone (its companions are taken back one by one too). */
  putBack(vm: VmView, to: string): void {
    this.place(vm, to)
  }

  private place(vm: VmView, to: string): void {
    const from = this.bookOf(vm)!
    const dest = this.books.get(to)!
    if (from === dest) return
    const memory = this.memoryOf(vm)
    from.allocatedMiB -= memory
    from.demandCores -= vm.cpuDemand * vm.vcpus
    from.vms.splice(
      from.vms.findIndex((v) => v.name === vm.name),
      1,
    )
    dest.allocatedMiB += memory
    dest.demandCores += vm.cpuDemand * vm.vcpus
    dest.vms.push(vm)
    this.moved.set(vm.name, dest)
    this.resort(from)
    this.resort(dest)
  }

  /** Records a planned balloon change on the VM's host. */
  resizeMemory(vm: VmView, toMiB: number): void {
    this.bookOf(vm)!.allocatedMiB += toMiB - this.memoryOf(vm)
    this.memory.set(vm.name, toMiB)
  }

  get migrationsPlanned(): number {
    return this.migrations
  }

  hosts(): HostView[] {
    return [...this.books.values()].map((b) => b.host)
  }
}
