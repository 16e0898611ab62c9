import type {Role} from '../inventory/environment-record.js'
import {type Rule, RuleBook} from './rules.js'

/** What a host has left for new VMs. */
export interface HostRoom {
  name: string
  site: string
  freeCores: number
  freeMemoryMiB: number
  /** Hosts in maintenance take nothing new. */
  closed?: boolean
}

export interface VmDemand {
  name: string
  role: Role
  vcpus: number
  memoryMiB: number
  /** Put it exactly here (a declarative file may pin a VM). */
  host?: string
}

export type Placement = 'spread' | 'pack'
export const PLACEMENTS = ['spread', 'pack'] as const

export class PlacementError extends Error {}

/**
 * Chooses a host for each VM: the head node inside headSite, compute nodes in the head's
 * site when they fit there, else in any other site. `spread` takes the host with the most
 * free cores (then memory) each time, so an environment lands on as many hosts as it can;
 * `pack` takes the fullest host that still fits (best fit), keeping other hosts free.
 * Capacity is deducted as VMs are placed. The operator's rules hold: a pin limits a VM to its
 * host or site, no two VMs of an anti-affinity rule share a host, and a VM of an affinity
 * rule goes where its companions are (those placed here, or running: `running`, VM -> host).
 * Pure: the rooms are not changed.
 */
export function place(
  vms: readonly VmDemand[],
  rooms: readonly HostRoom[],
  options: {placement: Placement; headSite?: string; rules?: readonly Rule[]; running?: ReadonlyMap<string, string>},
): Map<string, string> {
  const left = new Map(rooms.map((r) => [r.name, {...r}]))
  const placed = new Map<string, string>()
  const rules = new RuleBook(options.rules)
  const hostOf = (vm: string) => placed.get(vm) ?? options.running?.get(vm)
  /** The rule that keeps `vm` off room `r`, in words. */
  const forbids = (r: HostRoom, vm: VmDemand): string | undefined => {
    if (rules.empty) return undefined
    const pinned = rules.pinned(vm.name, r.name, r.site)
    if (pinned) return pinned
    for (const {rule, others} of rules.apartFrom(vm.name)) {
      const there = others.find((o) => hostOf(o) === r.name)
      if (there) return `rule ${rule} keeps ${vm.name} apart from ${there}, which is on ${r.name}`
    }
    const group = rules.groupOf(vm.name)
    const with_ = group?.vms.find((o) => o !== vm.name && hostOf(o) !== undefined)
    if (with_ && hostOf(with_) !== r.name) return `rule ${group!.rule} keeps ${vm.name} with ${with_}, which is on ${hostOf(with_)}`
    return undefined
  }
  const fits = (r: HostRoom, vm: VmDemand) =>
    !r.closed && r.freeCores >= vm.vcpus && r.freeMemoryMiB >= vm.memoryMiB && forbids(r, vm) === undefined
  const head = vms.find((vm) => vm.role === 'head')
  const headSite = options.headSite ?? (head?.host ? left.get(head.host)?.site : undefined) ?? roomiestSite(rooms)
  const ordered = [...vms].sort(
    (a, b) => Number(b.role === 'head') - Number(a.role === 'head') || Number(Boolean(b.host)) - Number(Boolean(a.host)),
  )
  for (const vm of ordered) {
    let chosen: HostRoom | undefined
    if (vm.host) {
      chosen = left.get(vm.host)
      if (!chosen) throw new PlacementError(`VM "${vm.name}" asks for host "${vm.host}", which is not a candidate`)
      if (vm.role === 'head' && chosen.site !== headSite)
        throw new PlacementError(`head node "${vm.name}" must stay in site "${headSite}"; host "${vm.host}" is in "${chosen.site}"`)
      if (chosen.closed) throw new PlacementError(`VM "${vm.name}" asks for host "${vm.host}", which is closed to new VMs (maintenance)`)
      const rule = forbids(chosen, vm)
      if (rule) throw new PlacementError(`VM "${vm.name}" asks for host "${vm.host}", but ${rule}`)
      if (!fits(chosen, vm))
        throw new PlacementError(`VM "${vm.name}" (${need(vm)}) does not fit on host "${vm.host}" (${has(chosen)} left)`)
    } else {
      const inSite = [...left.values()].filter((r) => r.site === headSite && fits(r, vm))
      const elsewhere = vm.role === 'head' ? [] : [...left.values()].filter((r) => r.site !== headSite && fits(r, vm))
      chosen = best(inSite.length > 0 ? inSite : elsewhere, options.placement)
      if (!chosen) throw new PlacementError(notFit(vm, [...left.values()], vm.role === 'head' ? headSite : undefined, forbids))
    }
    chosen.freeCores -= vm.vcpus
    chosen.freeMemoryMiB -= vm.memoryMiB
    placed.set(vm.name, chosen.name)
  }
  return placed
}

function best(candidates: HostRoom[], placement: Placement): HostRoom | undefined {
  const sign = placement === 'spread' ? -1 : 1
  return candidates.sort(
    (a, b) => sign * (a.freeCores - b.freeCores) || sign * (a.freeMemoryMiB - b.freeMemoryMiB) || a.name.localeCompare(b.name),
  )[0]
}

function roomiestSite(rooms: readonly HostRoom[]): string | undefined {
  const cores = new Map<string, number>()
  for (const r of rooms) if (!r.closed) cores.set(r.site, (cores.get(r.site) ?? 0) + Math.max(0, r.freeCores))
  return [...cores].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
}

const need = (vm: VmDemand) => `${vm.vcpus} vCPU, ${vm.memoryMiB} MiB`
const has = (r: HostRoom) =>
  `${r.freeCores < 0 ? `0 cores (${-r.freeCores} vCPUs over)` : `${r.freeCores} cores`}, ${Math.floor(r.freeMemoryMiB)} MiB`

function notFit(
  vm: VmDemand,
  rooms: HostRoom[],
  site: string | undefined,
  forbids: (r: HostRoom, vm: VmDemand) => string | undefined,
): string {
  const where = site ? ` in site "${site}"` : ''
  const open = rooms.filter((r) => !r.closed && (!site || r.site === site))
  const closed = rooms.filter((r) => r.closed && (!site || r.site === site)).map((r) => r.name)
  const detail = open.length === 0 ? 'no host is open' : open.map((r) => forbids(r, vm) ?? `${r.name} has ${has(r)}`).join('; ')
  return `VM "${vm.name}" (${need(vm)}) fits on no host${where}: ${detail}${closed.length > 0 ? `; in maintenance: ${closed.join(', ')}` : ''}`
}
