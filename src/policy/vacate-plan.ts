/**
 * Vacating hosts (VTDC 2007's use case: free hosts for a reservation): every VM off them,
 * spread over the hosts that can take it, never all onto one. Pure: the plan only.
 * The biggest VMs are placed first (they have the fewest choices); each goes to the open
 * host with the most memory left as the plan leaves it, which spreads the load, in its own
 * site while one there fits (a move across sites crosses the WAN), else in another; the
 * head node of an environment stays in its site. The operator's rules hold: a VM excluded
 * from the loop or pinned to a vacated host stays (stuck, naming the rule), no two VMs of an
 * anti-affinity rule land on one host, and an affinity rule's VMs go together.
 */
import {Ledger} from './guards.js'
import type {ClusterView, VmView} from './cluster-view.js'
import {DEFAULT_POLICY_OPTIONS} from './cluster-view.js'

export interface VacatePlan {
  moves: Array<{vm: string; from: string; to: string; memoryMiB: number}>
  /** VMs that fit nowhere, with the reason. */
  stuck: Array<{vm: string; from: string; reason: string}>
}

export function planVacate(view: ClusterView, hosts: string[]): VacatePlan {
  const leaving = new Set(hosts)
  // The vacated hosts take nothing, like hosts in maintenance; no cap, no cooldown: all must go.
  const closed: ClusterView = {
    ...view,
    hosts: view.hosts.map((h) => (leaving.has(h.name) ? {...h, maintenance: true} : h)),
    vms: view.vms.map((vm) => ({...vm, lastMigratedMs: undefined})),
  }
  const ledger = new Ledger(closed, {...DEFAULT_POLICY_OPTIONS, maxMigrations: Number.POSITIVE_INFINITY, cooldownMs: 0})
  const plan: VacatePlan = {moves: [], stuck: []}
  const vms = closed.vms
    .filter((vm) => leaving.has(vm.host))
    .sort((a, b) => b.memoryMiB - a.memoryMiB || b.vcpus - a.vcpus || a.name.localeCompare(b.name))
  const siteOf = new Map(closed.hosts.map((h) => [h.name, h.site]))
  for (const vm of vms) {
    // Gone already, with a VM an affinity rule keeps it with.
    if (ledger.hostOf(vm) !== vm.host) continue
    const frozen = ledger.frozen(vm)
    const to = frozen ? undefined : destination(ledger, vm, siteOf.get(vm.host))
    if (!to) {
      plan.stuck.push({vm: vm.name, from: vm.host, reason: frozen ?? whyStuck(ledger, vm)})
      continue
    }
    plan.moves.push({vm: vm.name, from: vm.host, to, memoryMiB: vm.memoryMiB})
    for (const c of ledger.move(vm, to)) plan.moves.push({vm: c.vm.name, from: c.from, to, memoryMiB: c.vm.memoryMiB})
  }
  return plan
}

function destination(ledger: Ledger, vm: VmView, site: string | undefined): string | undefined {
  const open = ledger.destinations(vm).filter((h) => ledger.fits(vm, h.name))
  const home = open.filter((h) => h.site === site)
  let best: string | undefined
  for (const h of home.length > 0 ? home : open) {
    if (
      !best ||
      ledger.freeMemoryMiB(h.name) > ledger.freeMemoryMiB(best) ||
      (ledger.freeMemoryMiB(h.name) === ledger.freeMemoryMiB(best) && ledger.load(h.name) < ledger.load(best))
    )
      best = h.name
  }
  return best
}

function whyStuck(ledger: Ledger, vm: VmView): string {
  const open = ledger.destinations(vm)
  if (open.length === 0) {
    // Pinned to a host being vacated (or to a site with no open host): the pin says so.
    const pinned = ledger.rules.pinned(vm.name, '', '')
    if (pinned) return pinned
    return vm.role === 'head' ? `it is a head node and no other open host is in its site` : 'no other host is open'
  }
  const room = open
    .slice(0, 5)
    .map(
      (h) =>
        ledger.ruleAgainst(vm, h.name) ??
        `${h.name} has ${Math.max(0, Math.floor(ledger.freeMemoryMiB(h.name)))} MiB, CPU ${Math.round(ledger.load(h.name) * 100)}% asked`,
    )
    .join('; ')
  return `needs ${vm.memoryMiB} MiB and ${vm.vcpus} vCPU(s) at ${Math.round(vm.cpuDemand * 100)}%; ${room}${open.length > 5 ? `; and ${open.length - 5} more` : ''}`
}
