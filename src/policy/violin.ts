/**
 * The VIOLIN adaptation policy (JISA 2011 section 2.2.2; ICAC 2006 section 2.2):
 * 1. fine grain first: keep each VM's use of its CPU share and of its memory inside the
 *    configured range [low, high] by changing its share and its balloon, where the host
 *    has room ("desired resource level", 002 section 2.2);
 * 2. then single-VM moves inside the site, from the host with the highest score (high-
 *    demand VMs / cores) to the least-loaded hosts first, each only if it lowers the spread
 *    (standard deviation) of the site's host scores (000 section 2.2.2);
 * 3. then, for a host still overloaded with no host of its site able to take the load, a
 *    whole environment's compute nodes to another site that can take them all (the head
 *    node stays home).
 */
import {Ledger} from './guards.js'
import type {Action, ClusterView, HostView, Plan, Policy, PolicyOptions, VmView} from './cluster-view.js'

const DEFAULT_SHARES = 1024
const MAX_SHARES = 8192
const MIN_MEMORY_MIB = 128

const pct = (x: number) => `${Math.round(x * 100)}%`

function fineGrain(view: ClusterView, ledger: Ledger, options: PolicyOptions, actions: Action[], notes: string[]): void {
  const mid = (options.high + options.low) / 2
  const hosts = new Map(view.hosts.map((h) => [h.name, h]))
  for (const vm of view.vms) {
    const host = hosts.get(vm.host)
    // An excluded VM's shares and balloon are the operator's, as its place is.
    if (!host || host.migrating || ledger.frozen(vm)) continue
    if (vm.cpuDemand > options.high && ledger.load(host.name) < 1 && vm.cpuShares < MAX_SHARES) {
      const to = Math.min(MAX_SHARES, vm.cpuShares * 2)
      actions.push({
        kind: 'set-shares',
        vm: vm.name,
        host: host.name,
        from: vm.cpuShares,
        to,
        reason: `${vm.name} uses ${pct(vm.cpuDemand)} of its CPU (over ${pct(options.high)}) and ${host.name} has CPU to spare`,
      })
    } else if (vm.cpuDemand < options.low && vm.cpuShares > DEFAULT_SHARES) {
      const to = Math.max(DEFAULT_SHARES, Math.floor(vm.cpuShares / 2))
      actions.push({
        kind: 'set-shares',
        vm: vm.name,
        host: host.name,
        from: vm.cpuShares,
        to,
        reason: `${vm.name} uses ${pct(vm.cpuDemand)} of its CPU (under ${pct(options.low)}): its shares go back toward the others`,
      })
    }
    if (vm.memoryUsedMiB === undefined || vm.memoryMiB <= 0) continue
    const use = vm.memoryUsedMiB / vm.memoryMiB
    const want = Math.round(vm.memoryUsedMiB / mid)
    if (use > options.high) {
      const to = Math.min(vm.maxMemoryMiB, want, vm.memoryMiB + Math.max(0, ledger.freeMemoryMiB(host.name)))
      if (to > vm.memoryMiB) {
        actions.push({
          kind: 'set-memory',
          vm: vm.name,
          host: host.name,
          fromMiB: vm.memoryMiB,
          toMiB: to,
          reason: `${vm.name} uses ${pct(use)} of its memory (over ${pct(options.high)})`,
        })
        ledger.resizeMemory(vm, to)
      } else
        notes.push(
          `${vm.name} uses ${pct(use)} of its memory, but ${vm.memoryMiB >= vm.maxMemoryMiB ? 'it is at its maximum' : `${host.name} has no memory to give`}`,
        )
    } else if (use < options.low) {
      const to = Math.max(MIN_MEMORY_MIB, want)
      if (to < vm.memoryMiB) {
        actions.push({
          kind: 'set-memory',
          vm: vm.name,
          host: host.name,
          fromMiB: vm.memoryMiB,
          toMiB: to,
          reason: `${vm.name} uses ${pct(use)} of its memory (under ${pct(options.low)}): the rest goes back to ${host.name}`,
        })
        ledger.resizeMemory(vm, to)
      }
    }
  }
}

/** Host score (JISA 2011): high-demand VMs per core. */
function score(ledger: Ledger, host: HostView, options: PolicyOptions): number {
  return ledger.countOver(host.name, options.high) / Math.max(1, host.cores)
}

/**
 * A site's host scores with their sum and sum of squares, so the spread after a candidate
 * move is O(1) to compute (plans for 10,000 hosts must stay linear).
 */
class Scores {
  readonly of = new Map<string, number>()
  private sum = 0
  private sumSq = 0

  constructor(
    ledger: Ledger,
    private readonly hosts: HostView[],
    options: PolicyOptions,
  ) {
    for (const h of hosts) {
      const s = score(ledger, h, options)
      this.of.set(h.name, s)
      this.sum += s
      this.sumSq += s * s
    }
  }

  spread(): number {
    const n = this.hosts.length
    return n === 0 ? 0 : Math.sqrt(Math.max(0, this.sumSq / n - (this.sum / n) ** 2))
  }

  /** The spread if one high-demand VM went from one host to another. */
  spreadAfter(from: HostView, to: HostView): number {
    const n = this.hosts.length
    const f = this.of.get(from.name)!
    const t = this.of.get(to.name)!
    const f2 = f - 1 / Math.max(1, from.cores)
    const t2 = t + 1 / Math.max(1, to.cores)
    const sumSq = this.sumSq - f * f - t * t + f2 * f2 + t2 * t2
    return Math.sqrt(Math.max(0, sumSq / n - (this.sum - f - t + f2 + t2) ** 2 / n ** 2))
  }
}

/** How many of the highest-scoring hosts, and of the least-loaded destinations, a pass looks at. */
const SOURCES_SCANNED = 32
const DESTINATIONS_SCANNED = 64

/** The hosts of each site, in the view's order; the sites in order of first appearance. */
function bySite(view: ClusterView): Map<string, HostView[]> {
  const sites = new Map<string, HostView[]>()
  for (const h of view.hosts) {
    const hosts = sites.get(h.site)
    if (hosts) hosts.push(h)
    else sites.set(h.site, [h])
  }
  return sites
}

function withinSites(view: ClusterView, ledger: Ledger, options: PolicyOptions, actions: Action[], notes: string[]): void {
  const sitesOf = bySite(view)
  for (const site of [...sitesOf.keys()].sort()) {
    const hosts = sitesOf.get(site)!.filter((h) => !h.migrating)
    for (;;) {
      if (ledger.capped) return
      const scores = new Scores(ledger, hosts, options)
      const before = scores.spread()
      if (before === 0) break
      const move = bestMove(ledger, hosts, scores, options, before)
      if (!move) break
      if (typeof move === 'string') {
        notes.push(move)
        break
      }
      const fromScore = scores.of.get(move.from.name)!
      ledger.move(move.vm, move.to.name)
      actions.push({
        kind: 'migrate',
        vm: move.vm.name,
        from: move.from.name,
        to: move.to.name,
        reason: `${move.from.name} has the highest score in ${site} (${fromScore.toFixed(2)} high-demand VMs per core); moving ${move.vm.name} (CPU ${pct(move.vm.cpuDemand)}) to ${move.to.name}, the least-loaded host that fits, lowers the spread of host scores ${before.toFixed(3)} -> ${move.after.toFixed(3)}`,
      })
    }
  }
}

/**
 * The first `k` items as a stable sort by `compare` would order them, in O(items x k) at
 * worst instead of sorting a whole site every time a move is planned.
 */
function firstSorted<T>(items: readonly T[], k: number, compare: (a: T, b: T) => number): T[] {
  const top: T[] = []
  for (const item of items) {
    if (top.length === k && !(compare(item, top[k - 1]!) < 0)) continue
    let at = top.length
    while (at > 0 && compare(item, top[at - 1]!) < 0) at--
    top.splice(at, 0, item)
    if (top.length > k) top.pop()
  }
  return top
}

/** The first move from the highest-scoring hosts to the least-loaded ones that lowers the spread enough, or why none was made. */
function bestMove(
  ledger: Ledger,
  siteHosts: HostView[],
  scores: Scores,
  options: PolicyOptions,
  before: number,
): {vm: VmView; from: HostView; to: HostView; after: number} | string | undefined {
  const sources = firstSorted(
    siteHosts,
    SOURCES_SCANNED,
    (a, b) => scores.of.get(b.name)! - scores.of.get(a.name)! || ledger.load(b.name) - ledger.load(a.name),
  )
  let held: string | undefined
  for (const from of sources) {
    if (scores.of.get(from.name)! === 0) break
    const high = ledger
      .vmsOn(from.name)
      .filter((vm) => vm.cpuDemand > options.high)
      .sort((a, b) => b.cpuDemand - a.cpuDemand)
    for (const vm of high) {
      const why = ledger.held(vm)
      if (why) {
        held ??= `${vm.name} not moved: ${why}`
        continue
      }
      let scanned = 0
      // The site's hosts in migrations are among these, but never fit.
      for (const to of ledger.byLoad(from.site)) {
        if (to.name === from.name || !ledger.fits(vm, to.name)) continue
        if (++scanned > DESTINATIONS_SCANNED) break
        const after = scores.spreadAfter(from, to)
        if (before - after >= options.minImprovement) return {vm, from, to, after}
      }
    }
  }
  return held
}

/** Hosts still asked for more CPU than they have, after the moves inside their site. */
function acrossSites(view: ClusterView, ledger: Ledger, options: PolicyOptions, actions: Action[], notes: string[]): void {
  const overloaded = view.hosts
    .filter((h) => !h.migrating && ledger.load(h.name) > 1)
    .sort((a, b) => ledger.load(b.name) - ledger.load(a.name))
  if (overloaded.length === 0) return
  const sitesOf = bySite(view)
  const moved = new Set<string>()
  const computeOf = new Map<string, VmView[]>()
  for (const vm of view.vms) {
    if (!vm.environment || vm.role === 'head') continue
    const compute = computeOf.get(vm.environment)
    if (compute) compute.push(vm)
    else computeOf.set(vm.environment, [vm])
  }
  // Per site, the overloaded hosts whose environments no other site can take: one note each.
  const stuck = new Map<string, {hosts: Map<string, number>; envs: Map<string, number>}>()
  for (const host of overloaded) {
    if (ledger.capped) {
      notes.push(`${overloaded.length} host(s) still overloaded; the pass's cap of ${options.maxMigrations} migration(s) is reached`)
      return
    }
    if (ledger.load(host.name) <= 1) continue
    const envs = [
      ...new Set(
        ledger
          .vmsOn(host.name)
          .map((vm) => vm.environment)
          .filter((e): e is string => Boolean(e) && !moved.has(e!)),
      ),
    ]
    for (const env of envs) {
      const compute = computeOf.get(env) ?? []
      if (compute.length === 0) continue
      const held = compute.map((vm) => ledger.held(vm)).find(Boolean)
      if (held) {
        notes.push(`environment ${env} not moved: ${held}`)
        continue
      }
      const fromSite = host.site
      const placed = [...sitesOf.keys()]
        .filter((s) => s !== fromSite)
        .map((site) => ({site, plan: placeAll(ledger, compute, site)}))
        .filter((t) => t.plan)
      // Read once all the trial moves are taken back.
      const load = new Map(placed.map((t) => [t.site, siteLoad(ledger, sitesOf.get(t.site)!)]))
      const target = placed.sort((a, b) => load.get(a.site)! - load.get(b.site)!)[0]
      // The demand that calls for the move, read before its planned moves lower it.
      const demand = ledger.load(host.name)
      if (!target) {
        const site = stuck.get(fromSite) ?? {hosts: new Map(), envs: new Map()}
        stuck.set(fromSite, site)
        site.hosts.set(host.name, demand)
        site.envs.set(env, compute.length)
        continue
      }
      // Companions an affinity rule brings along (in the plan, not among `compute`) move with their VM.
      for (const [i, m] of target.plan!.entries()) {
        const vm = compute.find((v) => v.name === m.vm)
        if (vm) ledger.move(vm, m.to, i === 0)
      }
      moved.add(env)
      actions.push({
        kind: 'migrate-environment',
        environment: env,
        fromSite,
        toSite: target.site,
        moves: target.plan!.map((m) => ({vm: m.vm, from: m.from, to: m.to})),
        reason: `${host.name} demands ${pct(demand)} of its cores; no host of ${fromSite} can take the load`,
      })
      if (ledger.load(host.name) <= 1) break
    }
  }
  for (const [site, {hosts, envs}] of stuck) notes.push(stuckNote(site, hosts, envs))
}

/** "d1-h1, d1-h2 in D1 demand 200% of their cores; no other site can take V1 (4 compute nodes) or V3 (6)" */
function stuckNote(site: string, hosts: Map<string, number>, envs: Map<string, number>): string {
  const demands = [...hosts.values()]
  const low = pct(Math.min(...demands))
  const high = pct(Math.max(...demands))
  const names = [...hosts.keys()]
  const what = [...envs].map(([env, n], i) => (i === 0 ? `${env} (${n} compute node${n === 1 ? '' : 's'})` : `${env} (${n})`))
  const list = (xs: string[]) => (xs.length === 1 ? xs[0] : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`)
  return `${names.join(', ')} in ${site} ${names.length === 1 ? 'demands' : 'demand'} ${low === high ? low : `${low}-${high}`} of ${names.length === 1 ? 'its' : 'their'} cores; no other site can take ${list(what)}`
}

/**
 * Where each VM would go in `site` (least-loaded host that fits, capacity deducted), or
 * undefined when one does not fit; the trial moves are taken back either way.
 */
function placeAll(ledger: Ledger, vms: VmView[], site: string): Array<{vm: string; from: string; to: string}> | undefined {
  const plan: Array<{vm: string; from: string; to: string}> = []
  // The trial moves to take back, affinity companions included, each to where it was.
  const undo: Array<{vm: VmView; from: string}> = []
  let ok = true
  for (const vm of vms) {
    // Already placed with a VM its affinity rule keeps it with.
    if (plan.some((m) => m.vm === vm.name)) continue
    let to: HostView | undefined
    for (const h of ledger.byLoad(site)) {
      if (!ledger.fits(vm, h.name)) continue
      to = h
      break
    }
    if (!to) {
      ok = false
      break
    }
    const from = ledger.hostOf(vm)!
    plan.push({vm: vm.name, from, to: to.name})
    undo.push({vm, from})
    for (const c of ledger.move(vm, to.name, false)) {
      plan.push({vm: c.vm.name, from: c.from, to: to.name})
      undo.push(c)
    }
  }
  for (const m of undo.reverse()) ledger.putBack(m.vm, m.from)
  return ok ? plan : undefined
}

function siteLoad(ledger: Ledger, hostsOfSite: HostView[]): number {
  return hostsOfSite.reduce((a, h) => a + ledger.load(h.name), 0) / Math.max(1, hostsOfSite.length)
}

export const violin: Policy = (view: ClusterView, options: PolicyOptions): Plan => {
  const ledger = new Ledger(view, options)
  const actions: Action[] = []
  const notes: string[] = []
  fineGrain(view, ledger, options, actions, notes)
  withinSites(view, ledger, options, actions, notes)
  acrossSites(view, ledger, options, actions, notes)
  // A note reached from several hosts (an environment held back on each) is said once.
  return {policy: 'violin', actions, notes: [...new Set(notes)]}
}
