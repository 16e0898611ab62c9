/**
 * What every policy obeys, whatever it decides (the guards users of every rebalancer ask
 * for): capacity deducted as the plan is built, so a dry run shows what would really
 * happen; hosts in maintenance or in a migration never chosen; the head node never leaves
 * its site; a per-VM cooldown; a cap on migrations per pass.
 */
import type {ClusterView, HostView, PolicyOptions, VmView} from './view.js'

interface HostBook {
  host: HostView
  /** Memory promised to the VMs planned here, MiB. */
  allocatedMiB: number
  /** CPU the VMs planned here want, in cores (demand x vCPUs). */
  demandCores: number
  vms: Set<string>
}

/** The cluster as the plan so far would leave it. */
export class Ledger {
  private readonly books = new Map<string, HostBook>()
  private readonly where = new Map<string, string>()
  private readonly vms = new Map<string, VmView>()
  /** Each VM's memory as the plan leaves it (a balloon change counts when it moves after). */
  private readonly memory = new Map<string, number>()
  private migrations = 0

  constructor(
    readonly view: ClusterView,
    readonly options: PolicyOptions,
  ) {
    for (const host of view.hosts) this.books.set(host.name, {host, allocatedMiB: 0, demandCores: 0, vms: new Set()})
    for (const vm of view.vms) {
      this.vms.set(vm.name, vm)
      this.memory.set(vm.name, vm.memoryMiB)
      const book = this.books.get(vm.host)
      if (!book) continue
      book.allocatedMiB += vm.memoryMiB
      book.demandCores += vm.cpuDemand * vm.vcpus
      book.vms.add(vm.name)
      this.where.set(vm.name, vm.host)
    }
  }

  hostOf(vm: string): string | undefined {
    return this.where.get(vm)
  }

  /** How many VMs on a host want more than `demand` of their CPU (no array built: plans score every host). */
  countOver(host: string, demand: number): number {
    let n = 0
    for (const name of this.books.get(host)?.vms ?? []) if (this.vms.get(name)!.cpuDemand > demand) n++
    return n
  }

  /** Whether the pass's cap on migrations is reached. */
  get capped(): boolean {
    return this.migrations >= this.options.maxMigrations
  }

  vmsOn(host: string): VmView[] {
    return [...(this.books.get(host)?.vms ?? [])].map((n) => this.vms.get(n)!)
  }

  /** CPU demand of a host as the plan leaves it, a fraction of its cores. */
  load(host: string): number {
    const b = this.books.get(host)!
    return b.host.cores > 0 ? b.demandCores / b.host.cores : Number.POSITIVE_INFINITY
  }

  freeMemoryMiB(host: string): number {
    const b = this.books.get(host)!
    return b.host.memoryMiB - b.allocatedMiB
  }

  /** Whether `vm` could land on `host`: open, not migrating, memory for it, CPU demand within the cores. */
  fits(vm: VmView, host: string): boolean {
    const b = this.books.get(host)
    if (!b || b.host.maintenance || b.host.migrating || b.vms.has(vm.name)) return false
    return b.allocatedMiB + (this.memory.get(vm.name) ?? vm.memoryMiB) <= b.host.memoryMiB && b.demandCores + vm.cpuDemand * vm.vcpus <= b.host.cores
  }

  /** Why a VM may not move at all this pass, or undefined. */
  held(vm: VmView): string | undefined {
    if (this.migrations >= this.options.maxMigrations) return `the pass's cap of ${this.options.maxMigrations} migration(s) is reached`
    if (vm.lastMigratedMs !== undefined && this.view.nowMs - vm.lastMigratedMs < this.options.cooldownMs) {
      return `${vm.name} moved ${Math.round((this.view.nowMs - vm.lastMigratedMs) / 1000)} s ago (cooldown ${Math.round(this.options.cooldownMs / 1000)} s)`
    }
    const host = this.books.get(this.where.get(vm.name) ?? '')?.host
    if (host?.migrating) return `${host.name} is part of a running migration`
    return undefined
  }

  /** Hosts `vm` may go to: open, not its own, the head node's own site only. */
  destinations(vm: VmView, sites?: string[]): HostView[] {
    const home = this.books.get(this.where.get(vm.name) ?? '')?.host
    const headSite = vm.environment ? this.view.environments.find((e) => e.name === vm.environment)?.headSite : undefined
    return [...this.books.values()]
      .map((b) => b.host)
      .filter((h) => h.name !== home?.name && !h.maintenance && !h.migrating)
      .filter((h) => vm.role !== 'head' || h.site === (headSite ?? home?.site))
      .filter((h) => !sites || sites.includes(h.site))
  }

  /**
   * Records a planned move: capacity leaves one host and is taken on the other. A whole
   * environment's move counts once against the cap (`counted: false` for all its VMs but one).
   */
  move(vm: VmView, to: string, counted = true): void {
    const from = this.books.get(this.where.get(vm.name)!)!
    const dest = this.books.get(to)!
    const memory = this.memory.get(vm.name) ?? vm.memoryMiB
    from.allocatedMiB -= memory
    from.demandCores -= vm.cpuDemand * vm.vcpus
    from.vms.delete(vm.name)
    dest.allocatedMiB += memory
    dest.demandCores += vm.cpuDemand * vm.vcpus
    dest.vms.add(vm.name)
    this.where.set(vm.name, to)
    if (counted) this.migrations++
  }

  /** Records a planned balloon change on the VM's host. */
  resizeMemory(vm: VmView, toMiB: number): void {
    this.books.get(this.where.get(vm.name)!)!.allocatedMiB += toMiB - (this.memory.get(vm.name) ?? vm.memoryMiB)
    this.memory.set(vm.name, toMiB)
  }

  get migrationsPlanned(): number {
    return this.migrations
  }

  hosts(): HostView[] {
    return [...this.books.values()].map((b) => b.host)
  }
}
