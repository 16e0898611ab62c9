/**
 * Hand-built ClusterViews for the hotspot policies (idc, sandpiper), consistent by
 * construction: a host's CPU, free memory and NIC are derived from the VMs put on it and
 * the traffic between them unless a test says otherwise, so what the policy predicts after
 * a planned move matches what the view would show.
 */
import type {
  Action,
  ClusterView,
  EnvironmentView,
  HostView,
  Plan,
  PolicyOptions,
  TrafficView,
  VmView,
} from '../../src/policy/cluster-view.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'

export const NOW = 1_700_000_000_000
export const MB = 1_000_000
export const GIGABIT = 125 * MB

export type HostSpec = Partial<HostView> & {name: string}
export type VmSpec = Partial<VmView> & {name: string; host: string}

export function vm(name: string, host: string, extra: Partial<VmView> = {}): VmSpec {
  return {name, host, ...extra}
}

export function host(name: string, extra: Partial<HostView> = {}): HostSpec {
  return {name, ...extra}
}

/** Bytes per second between two VMs, one row of the traffic matrix. */
export const talk = (src: string, dst: string, mbPerSecond: number): TrafficView => ({src, dst, bytesPerSecond: mbPerSecond * MB})

export function cluster(spec: {
  hosts: HostSpec[]
  vms: VmSpec[]
  traffic?: TrafficView[]
  environments?: EnvironmentView[]
  options?: Partial<PolicyOptions>
}): ClusterView {
  const options = {...DEFAULT_POLICY_OPTIONS, ...spec.options}
  const vms: VmView[] = spec.vms.map((v) => ({
    vcpus: 1,
    memoryMiB: 512,
    maxMemoryMiB: 1024,
    cpuShares: 1024,
    cpu: 0.2,
    cpuDemand: v.cpu ?? 0.2,
    ...v,
  }))
  const where = new Map(vms.map((v) => [v.name, v.host]))
  const traffic = spec.traffic ?? []
  const demand = new Map<string, number>()
  const allocated = new Map<string, number>()
  for (const v of vms) {
    demand.set(v.host, (demand.get(v.host) ?? 0) + v.cpuDemand * v.vcpus)
    allocated.set(v.host, (allocated.get(v.host) ?? 0) + v.memoryMiB)
  }
  // Traffic crosses a host's NIC when one end is on the host and the other is not.
  const crossing = new Map<string, number>()
  for (const t of traffic) {
    const a = where.get(t.src)
    const b = where.get(t.dst)
    if (a === b) continue
    for (const h of [a, b]) if (h !== undefined) crossing.set(h, (crossing.get(h) ?? 0) + t.bytesPerSecond)
  }
  const hosts: HostView[] = spec.hosts.map((h) => {
    const cores = h.cores ?? 4
    const memoryMiB = h.memoryMiB ?? 4096
    const nicBytesPerSecond = h.nicBytesPerSecond ?? GIGABIT
    const cpu = h.cpu ?? (demand.get(h.name) ?? 0) / cores
    const nic = h.nic ?? (crossing.get(h.name) ?? 0) / nicBytesPerSecond
    const swapWritesPerSecond = h.swapWritesPerSecond ?? 0
    const hot = cpu > options.cpuThreshold || nic > options.nicThreshold || swapWritesPerSecond > options.swapThreshold
    return {
      site: 'east',
      cores,
      memoryMiB,
      freeMemoryMiB: memoryMiB - (allocated.get(h.name) ?? 0),
      cpu,
      swapWritesPerSecond,
      nic,
      nicBytesPerSecond,
      hotSamples: hot ? 5 : 0,
      ...h,
    }
  })
  return {nowMs: NOW, hosts, vms, environments: spec.environments ?? [], traffic}
}

export const opts = (extra: Partial<PolicyOptions> = {}): PolicyOptions => ({...DEFAULT_POLICY_OPTIONS, ...extra})

/** The plan's migrations as "vm:from->to". */
export const moves = (plan: Plan) => plan.actions.flatMap((a) => (a.kind === 'migrate' ? [`${a.vm}:${a.from}->${a.to}`] : []))
/** The plan's balloon changes as "vm:from->to". */
export const balloons = (plan: Plan) => plan.actions.flatMap((a) => (a.kind === 'set-memory' ? [`${a.vm}:${a.fromMiB}->${a.toMiB}`] : []))
export const reasonOf = (plan: Plan, vm: string) =>
  plan.actions.find((a): a is Extract<Action, {vm: string}> => 'vm' in a && a.vm === vm)?.reason ?? ''

/** The view after the plan's balloon changes are carried out, with what the hosts read next (for the next pass). */
export function afterBalloons(view: ClusterView, plan: Plan, hostChanges: Record<string, Partial<HostView>> = {}): ClusterView {
  const vms = view.vms.map((v) => {
    const a = plan.actions.find((x) => x.kind === 'set-memory' && x.vm === v.name)
    return a && a.kind === 'set-memory'
      ? {...v, memoryMiB: a.toMiB, memoryUsedMiB: v.memoryUsedMiB === undefined ? undefined : v.memoryUsedMiB + a.toMiB - a.fromMiB}
      : v
  })
  const hosts = view.hosts.map((h) => ({
    ...h,
    freeMemoryMiB: h.memoryMiB - vms.filter((v) => v.host === h.name).reduce((s, v) => s + v.memoryMiB, 0),
    ...hostChanges[h.name],
  }))
  return {...view, vms, hosts}
}

/*
 * Seed 003's four experiments (chapter 4) as views. The thesis gives the domains, their
 * groups, sessions, memory and initial hosts (Tables 4.2-4.5) and the hosts (section 4.1:
 * one Pentium 4 core, a gigabit NIC; 2 GB, or 1 GB in 4.2.2 where 512 MB go to domain 0
 * and 34 MB to the graphics card). It does not give each domain's CPU or traffic: the
 * figures below are chosen to follow its sessions (more sessions, more CPU and traffic),
 * its workload types (a database tier talks only to its web tier; a server+database domain
 * only to its clients) and the overload it reports.
 */
const P4 = {cores: 1, nicBytesPerSecond: GIGABIT}

/** Section 4.2.1, Table 4.2: CPU overload on PM1, with an isolated domain (VM4) to move. */
export function thesisIsolated(): ClusterView {
  return cluster({
    hosts: [
      host('PM1', {...P4, memoryMiB: 1502, cpuPredicted: 0.94}),
      host('PM2', {...P4, memoryMiB: 1502}),
      host('PM3', {...P4, memoryMiB: 1502}),
    ],
    vms: [
      vm('VM1', 'PM1', {memoryMiB: 256, cpuDemand: 0.27, netBytesPerSecond: 7 * MB}), // server, group 1, 55 sessions
      vm('VM2', 'PM1', {memoryMiB: 256, cpuDemand: 0.2, netBytesPerSecond: 4 * MB}), // database, group 1, 55
      vm('VM3', 'PM1', {memoryMiB: 256, cpuDemand: 0.23, netBytesPerSecond: 2.7 * MB}), // server+database, group 2, 50
      vm('VM4', 'PM1', {memoryMiB: 256, cpuDemand: 0.26, netBytesPerSecond: 3.3 * MB}), // server+database, group 3, 60
      vm('VM5', 'PM2', {memoryMiB: 256, cpuDemand: 0.25, netBytesPerSecond: 4 * MB}), // database, group 5, 55
      vm('VM6', 'PM2', {memoryMiB: 256, cpuDemand: 0.45, netBytesPerSecond: 5.5 * MB}), // server+database, group 4, 100
      vm('VM7', 'PM3', {memoryMiB: 256, cpuDemand: 0.27, netBytesPerSecond: 7 * MB}), // server, group 5, 55
    ],
    traffic: [talk('VM1', 'VM2', 4), talk('VM7', 'VM5', 4)],
  })
}

/** Section 4.2.1, Table 4.3: CPU overload on PM1, where VM3's group mate VM4 is on PM2. */
export function thesisReunion(): ClusterView {
  return cluster({
    hosts: [host('PM1', {...P4, memoryMiB: 1502, cpuPredicted: 0.93}), host('PM2', {...P4, memoryMiB: 1502})],
    vms: [
      vm('VM1', 'PM1', {memoryMiB: 256, cpuDemand: 0.33, netBytesPerSecond: 8 * MB}), // server, group 1, 85 sessions
      vm('VM2', 'PM1', {memoryMiB: 256, cpuDemand: 0.3, netBytesPerSecond: 5 * MB}), // database, group 1, 85
      vm('VM3', 'PM1', {memoryMiB: 256, cpuDemand: 0.31, netBytesPerSecond: 7.8 * MB}), // server, group 2, 80
      vm('VM4', 'PM2', {memoryMiB: 256, cpuDemand: 0.28, netBytesPerSecond: 5 * MB}), // database, group 2, 80
    ],
    traffic: [talk('VM1', 'VM2', 5), talk('VM3', 'VM4', 5)],
  })
}

/**
 * Section 4.2.2, Table 4.4: memory overload on VM1 and PM1 (478 MiB for guests, 416 of them
 * allocated). The balloon step is the thesis's 32 MB (`memoryStepMiB: 32`). `vm1MiB` is
 * VM1's memory: 64 at the first overload, 96 after the first step.
 */
export function thesisMemory(vm1MiB = 64): ClusterView {
  const pm = {...P4, memoryMiB: 478}
  return cluster({
    hosts: [host('PM1', {...pm, swapWritesPerSecond: 400, swapWritesPredicted: 380}), host('PM2', pm)],
    vms: [
      vm('VM1', 'PM1', {memoryMiB: vm1MiB, maxMemoryMiB: 256, memoryUsedMiB: vm1MiB - 1, cpuDemand: 0.2, netBytesPerSecond: 9 * MB}), // server, group 1, 70 sessions
      vm('VM2', 'PM1', {memoryMiB: 192, maxMemoryMiB: 256, memoryUsedMiB: 120, cpuDemand: 0.2, netBytesPerSecond: 6 * MB}), // database, group 1, 70
      vm('VM3', 'PM1', {memoryMiB: 160, maxMemoryMiB: 256, memoryUsedMiB: 100, cpuDemand: 0.2, netBytesPerSecond: 9 * MB}), // server, group 2, 70
      vm('VM4', 'PM2', {memoryMiB: 192, maxMemoryMiB: 256, memoryUsedMiB: 120, cpuDemand: 0.2, netBytesPerSecond: 6 * MB}), // database, group 2, 70
    ],
    traffic: [talk('VM1', 'VM2', 6), talk('VM3', 'VM4', 6)],
  })
}

/** The thesis's thresholds are the defaults (section 4.1); its balloon step was 32 MB (section 4.2.2). */
export const THESIS_OPTIONS: PolicyOptions = {...DEFAULT_POLICY_OPTIONS, memoryStepMiB: 32}

/** Section 4.2.3, Table 4.5: NIC overload on PM1, three netperf clients whose servers are on PM2 and PM3; PM4 idle. */
export function thesisNetwork(): ClusterView {
  return cluster({
    hosts: [
      host('PM1', {...P4, memoryMiB: 1502, nicPredicted: 0.9}),
      host('PM2', {...P4, memoryMiB: 1502}),
      host('PM3', {...P4, memoryMiB: 1502}),
      host('PM4', {...P4, memoryMiB: 1502}),
    ],
    vms: [
      vm('VM1', 'PM1', {memoryMiB: 256, cpuDemand: 0.15}), // netperf client, group 1
      vm('VM2', 'PM1', {memoryMiB: 256, cpuDemand: 0.15}), // netperf client, group 2
      vm('VM3', 'PM1', {memoryMiB: 256, cpuDemand: 0.15}), // netperf client, group 3
      vm('VM4', 'PM2', {memoryMiB: 256, cpuDemand: 0.2}), // netperf server, group 1
      vm('VM5', 'PM2', {memoryMiB: 256, cpuDemand: 0.2}), // netperf server, group 2
      vm('VM6', 'PM3', {memoryMiB: 256, cpuDemand: 0.2}), // netperf server, group 3
    ],
    traffic: [talk('VM1', 'VM4', 35), talk('VM2', 'VM5', 35), talk('VM3', 'VM6', 45)],
  })
}
