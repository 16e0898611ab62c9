import type {UsageReport} from '../monitor/poll.js'
import type {HostUsage, VmUsage} from '../monitor/rates.js'
import {type JsonValue, type KeysOf, toJsonValue, withEveryKey} from './output.js'

const HOST_KEYS: KeysOf<HostUsage> = {
  host: true,
  site: true,
  status: true,
  error: true,
  exitCode: true,
  cores: true,
  cpuPercent: true,
  memoryMiB: true,
  freeMemoryMiB: true,
  vms: true,
  swapWritesPerSecond: true,
  nicPercent: true,
  nicBytesPerSecond: true,
  nic: true,
}

const VM_KEYS: KeysOf<VmUsage> = {
  host: true,
  site: true,
  name: true,
  state: true,
  vcpus: true,
  cpuPercent: true,
  cpuDemandPercent: true,
  memoryUsedMiB: true,
  memoryMiB: true,
  maxMemoryMiB: true,
}

/** A host's row of `usage` as printed: every field, null when not measured. */
export const hostUsageRow = (h: HostUsage): HostUsage => withEveryKey(h, HOST_KEYS)

/** A VM's row of `usage` as printed: every field, null when not measured. */
export const vmUsageRow = (v: VmUsage): VmUsage => withEveryKey(v, VM_KEYS)

/** One reading of `usage` as printed (--json, one JSON Lines record under --watch): its end is `time`. */
export function usageReading(r: UsageReport): UsageReport {
  return {timeMs: r.timeMs, intervalSec: r.intervalSec, hosts: r.hosts.map(hostUsageRow), vms: r.vms.map(vmUsageRow)}
}

/** Which of usage's tables to print: both (the table's default), or one (csv prints one: the VMs' unless --hosts). */
export type UsageTable = 'hosts' | 'vms' | 'both'

/** usage's CSV rows: the VMs (or the hosts), each with the reading's time first. */
export function usageCsvRows(reading: UsageReport, table: UsageTable): JsonValue[] {
  const json = toJsonValue(reading) as {time: JsonValue; hosts: JsonValue[]; vms: JsonValue[]}
  return (table === 'hosts' ? json.hosts : json.vms).map((row) => ({time: json.time, ...(row as Record<string, JsonValue>)}))
}
