import type {UsageReport} from '../monitor/poll.js'
import type {World} from './world.js'

/** A scenario world's counters at one moment, as one round of samples holds a host's. */
export interface CounterReading {
  t: number
  hosts: Map<string, {cpuSec: number; swapPages: number; nicBytes: number}>
  /** Core-seconds each running VM received, and wanted. */
  vms: Map<string, {cpuSec: number; demandSec: number}>
}

export function readCounters(world: World): CounterReading {
  return {
    t: world.t,
    hosts: new Map([...world.counters].map(([name, c]) => [name, {...c}])),
    vms: new Map([...world.vms.values()].map((vm) => [vm.spec.name, {cpuSec: vm.cpuSec, demandSec: vm.demandSec}])),
  }
}

/**
 * What `violin usage` would report of the world over the interval between two readings,
 * the VMs in the world's order. Unlike a poll it does not round to 0.1%: `violin simulate`
 * has always planned on the exact rates. A VM that started in between counts from 0.
 */
export function usageReport(world: World, before: CounterReading, after: CounterReading): UsageReport {
  const dt = Math.max(1e-9, after.t - before.t)
  const hosts = world.scenario.hosts.map((h) => {
    const a = after.hosts.get(h.name)!
    const b = before.hosts.get(h.name)!
    return {
      host: h.name,
      site: h.site,
      status: 'ok' as const,
      cores: h.cores,
      cpuPercent: ((a.cpuSec - b.cpuSec) / dt / h.cores) * 100,
      memoryMiB: h.memoryMiB,
      freeMemoryMiB: world.freeMemoryMiB(h.name),
      vms: world.vmsOn(h.name).length,
      swapWritesPerSecond: (a.swapPages - b.swapPages) / dt,
      nicPercent: ((a.nicBytes - b.nicBytes) / dt / h.nicBytesPerSecond) * 100,
      nicBytesPerSecond: h.nicBytesPerSecond,
      nic: 'sim0',
    }
  })
  const vms = [...world.vms.values()].map((vm) => {
    const a = after.vms.get(vm.spec.name)!
    const b = before.vms.get(vm.spec.name) ?? {cpuSec: 0, demandSec: 0}
    return {
      host: vm.host,
      site: world.hosts.get(vm.host)!.site,
      name: vm.spec.name,
      state: 'running' as const,
      vcpus: vm.spec.vcpus,
      cpuPercent: ((a.cpuSec - b.cpuSec) / dt / vm.spec.vcpus) * 100,
      // Used plus waiting for a core: what it asked for (ICAC 2006: demand, not what a busy host let it have).
      cpuDemandPercent: ((a.demandSec - b.demandSec) / dt / vm.spec.vcpus) * 100,
      memoryUsedMiB: Math.min(world.phaseOf(vm).memoryMiB, vm.memoryMiB),
      memoryMiB: vm.memoryMiB,
      maxMemoryMiB: vm.spec.maxMemoryMiB,
    }
  })
  return {timeMs: world.nowMs(), intervalSec: dt, hosts, vms}
}
