/**
 * The IDC-aware migration policy (Liang 2009, chapter 3): relieve hotspots while keeping
 * VMs that talk to each other on one host, where their traffic is inter-domain
 * communication (IDC) through memory instead of through the NIC.
 *
 * 1. Hotspots (section 3.4.2, "Hotspot Detector"): a host whose CPU (85%), swap writes
 *    (150/s) or NIC (80%) is over its threshold now AND as AR(1) predicts it (eq. 4);
 *    hosts in a running migration are not judged; the shared hold time applies.
 * 2. Memory first (section 3.3, rules 1-3 of dynamic provisioning): on a memory hotspot
 *    the VMs under pressure grow their balloon one fixed step, up to their maximum, while
 *    the host has free memory. When a balloon grew, the host's migrations wait for the next
 *    pass, CPU ones too: "if there are CPU and memory overloads in the same time, we would
 *    solve memory overload first because eliminating the memory overload sometimes can
 *    solve CPU overload" (section 3.3; the run of section 4.2.4 does exactly that).
 * 3. Migration, when memory alone cannot do it or for CPU/NIC overloads: the victim is the
 *    VM with the largest volume (eq. 3)
 *        V_ijk = CPU_ij * C_i + Mem_ij * M_i + NB_ijk * N_i
 *    - CPU_ij: the VM's CPU as a share of the host's cores (demand x vCPUs / cores; the
 *      thesis takes each domain's CPU execution time from Xenstat, section 3.4.1);
 *    - Mem_ij: its allocated memory as a share of the host's memory (domain_info.mem,
 *      "current allocated memory", Figure 3.5): what the host gets back if it leaves;
 *    - NB_ijk: the network benefit of moving it from i to destination k (eq. 1 and 2, see
 *      `networkBenefit` in network-benefit.ts for each term), as a share of i's NIC capacity;
 *    - C_i, M_i: 1 when the host is over its CPU, memory threshold (and still is, as the
 *      plan leaves it), else 0; N_i is always 1 "to consider the feature of IDC totally".
 *    Ties go to the VM with more traffic (section 3.3). A victim with no destination that
 *    fits gives way to the next largest volume (section 3.3).
 * 4. Destination: among the hosts that fit (Ledger.fits and Ledger.destinations, and that
 *    would not become hotspots), the one that reunites the victim with the VMs it talks to
 *    (most traffic with VMs on that host: group reunion, sections 4.2.1 and 4.2.3), then
 *    the least loaded.
 * Moves go on, one victim at a time, until the hotspot is no longer over its thresholds as
 * the plan leaves it (a memory hotspot is relieved by one move: the freed memory feeds the
 * balloons of the next pass), while each move lowers an overloaded resource by at least
 * `minImprovement`, within the cap on migrations per pass.
 */
import type {ClusterView, HostView, Plan, Policy, PolicyOptions, VmView} from './cluster-view.js'
import {frac, rate, some} from './format.js'
import {type Landing, Pass} from './hotspot-pass.js'
import {type Hotspot, findHotspots, hotspotSays, kinds} from './hotspots.js'
import {type NetworkBenefit, type TrafficSplit, describeBenefit, networkBenefit} from './network-benefit.js'
import {nicCapacity} from './nic.js'

interface Candidate {
  vm: VmView
  landing: Landing
  /** Traffic with the VMs on the destination (the group it rejoins). */
  reunion: number
  nb: NetworkBenefit
  cpu: number
  mem: number
  /** NB as a share of the source's NIC. */
  net: number
  volume: number
  /** How much the move lowers the most of the resources still overloaded. */
  gain: number
  traffic: number
}

/** How far over its thresholds a hotspot is predicted: the largest prediction/threshold. */
function severity(spot: Hotspot): number {
  return Math.max(...spot.over.map((r) => (r.threshold > 0 ? r.predicted / r.threshold : Number.POSITIVE_INFINITY)))
}

/** Change of the destination's NIC: Ndo (= Nso) and Nds arrive, Nsd becomes IDC there. */
const nicAt = (nb: NetworkBenefit, to: HostView) => (nb.nso + nb.nds - nb.nsd) / nicCapacity(to)

/** Where the victim goes: to its peers if a host of theirs takes it, else to the least-loaded host that does. */
function land(
  pass: Pass,
  vm: VmView,
  home: HostView,
  split: TrafficSplit,
  sourceFree: number,
): {landing: Landing; nb: NetworkBenefit; reunion: number} | string {
  const why: string[] = []
  const peerHosts = [...split.byHost].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  for (const [name, bytes] of peerHosts) {
    const to = pass.host(name)
    if (!to) continue
    const nb = networkBenefit(split, sourceFree, to)
    const nicTo = nicAt(nb, to)
    const unfit = pass.unfit(vm, to, nicTo)
    if (!unfit) return {landing: {to, nicTo}, nb, reunion: bytes}
    why.push(unfit)
  }
  const least = pass.leastLoaded(vm, home, (to) => nicAt(networkBenefit(split, sourceFree, to), to))
  if (typeof least === 'string') return [...why, least].join('; ')
  return {landing: least, nb: networkBenefit(split, sourceFree, least.to), reunion: split.byHost.get(least.to.name) ?? 0}
}

/** The VMs on `to` that `vm` talks to, most traffic first. */
function peersOn(pass: Pass, vm: VmView, to: string): string[] {
  return [...pass.traffic.peers(vm.name)]
    .filter(([peer]) => pass.ledger.hostOf(peer) === to)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([peer]) => peer)
}

function relieve(pass: Pass, spot: Hotspot, memoryBlocked: string): void {
  const {options, ledger} = pass
  const h = spot.host
  const capacity = nicCapacity(h)
  let memoryFreed = false
  let moved = 0
  const held = new Set<string>()
  const skipped = new Set<string>()
  for (;;) {
    const hot = pass.stillHot(spot, !memoryFreed)
    if (!hot) break
    const {cpu: cpuHot, memory: memHot, nic: nicHot, words: still} = hot
    if (pass.stopsAtCap(h, still, moved)) break
    const C = cpuHot ? 1 : 0
    const M = memHot ? 1 : 0
    const N = 1
    const sourceFree = capacity * (1 - pass.nic(h, 'now'))
    const candidates: Candidate[] = []
    const onHost = ledger.vmsOn(h.name)
    for (const vm of onHost) {
      const guard = ledger.held(vm)
      if (guard) {
        held.add(`${vm.name} not moved: ${guard}`)
        continue
      }
      const split = pass.split(vm, h)
      const where = land(pass, vm, h, split, sourceFree)
      if (typeof where === 'string') {
        skipped.add(`${vm.name} not moved: ${where}`)
        continue
      }
      const cpu = pass.cpuShare(vm, h)
      const mem = pass.memShare(vm, h)
      const net = where.nb.nb / capacity
      const gains = [cpuHot ? cpu : undefined, memHot ? mem : undefined, nicHot ? net : undefined].filter(
        (g): g is number => g !== undefined,
      )
      candidates.push({
        vm,
        ...where,
        cpu,
        mem,
        net,
        volume: cpu * C + mem * M + net * N,
        gain: Math.max(...gains),
        traffic: split.local + split.remote,
      })
    }
    candidates.sort((a, b) => b.volume - a.volume || b.traffic - a.traffic || a.vm.name.localeCompare(b.vm.name))
    const pick = candidates.find((c) => c.gain >= options.minImprovement)
    for (const c of candidates) {
      if (c === pick) break
      skipped.add(
        `${c.vm.name} not moved: it would lower ${h.name}'s ${still} load by only ${frac(Math.max(0, c.gain))} (less than ${options.minImprovement})`,
      )
    }
    if (!pick) {
      pass.notes.push(
        `${h.name} stays a ${still} hotspot: ${memoryBlocked && memHot ? `the balloon cannot relieve it (${memoryBlocked}) and ` : ''}no VM can move (${some([...held, ...skipped], 4) || `no VM on ${h.name}`})`,
      )
      return
    }
    const {vm, landing, nb} = pick
    const to = landing.to
    const peers = peersOn(pass, vm, to.name)
    const why = [
      hotspotSays(spot),
      ...(memoryBlocked && M ? [`memory alone cannot relieve it: ${memoryBlocked}`] : []),
      `${vm.name} has the largest volume ${pick !== candidates[0] || candidates.length < onHost.length ? 'of the VMs that can move and help ' : ''}${frac(pick.volume)} = CPU ${frac(pick.cpu)} x ${C} + Mem ${frac(pick.mem)} x ${M} + NB ${frac(pick.net)} x ${N} (${describeBenefit(nb)})`,
      peers.length > 0
        ? `${to.name} reunites it with ${some(peers, 3)} (${rate(pick.reunion)} between them), and fits`
        : `${to.name} is the least-loaded host that fits (volume ${frac(pass.volume(to))})`,
    ]
    pass.move(vm, h, to, -nb.nb / capacity, landing.nicTo)
    pass.actions.push({kind: 'migrate', vm: vm.name, from: h.name, to: to.name, reason: why.join('; ')})
    moved++
    if (memHot) memoryFreed = true
  }
  pass.notes.push(...held)
}

export const idc: Policy = (view: ClusterView, options: PolicyOptions): Plan => {
  const pass = new Pass(view, options)
  const spots = findHotspots(view, options, pass.notes)
    .map((spot) => ({spot, severity: severity(spot)}))
    .sort((a, b) => b.severity - a.severity || a.spot.host.name.localeCompare(b.spot.host.name))
    .map((s) => s.spot)
  pass.focus(spots.map((s) => s.host))
  const waiting: string[] = []
  for (const spot of spots) {
    let memoryBlocked = ''
    if (spot.hot.has('memory')) {
      const balloons = pass.growBalloons(spot)
      if (balloons.grown > 0) {
        const others = [...spot.hot].filter((r) => r !== 'memory')
        if (others.length > 0)
          pass.notes.push(
            `${spot.host.name} is also a ${kinds(others)} hotspot; memory comes first (Liang 2009 section 3.3), so its migrations wait for a later pass`,
          )
        continue
      }
      memoryBlocked = balloons.blocked
    }
    if (pass.capReached) {
      waiting.push(spot.host.name)
      continue
    }
    relieve(pass, spot, memoryBlocked)
  }
  if (waiting.length > 0) pass.notes.push(`${some(waiting)} stay hot: the pass's cap of ${options.maxMigrations} migration(s) is reached`)
  return {policy: 'idc', actions: pass.actions, notes: pass.notes}
}
