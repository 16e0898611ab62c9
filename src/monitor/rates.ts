import type {HostSample, VmState} from '../hypervisor/driver.js'

export interface VmUsage {
  host: string
  site: string
  name: string
  state: VmState
  vcpus?: number
  /** CPU used over the interval, % of the VM's own allocation (all its vCPUs = 100). */
  cpuPercent?: number
  memoryUsedMiB?: number
  memoryMiB?: number
  maxMemoryMiB?: number
}

export interface HostUsage {
  host: string
  site: string
  status: 'ok' | 'unreachable' | 'failed'
  error?: string
  /** violin's exit status for that host's failure. */
  exitCode?: number
  cores?: number
  /** CPU the host's VMs used over the interval, % of all its cores. */
  cpuPercent?: number
  memoryMiB?: number
  freeMemoryMiB?: number
  vms?: number
}

const round1 = (x: number) => Math.round(x * 10) / 10

/**
 * Turns two samples of one host into rates. A VM whose CPU counter went down was
 * migrated or restarted in between (the counter restarts near 0): its rate is unknown
 * for this interval rather than negative or huge.
 */
export function usageBetween(prev: HostSample, cur: HostSample, host: {name: string; site: string}): {host: HostUsage; vms: VmUsage[]} {
  const dtNs = (cur.timeMs - prev.timeMs) * 1e6
  const before = new Map(prev.vms.map((v) => [v.name, v]))
  let usedNs = 0
  let known = dtNs > 0
  const vms = cur.vms.map((vm): VmUsage => {
    const old = before.get(vm.name)
    let cpuPercent: number | undefined
    if (vm.state === 'shutoff') cpuPercent = 0
    else if (dtNs > 0 && old?.cpuTimeNs !== undefined && vm.cpuTimeNs !== undefined && vm.cpuTimeNs >= old.cpuTimeNs && vm.vcpus) {
      const delta = vm.cpuTimeNs - old.cpuTimeNs
      usedNs += delta
      cpuPercent = round1((delta / (dtNs * vm.vcpus)) * 100)
    } else known = false
    return {
      host: host.name,
      site: host.site,
      name: vm.name,
      state: vm.state,
      vcpus: vm.vcpus,
      cpuPercent,
      memoryUsedMiB: vm.memoryUsedMiB === undefined ? undefined : round1(vm.memoryUsedMiB),
      memoryMiB: vm.memoryMiB,
      maxMemoryMiB: vm.maxMemoryMiB,
    }
  })
  return {
    host: {
      host: host.name,
      site: host.site,
      status: 'ok',
      cores: cur.host.cores,
      cpuPercent: known && cur.host.cores > 0 ? round1((usedNs / (dtNs * cur.host.cores)) * 100) : undefined,
      memoryMiB: cur.host.memoryMiB,
      freeMemoryMiB: cur.host.freeMemoryMiB,
      vms: cur.vms.filter((v) => v.state !== 'shutoff').length,
    },
    vms,
  }
}
