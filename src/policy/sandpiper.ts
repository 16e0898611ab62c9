/**
 * Sandpiper (Wood et al., "Black-box and Gray-box Strategies for Virtual Machine
 * Migration", NSDI 2007), as Liang 2009 describes and runs it as the baseline of its
 * evaluation (section 4.2, eq. 5 and 6; sections 4.1 and 4.2.2):
 *
 * 1. Hotspots: a host whose CPU, memory pressure (swap writes/s) or NIC is over its
 *    threshold, sustained (hot for `holdSamples` samples in a row, Sandpiper's "k of the n
 *    last observations") and predicted to stay over (Sandpiper's check of the next
 *    predicted value). Seed 003 runs both policies on the same thresholds (section 4.1);
 *    what differs is Sandpiper's view of a VM's traffic, which counts IDC (below).
 *    Hotspots are handled in order of how hot, the largest host volume first.
 * 2. Memory: in the thesis's runs the baseline too grows the balloon first, "until [it
 *    reaches] max-memory for each domain or there is no more free physical memory on the
 *    source machine" (section 4.2.2), and migrates when it cannot. Unlike the IDC policy it
 *    does not hold back its CPU and NIC migrations meanwhile.
 * 3. Victim: the VM with the largest volume/size (VSR, eq. 6), where
 *        volume = 1/((1-cpu)(1-mem)(1-net))   (eq. 5)
 *    cpu = its demand in cores over the host's cores, mem = its allocation over the host's
 *    memory, net = all its traffic over the host's NIC capacity, IDC included (Liang 2009
 *    section 3.3: "they calculate network traffic including IDC"; `netBytesPerSecond`, or
 *    the sum of its rows of the traffic matrix), each capped below 1; size = its memory.
 *    A VM whose move would lower none of the overloaded resources by `minImprovement` is
 *    passed over, as is one that cannot move (cooldown, nothing fits).
 * 4. Destination: "the machine with the lightest load", the least-loaded host by its own
 *    volume among those that fit (Ledger.fits and Ledger.destinations) and would not become
 *    hotspots themselves.
 * Moves go on until the hotspot is no longer predicted over its thresholds as the plan
 * leaves it (one move for memory, whose effect only the next samples show), within the
 * cap on migrations per pass.
 */
import type {ClusterView, Plan, Policy, PolicyOptions, VmView} from './cluster-view.js'
import {frac, some} from './format.js'
import {type Landing, Pass} from './hotspot-pass.js'
import {type Hotspot, findHotspots, hotspotSays} from './hotspots.js'
import {nicCapacity} from './nic.js'
import {sandpiperVolume} from './volume.js'

interface Candidate {
  vm: VmView
  cpu: number
  mem: number
  net: number
  bytes: number
  volume: number
  size: number
  vsr: number
}

/** All the VM's traffic as Sandpiper sees it, IDC included. */
const trafficOf = (pass: Pass, vm: VmView) => vm.netBytesPerSecond ?? pass.traffic.total(vm.name)

function relieve(pass: Pass, spot: Hotspot, memoryHandled: boolean, memoryBlocked: string): void {
  const {options, ledger} = pass
  const h = spot.host
  let memoryFreed = false
  let moved = 0
  const held = new Set<string>()
  for (;;) {
    const hot = pass.stillHot(spot, !memoryHandled && !memoryFreed)
    if (!hot) break
    const {cpu: cpuHot, memory: memHot, nic: nicHot, words: still} = hot
    if (pass.stopsAtCap(h, still, moved)) break
    const candidates: Candidate[] = ledger.vmsOn(h.name).map((vm) => {
      const cpu = pass.cpuShare(vm, h)
      const mem = pass.memShare(vm, h)
      const bytes = trafficOf(pass, vm)
      const net = bytes / nicCapacity(h)
      const volume = sandpiperVolume(cpu, mem, net)
      const size = Math.max(1, pass.memoryOf(vm))
      return {vm, cpu, mem, net, bytes, volume, size, vsr: volume / size}
    })
    candidates.sort((a, b) => b.vsr - a.vsr || a.vm.name.localeCompare(b.vm.name))
    const skipped: string[] = []
    let pick: {c: Candidate; landing: Landing; first: boolean} | undefined
    for (const c of candidates) {
      const guard = ledger.held(c.vm)
      if (guard) {
        held.add(`${c.vm.name} not moved: ${guard}`)
        continue
      }
      const gain = Math.max(
        ...[cpuHot ? c.cpu : undefined, memHot ? c.mem : undefined, nicHot ? c.net : undefined].filter((g): g is number => g !== undefined),
      )
      if (gain < options.minImprovement) {
        skipped.push(
          `${c.vm.name} not moved: it would lower ${h.name}'s ${still} load by only ${frac(gain)} (less than ${options.minImprovement})`,
        )
        continue
      }
      const landing = pass.leastLoaded(c.vm, h, (to) => c.bytes / nicCapacity(to))
      if (typeof landing === 'string') {
        skipped.push(`${c.vm.name} not moved: ${landing}`)
        continue
      }
      pick = {c, landing, first: c === candidates[0]}
      break
    }
    if (!pick) {
      pass.notes.push(
        `${h.name} stays a ${still} hotspot: ${memoryBlocked && memHot ? `the balloon cannot relieve it (${memoryBlocked}) and ` : ''}no VM can move (${some([...held, ...skipped], 4) || `no VM on ${h.name}`})`,
      )
      return
    }
    const {c, landing} = pick
    const to = landing.to
    const why = [
      hotspotSays(spot),
      ...(memoryBlocked && memHot ? [`the balloon cannot relieve it: ${memoryBlocked}`] : []),
      `${c.vm.name} has the largest volume/size ${pick.first ? '' : 'of the VMs that can move and help '}(volume ${frac(c.volume)} = 1/((1-${frac(c.cpu)})(1-${frac(c.mem)})(1-${frac(c.net)})), size ${c.size} MiB: ${c.vsr.toExponential(2)} per MiB)`,
      `${to.name} is the least-loaded host that fits (volume ${frac(pass.volume(to))})`,
    ]
    pass.move(c.vm, h, to, -c.bytes / nicCapacity(h), landing.nicTo)
    pass.actions.push({kind: 'migrate', vm: c.vm.name, from: h.name, to: to.name, reason: why.join('; ')})
    moved++
    if (memHot) memoryFreed = true
  }
  pass.notes.push(...held)
}

export const sandpiper: Policy = (view: ClusterView, options: PolicyOptions): Plan => {
  const pass = new Pass(view, options)
  const spots = findHotspots(view, options, pass.notes)
    .map((spot) => ({spot, heat: pass.volume(spot.host)}))
    .sort((a, b) => b.heat - a.heat || a.spot.host.name.localeCompare(b.spot.host.name))
    .map((s) => s.spot)
  pass.focus(spots.map((s) => s.host))
  const waiting: string[] = []
  for (const spot of spots) {
    let memoryHandled = false
    let memoryBlocked = ''
    if (spot.hot.has('memory')) {
      const balloons = pass.growBalloons(spot)
      memoryHandled = balloons.grown > 0
      memoryBlocked = balloons.blocked
    }
    const rest = [...spot.hot].some((r) => r !== 'memory') || (spot.hot.has('memory') && !memoryHandled)
    if (!rest) continue
    if (pass.capReached) {
      waiting.push(spot.host.name)
      continue
    }
    relieve(pass, spot, memoryHandled, memoryBlocked)
  }
  if (waiting.length > 0) pass.notes.push(`${some(waiting)} stay hot: the pass's cap of ${options.maxMigrations} migration(s) is reached`)
  return {policy: 'sandpiper', actions: pass.actions, notes: pass.notes}
}
