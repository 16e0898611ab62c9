/**
 * The discrete-time simulator behind `violin simulate` (docs/ARCHITECTURE.md, "Simulation"). Pure: a
 * scenario and a policy name in, run times and a timeline out; nothing touches a host.
 *
 * The world (src/sim/world.ts) is stepped `step_s` at a time. Every `interval_s` the
 * interval's averages, from the world's counters as a poll takes them from a host's, are
 * folded into a History and the ClusterView is built by src/adapt/build-cluster-view.ts, as for
 * the real loop; the policy (the very function `violin adapt` runs, from POLICIES) plans and
 * the plan is carried out as the loop's executor carries it out: one move after another
 * (an environment's 4 at once), the loop waiting, then a fresh reading over a whole
 * interval. `violin adapt --connect sim:SCENARIO` gives the same run times (tested).
 *
 * A VM reports as its CPU what it asks for (used + waiting for a core, what a guest sees as
 * steal), so a policy sees demand on a contended host, as ICAC 2006's "nearly 100% of its
 * allotted CPU" does.
 */
import {clusterView} from '../adapt/build-cluster-view.js'
import type {HostRecord} from '../inventory/host.js'
import {History, sampleFromReport} from '../monitor/history.js'
import type {UsageReport} from '../monitor/poll.js'
import {POLICIES} from '../policy/policies.js'
import {type Action, type ClusterView, ENVIRONMENT_MOVES_AT_ONCE, type Policy, type PolicyOptions} from '../policy/cluster-view.js'
import type {Scenario} from './scenario.js'
import {type CounterReading, readCounters, usageReport} from './usage-report.js'
import {type TimelineEvent, World, fmt, round} from './world.js'

export {SIM_EPOCH_MS, type TimelineEvent, type TimelineKind} from './world.js'

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
  /** Mean run time of the environments that completed (ICAC 2006 section 4.2: "average execution time for all VIOLINs"). */
  average_time_s: number | null
  /** First start to last completion (ICAC 2006: "the duration between the execution of the first VIOLIN and the completion of the last"). */
  overall_time_s: number | null
  /** VM migrations carried out (an environment move counts each of its VMs). */
  migrations: number
  failed_environments: string[]
  environments: Record<string, EnvironmentResult>
  timeline: TimelineEvent[]
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
  private readonly world: World
  private readonly history = new History()
  private lastNotes = new Set<string>()
  private last: CounterReading
  private readonly hostRecords: HostRecord[]

  constructor(
    scenario: Scenario,
    private readonly policyName: string,
    private readonly options: PolicyOptions,
  ) {
    this.world = new World(scenario)
    this.hostRecords = scenario.hosts.map((h) => ({
      name: h.name,
      site: h.site,
      transport: {kind: 'local'},
      driver: 'sim',
      uri: scenario.file,
    }))
    this.last = readCounters(this.world)
  }

  run(policy: Policy): SimulationResult {
    const {intervalS} = this.world.scenario
    let nextPass = intervalS
    while (!this.world.over) {
      this.world.tick()
      if (this.world.t + 1e-9 < nextPass) continue
      // As `violin adapt` does: after acting, measure afresh over a whole interval.
      if (this.pass(policy)) {
        this.last = readCounters(this.world)
        nextPass = this.world.t + intervalS
      } else nextPass += intervalS
    }
    return summarize(this.world, this.policyName)
  }

  /** One pass of the loop, its plan carried out; whether it acted. */
  private pass(policy: Policy): boolean {
    const w = this.world
    const now = readCounters(w)
    const report = usageReport(w, this.last, now)
    this.last = now
    this.history.record(sampleFromReport(report), this.options)
    const plan = policy(this.view(report), this.options)
    // What the policy held back, once until it changes (every pass says it again).
    const notes = new Set(plan.notes)
    for (const note of notes) if (!this.lastNotes.has(note)) w.log('note', `${this.policyName}: ${note}`)
    this.lastNotes = notes
    for (const action of plan.actions) this.apply(action)
    return plan.actions.length > 0
  }

  /**
   * The cluster as the real loop sees it (src/adapt/build-cluster-view.ts), with the
   * world's own CPU shares and what each VM sends and receives, `outside` included.
   */
  private view(report: UsageReport): ClusterView {
    const w = this.world
    const shares = new Map([...w.vms.values()].map((vm) => [vm.spec.name, vm.shares]))
    return clusterView({
      report,
      history: this.history,
      hosts: this.hostRecords,
      environments: w.runningEnvironments(),
      traffic: w.traffic(),
      shares,
      netBytesPerSecond: w.netOf(),
      rules: w.scenario.rules,
    })
  }

  private apply(action: Action): void {
    const w = this.world
    switch (action.kind) {
      case 'set-shares': {
        const vm = w.vms.get(action.vm)
        if (!vm) return
        w.setShares(action.vm, action.to)
        w.log('action', `${this.policyName}: set-shares ${action.vm} ${action.from} -> ${action.to}: ${action.reason}`, {
          environment: vm.env.spec.name,
          vm: action.vm,
        })
        return
      }
      case 'set-memory': {
        const vm = w.vms.get(action.vm)
        if (!vm) return
        const from = vm.memoryMiB
        const to = Math.min(action.toMiB, vm.spec.maxMemoryMiB, vm.memoryMiB + Math.max(0, w.freeMemoryMiB(vm.host)))
        if (to !== action.toMiB)
          w.log(
            'refused',
            `${this.policyName}: set-memory ${action.vm} to ${fmt(action.toMiB)} MiB: ${vm.host} has room for ${fmt(to)} MiB only`,
            {environment: vm.env.spec.name, vm: action.vm},
          )
        if (to === from) return
        w.log('action', `${this.policyName}: set-memory ${action.vm} ${fmt(from)} -> ${fmt(to)} MiB: ${action.reason}`, {
          environment: vm.env.spec.name,
          vm: action.vm,
        })
        w.setMemory(action.vm, to)
        return
      }
      case 'migrate':
        w.log('action', `${this.policyName}: migrate ${action.vm} ${action.from} -> ${action.to}: ${action.reason}`, {
          environment: w.vms.get(action.vm)?.env.spec.name,
          vm: action.vm,
        })
        this.migrate([{vm: action.vm, to: action.to}], 1)
        return
      case 'migrate-environment':
        w.log(
          'action',
          `${this.policyName}: migrate-environment ${action.environment} ${action.fromSite} -> ${action.toSite} (${action.moves.map((m) => `${m.vm} ${m.from}->${m.to}`).join(', ')}): ${action.reason}`,
          {environment: action.environment},
        )
        this.migrate(action.moves, ENVIRONMENT_MOVES_AT_ONCE)
        return
    }
  }

  /**
   * Carries out moves as src/adapt/execute.ts does on real hosts: the loop waits for them,
   * at most `atOnce` copying together (one for single moves, 4 for an environment's).
   */
  private migrate(moves: Array<{vm: string; to: string}>, atOnce: number): void {
    const w = this.world
    const queue = [...moves]
    const running = new Map<string, string[]>()
    const endOf = (name: string) => {
      const hosts = running.get(name)!
      running.delete(name)
      // The next reading is after the move: its hosts are judged again from now.
      this.history.endMigrating(hosts, w.nowMs())
    }
    while (queue.length > 0 || running.size > 0) {
      while (queue.length > 0 && running.size < atOnce) {
        const {vm: name, to} = queue.shift()!
        const vm = w.vms.get(name)
        const from = vm?.host
        const started = w.startMigration(name, to)
        if ('refused' in started) {
          w.log('refused', `migrate ${name} -> ${to}: ${started.refused}`, {vm: name, ...(vm ? {environment: vm.env.spec.name} : {})})
          continue
        }
        this.history.recordMigration(name, w.nowMs())
        this.history.markMigrating([from!, to], w.nowMs() + started.seconds * 1000)
        running.set(name, [from!, to])
      }
      if (running.size === 0) break
      w.tick()
      for (const name of [...running.keys()]) if (!w.vms.get(name)?.migration) endOf(name)
      if (w.over) for (const name of [...running.keys()]) endOf(name)
    }
  }
}

/** The run times of a world's environments, as the ICAC paper defines them. */
export function summarize(world: World, policyName: string): SimulationResult {
  const environments: Record<string, EnvironmentResult> = {}
  const times: number[] = []
  let first: number | undefined
  let last: number | undefined
  for (const e of world.envs) {
    const time = e.startS !== undefined && e.endS !== undefined && !e.failed ? e.endS - e.startS : null
    environments[e.spec.name] = {
      time_s: time === null ? null : round(time),
      start_s: e.startS === undefined ? null : round(e.startS),
      end_s: e.endS === undefined ? null : round(e.endS),
      ...(e.failed ? {failed: e.failed} : {}),
    }
    if (e.startS !== undefined) first = Math.min(first ?? e.startS, e.startS)
    if (time !== null) {
      times.push(time)
      last = Math.max(last ?? e.endS!, e.endS!)
    }
  }
  return {
    scenario: world.scenario.name,
    policy: policyName,
    average_time_s: times.length === 0 ? null : round(times.reduce((a, b) => a + b, 0) / times.length),
    overall_time_s: first === undefined || last === undefined ? null : round(last - first),
    migrations: world.migrations,
    failed_environments: world.envs.filter((e) => e.failed).map((e) => e.spec.name),
    environments,
    timeline: world.timeline,
  }
}
