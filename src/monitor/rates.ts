import type {HostCounters, HostSample, VmState} from '../hypervisor/driver.js'

export interface VmUsage {
  host: string
  site: string
  name: string
  state: VmState
  vcpus?: number
  /** CPU used over the interval, % of the VM's own allocation (all its vCPUs = 100). */
  cpuPercent?: number
  /** CPU used plus time spent ready but waiting for a physical CPU, same scale: what it asked for. */
  cpuDemandPercent?: number
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
  /** Memory pressure: pages the host swapped out per second over the interval. */
  swapWritesPerSecond?: number
  /**
   * Bytes through the NIC (received + sent) over the interval, % of its capacity; known only
   * when the NIC says its speed. A full-duplex NIC busy both ways can pass 100.
   */
  nicPercent?: number
  /** The NIC's capacity, bytes/s, when known. */
  nicBytesPerSecond?: number
  /** The device measured. */
  nic?: string
}

export type CounterRates = Pick<HostUsage, 'swapWritesPerSecond' | 'nicPercent' | 'nicBytesPerSecond' | 'nic'>

const round1 = (x: number) => Math.round(x * 10) / 10

/**
 * Swap writes and NIC use from the host's counters at both ends of the interval. A counter
 * that went down (the host rebooted) or a NIC that changed in between gives no rate.
 */
export function counterRates(prev: HostCounters | undefined, cur: HostCounters | undefined, seconds: number): CounterRates {
  if (!cur) return {}
  const out: CounterRates = {}
  if (cur.nic !== undefined) out.nic = cur.nic
  if (cur.nicBytesPerSecond !== undefined && cur.nicBytesPerSecond > 0) out.nicBytesPerSecond = cur.nicBytesPerSecond
  if (!prev || !(seconds > 0)) return out
  if (cur.swapOutPages >= prev.swapOutPages) out.swapWritesPerSecond = round1((cur.swapOutPages - prev.swapOutPages) / seconds)
  if (out.nicBytesPerSecond !== undefined && prev.nic === cur.nic && cur.nicBytes >= prev.nicBytes) {
    out.nicPercent = round1(((cur.nicBytes - prev.nicBytes) / seconds / out.nicBytesPerSecond) * 100)
  }
  return out
}

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
    let cpuDemandPercent: number | undefined
    if (vm.state === 'shutoff') cpuPercent = 0
    else if (dtNs > 0 && old?.cpuTimeNs !== undefined && vm.cpuTimeNs !== undefined && vm.cpuTimeNs >= old.cpuTimeNs && vm.vcpus) {
      const delta = vm.cpuTimeNs - old.cpuTimeNs
      usedNs += delta
      cpuPercent = round1((delta / (dtNs * vm.vcpus)) * 100)
      if (old.cpuWaitNs !== undefined && vm.cpuWaitNs !== undefined && vm.cpuWaitNs >= old.cpuWaitNs) {
        cpuDemandPercent = round1(Math.min(100, ((delta + vm.cpuWaitNs - old.cpuWaitNs) / (dtNs * vm.vcpus)) * 100))
      }
    } else known = false
    return {
      host: host.name,
      site: host.site,
      name: vm.name,
      state: vm.state,
      vcpus: vm.vcpus,
      cpuPercent,
      ...(cpuDemandPercent === undefined ? {} : {cpuDemandPercent}),
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
      ...counterRates(prev.counters, cur.counters, dtNs / 1e9),
    },
    vms,
  }
}
