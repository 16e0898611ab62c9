/**
 * The discrete-time simulator behind `violin simulate` (DESIGN "Simulation"). Pure: a
 * scenario and a policy name in, run times and a timeline out; nothing touches a host.
 *
 * Each step of `step_s` seconds:
 * - environments whose start time has come start when their VMs' memory fits on their
 *   hosts (else they wait, and say so once);
 * - CPU: each host's cores are shared among its VMs by weighted max-min fair share (the
 *   water-filling form of src/sim/cluster.ts's rule: when every VM wants the same, each
 *   gets cores/demand of what it wants), the weight being the VM's CPU shares;
 * - memory: a guest that needs more than its allocation swaps: it runs at
 *   (allocation/need)^2 of its speed and its host writes `swap_writes_per_mib` pages/s per
 *   MiB short; with `memory.swap: false` it crashes instead, and its environment fails
 *   (ICAC 2006 section 4.4: "without adaptation the application would have crashed due to
 *   lack of available memory");
 * - network: traffic between VMs on different hosts (and to `outside`) crosses both NICs;
 *   a VM whose remote traffic crosses a NIC asked for more than its capacity slows by
 *   capacity/asked;
 * - a migrating VM runs `migration.slowdown` slower on its source until its memory is
 *   copied (memory / bandwidth + downtime: the simple bandwidth model, until the
 *   prediction model of DESIGN "Prediction" exists), then it is on the destination;
 * - a VM's phase advances by the step times its speed (CPU got / CPU wanted, times the
 *   memory, network and migration factors); in a synchronous (MPI) environment every VM
 *   advances at the pace of the slowest.
 * Every `interval_s` the interval's averages are folded into a History and a ClusterView
 * is built as src/adapt/view.ts builds it for the real loop; the policy (the very function
 * `violin adapt` runs, from POLICIES) plans and the plan is carried out.
 *
 * A VM reports as its CPU what it asks for (used + waiting for a core, what a guest sees as
 * steal), so a policy sees demand on a contended host, as seed 002's "nearly 100% of its
 * allotted CPU" does.
 */
import {History} from '../monitor/history.js'
import {POLICIES} from '../policy/policies.js'
import type {Action, ClusterView, HostView, Policy, PolicyOptions, TrafficView, VmView} from '../policy/view.js'
import {OUTSIDE, type Scenario, type ScenarioEnvironment, type ScenarioHost, type ScenarioVm} from './scenario.js'

const DEFAULT_SHARES = 1024
/** The simulated epoch: second 0 of every run. */
export const SIM_EPOCH_MS = Date.parse('2026-01-01T00:00:00Z')
const MIB = 1024 * 1024

export type TimelineKind = 'wait' | 'start' | 'end' | 'fail' | 'action' | 'refused' | 'migrated' | 'note'

export interface TimelineEvent {
  t_s: number
  kind: TimelineKind
  environment?: string
  vm?: string
  text: string
}

export interface EnvironmentResult {
  /** Start to the end of its last VM, seconds; null when it failed or never ran. */
  time_s: number | null
  start_s: number | null
  end_s: number | null
  failed?: string
}

export interface SimulationResult {
  scenario: string
  policy: string
  /** Mean run time of the environments that completed (seed 002 section 4.2: "average execution time for all VIOLINs"). */
  average_time_s: number | null
  /** First start to last completion (seed 002: "the duration between the execution of the first VIOLIN and the completion of the last"). */
  overall_time_s: number | null
  /** VM migrations carried out (an environment move counts each of its VMs). */
  migrations: number
  failed_environments: string[]
  environments: Record<string, EnvironmentResult>
  timeline: TimelineEvent[]
}

interface VmState {
  spec: ScenarioVm
  env: EnvState
  host: string
  memoryMiB: number
  shares: number
  phase: number
  /** Seconds at full speed done in the current phase. */
  done: number
  finished: boolean
  migration?: {to: string; remainingS: number}
  /** This step: CPU cores wanted and received, speed factor. */
  wanted: number
  got: number
  speed: number
}

interface EnvState {
  spec: ScenarioEnvironment
  vms: VmState[]
  startS?: number
  endS?: number
  failed?: string
  waiting: boolean
}

interface Accum {
  steps: number
  host: Map<string, {cpu: number; swap: number; nic: number}>
  vm: Map<string, number>
}

export interface SimulateOptions {
  /** Overrides of the scenario's policy options. */
  policyOptions?: Partial<PolicyOptions>
}

export function simulate(scenario: Scenario, policyName: string, opts: SimulateOptions = {}): SimulationResult {
  const policy = POLICIES[policyName]
  if (!policy) throw new RangeError(`unknown policy "${policyName}"`)
  return new Engine(scenario, policyName, {...scenario.policyOptions, ...opts.policyOptions}).run(policy)
}

class Engine {
  private t = 0
  private readonly hosts: Map<string, ScenarioHost>
  private readonly envs: EnvState[]
  private readonly vms = new Map<string, VmState>()
  private readonly history = new History()
  private readonly timeline: TimelineEvent[] = []
  private migrations = 0
  private lastNotes = new Set<string>()
  private acc: Accum = {steps: 0, host: new Map(), vm: new Map()}

  constructor(
    private readonly scenario: Scenario,
    private readonly policyName: string,
    private readonly options: PolicyOptions,
  ) {
    this.hosts = new Map(scenario.hosts.map((h) => [h.name, h]))
    this.envs = scenario.environments.map((spec) => ({spec, vms: [], waiting: false}))
  }

  private log(kind: TimelineKind, text: string, extra: {environment?: string; vm?: string} = {}): void {
    this.timeline.push({t_s: round(this.t), kind, ...extra, text})
  }

  run(policy: Policy): SimulationResult {
    const {stepS, intervalS, maxTimeS} = this.scenario
    let nextPass = intervalS
    while (this.envs.some((e) => e.endS === undefined && e.failed === undefined)) {
      if (this.t >= maxTimeS) {
        for (const e of this.envs) if (e.endS === undefined && e.failed === undefined) this.fail(e, `not done after max_time_s (${maxTimeS} s)`)
        break
      }
      this.startEnvironments()
      this.step(stepS)
      this.t += stepS
      this.finishMigrations()
      if (this.t + 1e-9 >= nextPass) {
        nextPass += intervalS
        this.pass(policy)
      }
    }
    return this.result()
  }

  // ---- the world

  private allocatedMiB(host: string): number {
    let sum = 0
    for (const vm of this.vms.values()) {
      if (vm.host === host) sum += vm.memoryMiB
      else if (vm.migration?.to === host) sum += vm.memoryMiB // reserved on the destination
    }
    return sum
  }

  private vmsOn(host: string): VmState[] {
    return [...this.vms.values()].filter((vm) => vm.host === host)
  }

  private startEnvironments(): void {
    for (const env of this.envs) {
      if (env.startS !== undefined || env.failed !== undefined || env.spec.startS > this.t + 1e-9) continue
      const need = new Map<string, number>()
      for (const vm of env.spec.vms) need.set(vm.host, (need.get(vm.host) ?? 0) + vm.memoryMiB)
      const short = [...need].filter(([h, mib]) => this.allocatedMiB(h) + mib > this.hosts.get(h)!.memoryMiB).map(([h]) => h)
      if (short.length > 0) {
        if (!env.waiting) this.log('wait', `${env.spec.name} waits: ${short.join(', ')} cannot hold its VMs' memory yet`, {environment: env.spec.name})
        env.waiting = true
        continue
      }
      env.startS = this.t
      for (const spec of env.spec.vms) {
        const vm: VmState = {spec, env, host: spec.host, memoryMiB: spec.memoryMiB, shares: DEFAULT_SHARES, phase: 0, done: 0, finished: false, wanted: 0, got: 0, speed: 1}
        env.vms.push(vm)
        this.vms.set(spec.name, vm)
      }
      this.log('start', `${env.spec.name} starts: ${env.spec.vms.length} VM(s) on ${[...need.keys()].join(', ')}`, {environment: env.spec.name})
    }
  }

  private fail(env: EnvState, why: string): void {
    env.failed = why
    for (const vm of env.vms) this.vms.delete(vm.spec.name)
    this.log('fail', `${env.spec.name} failed: ${why}`, {environment: env.spec.name})
  }

  private phaseOf(vm: VmState) {
    return vm.spec.phases[vm.phase]!
  }

  private step(dt: number): void {
    const {memory, migration} = this.scenario
    // Memory: crash or swap.
    const swapOn = new Map<string, number>()
    const memFactor = new Map<VmState, number>()
    for (const vm of [...this.vms.values()]) {
      if (vm.env.failed) continue
      const need = this.phaseOf(vm).memoryMiB
      if (need <= vm.memoryMiB) {
        memFactor.set(vm, 1)
        continue
      }
      if (!memory.swap) {
        this.fail(vm.env, `${vm.spec.name} needs ${fmt(need)} MiB of memory and has ${fmt(vm.memoryMiB)} MiB (no swap): out of memory`)
        continue
      }
      memFactor.set(vm, (vm.memoryMiB / need) ** 2)
      swapOn.set(vm.host, (swapOn.get(vm.host) ?? 0) + (need - vm.memoryMiB) * memory.swapWritesPerMiB)
    }
    // CPU: weighted max-min fair share per host.
    const active = [...this.vms.values()]
    for (const vm of active) vm.wanted = this.phaseOf(vm).cpu * vm.spec.vcpus
    for (const [name, host] of this.hosts) fairShare(host.cores, active.filter((v) => v.host === name))
    // Network: what each host's NIC is asked to carry.
    const asked = new Map<string, number>()
    const remote: Array<[VmState, string[]]> = []
    for (const vm of active) {
      const crosses = new Set<string>()
      for (const [peer, bytes] of Object.entries(this.phaseOf(vm).traffic)) {
        const other = peer === OUTSIDE ? undefined : this.vms.get(peer)
        if (peer !== OUTSIDE && !other) continue // the peer is not running
        if (other && other.host === vm.host) continue // IDC: through memory
        for (const h of [vm.host, other?.host]) if (h !== undefined) {
          asked.set(h, (asked.get(h) ?? 0) + bytes)
          crosses.add(h)
        }
      }
      remote.push([vm, [...crosses]])
    }
    for (const [vm, crosses] of remote) {
      let net = 1
      for (const h of crosses) net = Math.min(net, this.hosts.get(h)!.nicBytesPerSecond / Math.max(1, asked.get(h)!))
      const cpu = vm.wanted > 0 ? vm.got / vm.wanted : 1
      vm.speed = Math.min(1, cpu) * Math.min(1, net) * (memFactor.get(vm) ?? 1) * (vm.migration ? 1 - migration.slowdown : 1)
    }
    // Progress, synchronous environments at the pace of the slowest VM.
    const byEnv = new Map<EnvState, VmState[]>()
    for (const vm of active) byEnv.set(vm.env, [...(byEnv.get(vm.env) ?? []), vm])
    for (const [env, vms] of byEnv) {
      const pace = env.spec.sync ? Math.min(...vms.filter((v) => !v.finished).map((v) => v.speed)) : undefined
      for (const vm of vms) this.advance(vm, (pace ?? vm.speed) * dt)
    }
    // The interval's averages, for the next policy pass.
    this.acc.steps++
    for (const [name, host] of this.hosts) {
      const a = this.acc.host.get(name) ?? {cpu: 0, swap: 0, nic: 0}
      a.cpu += active.filter((v) => v.host === name).reduce((s, v) => s + v.got, 0) / host.cores
      a.swap += swapOn.get(name) ?? 0
      a.nic += Math.min(1, (asked.get(name) ?? 0) / host.nicBytesPerSecond)
      this.acc.host.set(name, a)
    }
    for (const vm of active) this.acc.vm.set(vm.spec.name, (this.acc.vm.get(vm.spec.name) ?? 0) + Math.min(1, vm.wanted / vm.spec.vcpus))
    for (const env of this.envs) {
      if (env.startS === undefined || env.endS !== undefined || env.failed !== undefined) continue
      if (env.vms.every((v) => v.finished)) {
        env.endS = this.t + dt
        for (const vm of env.vms) this.vms.delete(vm.spec.name)
        this.timeline.push({t_s: round(env.endS), kind: 'end', environment: env.spec.name, text: `${env.spec.name} done after ${fmt(env.endS - env.startS)} s`})
      }
    }
  }

  private advance(vm: VmState, by: number): void {
    let left = by
    while (!vm.finished && left > 0) {
      const phase = this.phaseOf(vm)
      const need = phase.seconds - vm.done
      if (left < need - 1e-9) {
        vm.done += left
        return
      }
      left -= need
      vm.done = 0
      if (vm.phase + 1 < vm.spec.phases.length) vm.phase++
      else {
        vm.finished = true
        this.vms.delete(vm.spec.name) // shut down: its cores and memory are free
      }
    }
  }

  private finishMigrations(): void {
    for (const vm of this.vms.values()) {
      if (!vm.migration) continue
      vm.migration.remainingS -= this.scenario.stepS
      if (vm.migration.remainingS > 1e-9) continue
      const from = vm.host
      vm.host = vm.migration.to
      delete vm.migration
      this.log('migrated', `${vm.spec.name} is on ${vm.host} (from ${from})`, {environment: vm.env.spec.name, vm: vm.spec.name})
    }
  }

  // ---- the policy

  private nowMs(): number {
    return SIM_EPOCH_MS + Math.round(this.t * 1000)
  }

  private pass(policy: Policy): void {
    const n = Math.max(1, this.acc.steps)
    const nowMs = this.nowMs()
    this.history.record(
      {
        timeMs: nowMs,
        hosts: this.scenario.hosts.map((h) => {
          const a = this.acc.host.get(h.name) ?? {cpu: 0, swap: 0, nic: 0}
          return {name: h.name, cpu: a.cpu / n, swapWritesPerSecond: a.swap / n, nic: a.nic / n}
        }),
        vms: [...this.vms.values()].map((vm) => ({name: vm.spec.name, cpu: (this.acc.vm.get(vm.spec.name) ?? 0) / n})),
      },
      this.options,
    )
    const view = this.view(nowMs, n)
    this.acc = {steps: 0, host: new Map(), vm: new Map()}
    const plan = policy(view, this.options)
    // What the policy held back, once until it changes (every pass says it again).
    const notes = new Set(plan.notes)
    for (const note of notes) if (!this.lastNotes.has(note)) this.log('note', `${this.policyName}: ${note}`)
    this.lastNotes = notes
    for (const action of plan.actions) this.apply(action)
  }

  /** The cluster as src/adapt/view.ts builds it for the real loop: this reading, the history, the environments. */
  private view(nowMs: number, n: number): ClusterView {
    const hosts: HostView[] = this.scenario.hosts.map((h) => {
      const a = this.acc.host.get(h.name) ?? {cpu: 0, swap: 0, nic: 0}
      const past = this.history.hostView(h.name, nowMs)
      return {
        name: h.name,
        site: h.site,
        cores: h.cores,
        memoryMiB: h.memoryMiB,
        freeMemoryMiB: h.memoryMiB - this.allocatedMiB(h.name),
        cpu: a.cpu / n,
        ...(past.cpuPredicted === undefined ? {} : {cpuPredicted: past.cpuPredicted}),
        swapWritesPerSecond: a.swap / n,
        ...(past.swapWritesPredicted === undefined ? {} : {swapWritesPredicted: past.swapWritesPredicted}),
        nic: a.nic / n,
        ...(past.nicPredicted === undefined ? {} : {nicPredicted: past.nicPredicted}),
        nicBytesPerSecond: h.nicBytesPerSecond,
        hotSamples: past.hotSamples,
        ...(past.migrating ? {migrating: true} : {}),
      }
    })
    const traffic: TrafficView[] = []
    const netOf = new Map<string, number>()
    for (const vm of this.vms.values()) {
      for (const [peer, bytes] of Object.entries(this.phaseOf(vm).traffic)) {
        if (peer !== OUTSIDE && !this.vms.has(peer)) continue
        netOf.set(vm.spec.name, (netOf.get(vm.spec.name) ?? 0) + bytes)
        if (peer === OUTSIDE) continue
        netOf.set(peer, (netOf.get(peer) ?? 0) + bytes)
        traffic.push({src: vm.spec.name, dst: peer, bytesPerSecond: bytes})
      }
    }
    const vms: VmView[] = [...this.vms.values()].map((vm) => {
      const cpu = (this.acc.vm.get(vm.spec.name) ?? 0) / n
      const past = this.history.vmView(vm.spec.name)
      return {
        name: vm.spec.name,
        host: vm.host,
        environment: vm.env.spec.name,
        role: vm.spec.role,
        vcpus: vm.spec.vcpus,
        memoryMiB: vm.memoryMiB,
        maxMemoryMiB: vm.spec.maxMemoryMiB,
        cpuShares: vm.shares,
        cpu,
        cpuDemand: past.cpuDemand ?? cpu,
        memoryUsedMiB: Math.min(this.phaseOf(vm).memoryMiB, vm.memoryMiB),
        netBytesPerSecond: netOf.get(vm.spec.name) ?? 0,
        ...(past.lastMigratedMs === undefined ? {} : {lastMigratedMs: past.lastMigratedMs}),
      }
    })
    const environments = this.envs.filter((e) => e.startS !== undefined && e.endS === undefined && !e.failed).map((e) => ({name: e.spec.name, headSite: e.spec.headSite}))
    return {nowMs, hosts, vms, environments, traffic}
  }

  private apply(action: Action): void {
    switch (action.kind) {
      case 'set-shares': {
        const vm = this.vms.get(action.vm)
        if (!vm) return
        vm.shares = action.to
        this.log('action', `${this.policyName}: set-shares ${action.vm} ${action.from} -> ${action.to}: ${action.reason}`, {environment: vm.env.spec.name, vm: action.vm})
        return
      }
      case 'set-memory': {
        const vm = this.vms.get(action.vm)
        if (!vm) return
        const free = this.hosts.get(vm.host)!.memoryMiB - this.allocatedMiB(vm.host)
        const to = Math.min(action.toMiB, vm.spec.maxMemoryMiB, vm.memoryMiB + Math.max(0, free))
        if (to !== action.toMiB) this.log('refused', `${this.policyName}: set-memory ${action.vm} to ${fmt(action.toMiB)} MiB: ${vm.host} has room for ${fmt(to)} MiB only`, {environment: vm.env.spec.name, vm: action.vm})
        if (to === vm.memoryMiB) return
        this.log('action', `${this.policyName}: set-memory ${action.vm} ${fmt(vm.memoryMiB)} -> ${fmt(to)} MiB: ${action.reason}`, {environment: vm.env.spec.name, vm: action.vm})
        vm.memoryMiB = to
        return
      }
      case 'migrate':
        this.log('action', `${this.policyName}: migrate ${action.vm} ${action.from} -> ${action.to}: ${action.reason}`, {environment: this.vms.get(action.vm)?.env.spec.name, vm: action.vm})
        this.migrate(action.vm, action.to)
        return
      case 'migrate-environment':
        this.log('action', `${this.policyName}: migrate-environment ${action.environment} ${action.fromSite} -> ${action.toSite} (${action.moves.map((m) => `${m.vm} ${m.from}->${m.to}`).join(', ')}): ${action.reason}`, {environment: action.environment})
        for (const m of action.moves) this.migrate(m.vm, m.to)
        return
    }
  }

  private migrate(name: string, to: string): void {
    const vm = this.vms.get(name)
    const dest = this.hosts.get(to)
    const refuse = (why: string) => this.log('refused', `migrate ${name} -> ${to}: ${why}`, {vm: name, ...(vm ? {environment: vm.env.spec.name} : {})})
    if (!vm || !dest) return refuse('no such VM or host running')
    if (vm.migration) return refuse(`${name} is already migrating`)
    if (vm.host === to) return refuse(`${name} is already there`)
    if (this.allocatedMiB(to) + vm.memoryMiB > dest.memoryMiB) return refuse(`${to} has no room for ${fmt(vm.memoryMiB)} MiB`)
    const seconds = this.scenario.migration.downtimeS + (vm.memoryMiB * MIB) / this.scenario.migration.bytesPerSecond
    vm.migration = {to, remainingS: seconds}
    this.migrations++
    const nowMs = this.nowMs()
    this.history.recordMigration(name, nowMs)
    // Not judged until a whole interval after the move: the interval's sample mixes before and after.
    this.history.markMigrating([vm.host, to], nowMs + (seconds + this.scenario.intervalS) * 1000)
  }

  private result(): SimulationResult {
    const environments: Record<string, EnvironmentResult> = {}
    const times: number[] = []
    let first: number | undefined
    let last: number | undefined
    for (const e of this.envs) {
      const time = e.startS !== undefined && e.endS !== undefined && !e.failed ? e.endS - e.startS : null
      environments[e.spec.name] = {time_s: time === null ? null : round(time), start_s: e.startS === undefined ? null : round(e.startS), end_s: e.endS === undefined ? null : round(e.endS), ...(e.failed ? {failed: e.failed} : {})}
      if (e.startS !== undefined) first = Math.min(first ?? e.startS, e.startS)
      if (time !== null) {
        times.push(time)
        last = Math.max(last ?? e.endS!, e.endS!)
      }
    }
    return {
      scenario: this.scenario.name,
      policy: this.policyName,
      average_time_s: times.length === 0 ? null : round(times.reduce((a, b) => a + b, 0) / times.length),
      overall_time_s: first === undefined || last === undefined ? null : round(last - first),
      migrations: this.migrations,
      failed_environments: this.envs.filter((e) => e.failed).map((e) => e.spec.name),
      environments,
      timeline: this.timeline,
    }
  }
}

/**
 * Weighted max-min fair share of `cores` among VMs wanting `wanted` cores each, weights
 * their CPU shares: a VM that wants less than its weighted part gets what it wants and the
 * rest is shared again. Sets `got` on each.
 */
export function fairShare(cores: number, vms: Array<{wanted: number; shares: number; got: number}>): void {
  for (const vm of vms) vm.got = 0
  let left = cores
  let open = vms.filter((v) => v.wanted > 0)
  while (open.length > 0 && left > 1e-12) {
    const weight = open.reduce((s, v) => s + v.shares, 0)
    const satisfied = open.filter((v) => v.wanted - v.got <= (left * v.shares) / weight + 1e-12)
    if (satisfied.length === 0) {
      for (const v of open) v.got += (left * v.shares) / weight
      return
    }
    for (const v of satisfied) {
      left -= v.wanted - v.got
      v.got = v.wanted
    }
    open = open.filter((v) => !satisfied.includes(v))
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000
const fmt = (x: number) => String(Math.round(x * 10) / 10)
