import type {EnvironmentRecord, EnvVmRecord} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import type {History} from '../monitor/history.js'
import type {UsageReport} from '../monitor/poll.js'
import type {ClusterView, HostView, TrafficView, VmView} from '../policy/cluster-view.js'
import type {Rule} from '../policy/rules.js'

const DEFAULT_SHARES = 1024

/** What a policy needs of an environment: its head's site and its VMs' roles. */
export type EnvironmentRoles = Pick<EnvironmentRecord, 'name' | 'headSite'> & {vms: Array<Pick<EnvVmRecord, 'name' | 'role'>>}

/**
 * The cluster as a policy sees it, from one usage reading, the history (already fed with
 * that reading) and the inventory's environments. Pure. Hosts that did not answer, and
 * VMs not running, are left out: nothing is decided on what was not seen.
 */
export function clusterView(input: {
  report: UsageReport
  history: History
  hosts: HostRecord[]
  environments: EnvironmentRoles[]
  traffic?: TrafficView[]
  /** CPU shares known from elsewhere than the history (a simulated world's own). */
  shares?: Map<string, number>
  /** Bytes/s each VM sends and receives, peers outside the cluster included, where that is known (a scenario's VMs). */
  netBytesPerSecond?: Map<string, number>
  /** The operator's placement rules (the inventory's, or a scenario's). */
  rules?: Rule[]
}): ClusterView {
  const {report, history} = input
  const nowMs = report.timeMs
  const records = new Map(input.hosts.map((h) => [h.name, h]))
  const roleOf = new Map<string, {environment: string; role: 'head' | 'compute'}>()
  for (const env of input.environments) for (const vm of env.vms) roleOf.set(vm.name, {environment: env.name, role: vm.role})
  const hosts: HostView[] = report.hosts
    .filter((h) => h.status === 'ok' && h.cores !== undefined && h.memoryMiB !== undefined)
    .map((h) => {
      const past = history.hostView(h.host, nowMs)
      return {
        name: h.host,
        site: h.site,
        cores: h.cores!,
        memoryMiB: h.memoryMiB!,
        freeMemoryMiB: h.freeMemoryMiB ?? 0,
        cpu: (h.cpuPercent ?? 0) / 100,
        ...(past.cpuPredicted === undefined ? {} : {cpuPredicted: past.cpuPredicted}),
        // A host that measured no swap or NIC (libvirt's test driver, unreadable counters) counts as idle there.
        swapWritesPerSecond: h.swapWritesPerSecond ?? 0,
        ...(past.swapWritesPredicted === undefined ? {} : {swapWritesPredicted: past.swapWritesPredicted}),
        nic: (h.nicPercent ?? 0) / 100,
        ...(past.nicPredicted === undefined ? {} : {nicPredicted: past.nicPredicted}),
        ...(h.nicBytesPerSecond === undefined ? {} : {nicBytesPerSecond: h.nicBytesPerSecond}),
        hotSamples: past.hotSamples,
        ...(past.migrating ? {migrating: true} : {}),
        ...(records.get(h.host)?.maintenance ? {maintenance: true} : {}),
      }
    })
  const seen = new Set(hosts.map((h) => h.name))
  const vms: VmView[] = report.vms
    .filter((v) => seen.has(v.host) && v.state === 'running' && v.vcpus !== undefined && v.memoryMiB !== undefined)
    .map((v) => {
      const cpu = (v.cpuDemandPercent ?? v.cpuPercent ?? 0) / 100
      const past = history.vmView(v.name)
      const env = roleOf.get(v.name)
      return {
        name: v.name,
        host: v.host,
        ...(env ? {environment: env.environment, role: env.role} : {}),
        vcpus: v.vcpus!,
        memoryMiB: v.memoryMiB!,
        maxMemoryMiB: v.maxMemoryMiB ?? v.memoryMiB!,
        cpuShares: input.shares?.get(v.name) ?? past.cpuShares ?? DEFAULT_SHARES,
        cpu,
        cpuDemand: past.cpuDemand ?? cpu,
        ...(v.memoryUsedMiB === undefined ? {} : {memoryUsedMiB: v.memoryUsedMiB}),
        ...(input.netBytesPerSecond ? {netBytesPerSecond: input.netBytesPerSecond.get(v.name) ?? 0} : {}),
        ...(past.lastMigratedMs === undefined ? {} : {lastMigratedMs: past.lastMigratedMs}),
      }
    })
  return {
    nowMs,
    hosts,
    vms,
    environments: input.environments.map((e) => ({name: e.name, headSite: e.headSite})),
    traffic: input.traffic ?? [],
    ...(input.rules?.length ? {rules: input.rules} : {}),
  }
}
