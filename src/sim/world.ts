/**
 * The simulated world of a scenario (docs/ARCHITECTURE.md, "Simulation"): hosts, and environments whose
 * VMs go through phases of demand. It only moves when stepped. `violin simulate` steps it
 * and runs a policy every interval (src/sim/engine.ts); the `sim` driver steps it as the
 * session's clock runs, so `violin adapt --connect sim:SCENARIO` runs the real loop on it.
 *
 * Each step of `step_s` seconds:
 * - environments whose start time has come start when their VMs' memory fits on their
 *   hosts (else they wait, and say so once);
 * - CPU: each host's cores are shared among its VMs as src/sim/cpu-share.ts shares them,
 *   the weight being the VM's CPU shares;
 * - memory: a guest that needs more than its allocation swaps: it runs at
 *   (allocation/need)^2 of its speed and its host writes `swap_writes_per_mib` pages/s per
 *   MiB short; with `memory.swap: false` it crashes instead, and its environment fails
 *   (ICAC 2006 section 4.4: "without adaptation the application would have crashed due to
 *   lack of available memory");
 * - network: traffic between VMs on different hosts (and to `outside`) crosses both NICs;
 *   a VM whose remote traffic crosses a NIC asked for more than its capacity slows by
 *   capacity/asked;
 * - a migrating VM runs `migration.slowdown` slower on its source until its memory is
 *   copied, then it is on the destination; the copy takes the live pre-copy model's time
 *   (src/predict/precopy.ts: its allocation, then what its phase dirties, round after
 *   round, at the migration bandwidth) plus `migration.downtime_s`;
 * - a VM's phase advances by the step times its speed (CPU got / CPU wanted, times the
 *   memory, network and migration factors); in a synchronous (MPI) environment every VM
 *   advances at the pace of the slowest.
 * What is measured is kept as counters that only grow, as a host's are: CPU seconds got and
 * wanted per VM, CPU seconds, swap pages written and NIC bytes per host.
 */
import type {TrafficView} from '../policy/cluster-view.js'
import {predictPrecopy} from '../predict/precopy.js'
import {shareCpu} from './cpu-share.js'
import {OUTSIDE, type Scenario, type ScenarioEnvironment, type ScenarioHost, type ScenarioVm} from './scenario.js'

export const DEFAULT_SHARES = 1024
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

export interface WorldVm {
  spec: ScenarioVm
  env: WorldEnv
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
  /** Counters: core-seconds received, and wanted (received + waiting for a core). */
  cpuSec: number
  demandSec: number
}

export interface WorldEnv {
  spec: ScenarioEnvironment
  vms: WorldVm[]
  startS?: number
  endS?: number
  failed?: string
  waiting: boolean
}

export interface HostCounters {
  cpuSec: number
  swapPages: number
  /** Bytes the NIC carried (what was asked of it, up to its capacity). */
  nicBytes: number
}

export class World {
  /** Seconds since the scenario began. */
  t = 0
  readonly hosts: Map<string, ScenarioHost>
  readonly envs: WorldEnv[]
  /** The VMs running now (a finished or failed VM is gone). */
  readonly vms = new Map<string, WorldVm>()
  readonly counters = new Map<string, HostCounters>()
  readonly timeline: TimelineEvent[] = []
  migrations = 0

  constructor(readonly scenario: Scenario) {
    this.hosts = new Map(scenario.hosts.map((h) => [h.name, h]))
    this.envs = scenario.environments.map((spec) => ({spec, vms: [], waiting: false}))
    for (const h of scenario.hosts) this.counters.set(h.name, {cpuSec: 0, swapPages: 0, nicBytes: 0})
    // What starts at second 0 is there for the very first reading.
    this.startEnvironments()
  }

  /** Every environment has completed or failed. */
  get over(): boolean {
    return this.envs.every((e) => e.endS !== undefined || e.failed !== undefined)
  }

  nowMs(): number {
    return SIM_EPOCH_MS + Math.round(this.t * 1000)
  }

  log(kind: TimelineKind, text: string, extra: {environment?: string; vm?: string} = {}): void {
    this.timeline.push({t_s: round(this.t), kind, ...extra, text})
  }

  /** One step of `step_s`. */
  tick(): void {
    const {stepS, maxTimeS} = this.scenario
    if (this.over) {
      this.t += stepS
      return
    }
    if (this.t >= maxTimeS) {
      for (const e of this.envs)
        if (e.endS === undefined && e.failed === undefined) this.fail(e, `not done after max_time_s (${maxTimeS} s)`)
      return
    }
    this.startEnvironments()
    this.step(stepS)
    this.t += stepS
    this.finishMigrations()
  }

  /** Steps until `seconds` more have passed (the clock of a session on this world). */
  advance(seconds: number): void {
    const until = this.t + seconds - 1e-9
    while (this.t < until) this.tick()
  }

  allocatedMiB(host: string): number {
    let sum = 0
    for (const vm of this.vms.values()) {
      if (vm.host === host) sum += vm.memoryMiB
      else if (vm.migration?.to === host) sum += vm.memoryMiB // reserved on the destination
    }
    return sum
  }

  freeMemoryMiB(host: string): number {
    return this.hosts.get(host)!.memoryMiB - this.allocatedMiB(host)
  }

  vmsOn(host: string): WorldVm[] {
    return [...this.vms.values()].filter((vm) => vm.host === host)
  }

  phaseOf(vm: WorldVm) {
    return vm.spec.phases[vm.phase]!
  }

  /** What each running VM asks to send to each other running VM now, bytes/s. */
  traffic(): TrafficView[] {
    const traffic: TrafficView[] = []
    for (const vm of this.vms.values()) {
      for (const [peer, bytes] of Object.entries(this.phaseOf(vm).traffic)) {
        if (peer !== OUTSIDE && this.vms.has(peer)) traffic.push({src: vm.spec.name, dst: peer, bytesPerSecond: bytes})
      }
    }
    return traffic
  }

  /** The environments running now, with each VM's role (what a policy needs of them). */
  runningEnvironments(): Array<{name: string; headSite: string; vms: Array<{name: string; role: 'head' | 'compute'}>}> {
    return this.envs
      .filter((e) => e.startS !== undefined && e.endS === undefined && !e.failed)
      .map((e) => ({name: e.spec.name, headSite: e.spec.headSite, vms: e.spec.vms.map((v) => ({name: v.name, role: v.role}))}))
  }

  /** Bytes/s each running VM sends and receives (to `outside` too). */
  netOf(): Map<string, number> {
    const net = new Map<string, number>()
    for (const vm of this.vms.values()) {
      for (const [peer, bytes] of Object.entries(this.phaseOf(vm).traffic)) {
        if (peer !== OUTSIDE && !this.vms.has(peer)) continue
        net.set(vm.spec.name, (net.get(vm.spec.name) ?? 0) + bytes)
        if (peer !== OUTSIDE) net.set(peer, (net.get(peer) ?? 0) + bytes)
      }
    }
    return net
  }

  // ---- what a hypervisor can be asked to do

  setShares(name: string, shares: number): void {
    this.running(name).shares = shares
  }

  /** Grows or shrinks the balloon up to what the host has free; returns what it became. */
  setMemory(name: string, mib: number): number {
    const vm = this.running(name)
    vm.memoryMiB = Math.max(0, Math.min(mib, vm.spec.maxMemoryMiB, vm.memoryMiB + Math.max(0, this.freeMemoryMiB(vm.host))))
    return vm.memoryMiB
  }

  /** Starts a live migration; the reason it cannot, or its length in seconds. */
  startMigration(name: string, to: string): {refused: string} | {seconds: number} {
    const vm = this.vms.get(name)
    const dest = this.hosts.get(to)
    if (!vm || !dest) return {refused: 'no such VM or host running'}
    if (vm.migration) return {refused: `${name} is already migrating`}
    if (vm.host === to) return {refused: `${name} is already there`}
    if (this.allocatedMiB(to) + vm.memoryMiB > dest.memoryMiB) return {refused: `${to} has no room for ${fmt(vm.memoryMiB)} MiB`}
    const copy = predictPrecopy({
      sentMiB: vm.memoryMiB,
      dirtyRateMiBs: this.phaseOf(vm).dirtyBytesPerSecond / MIB,
      bandwidthMiBs: this.scenario.migration.bytesPerSecond / MIB,
    })
    const seconds = this.scenario.migration.downtimeS + copy.totalMs / 1000
    vm.migration = {to, remainingS: seconds}
    this.migrations++
    return {seconds}
  }

  running(name: string): WorldVm {
    const vm = this.vms.get(name)
    if (!vm) throw new RangeError(`VM "${name}" is not running`)
    return vm
  }

  // ---- the steps

  private startEnvironments(): void {
    for (const env of this.envs) {
      if (env.startS !== undefined || env.failed !== undefined || env.spec.startS > this.t + 1e-9) continue
      const need = new Map<string, number>()
      for (const vm of env.spec.vms) need.set(vm.host, (need.get(vm.host) ?? 0) + vm.memoryMiB)
      const short = [...need].filter(([h, mib]) => this.allocatedMiB(h) + mib > this.hosts.get(h)!.memoryMiB).map(([h]) => h)
      if (short.length > 0) {
        if (!env.waiting)
          this.log('wait', `${env.spec.name} waits: ${short.join(', ')} cannot hold its VMs' memory yet`, {environment: env.spec.name})
        env.waiting = true
        continue
      }
      env.startS = this.t
      for (const spec of env.spec.vms) {
        const vm: WorldVm = {
          spec,
          env,
          host: spec.host,
          memoryMiB: spec.memoryMiB,
          shares: DEFAULT_SHARES,
          phase: 0,
          done: 0,
          finished: false,
          wanted: 0,
          got: 0,
          speed: 1,
          cpuSec: 0,
          demandSec: 0,
        }
        env.vms.push(vm)
        this.vms.set(spec.name, vm)
      }
      this.log('start', `${env.spec.name} starts: ${env.spec.vms.length} VM(s) on ${[...need.keys()].join(', ')}`, {
        environment: env.spec.name,
      })
    }
  }

  private fail(env: WorldEnv, why: string): void {
    env.failed = why
    for (const vm of env.vms) this.vms.delete(vm.spec.name)
    this.log('fail', `${env.spec.name} failed: ${why}`, {environment: env.spec.name})
  }

  private step(dt: number): void {
    const {memory, migration} = this.scenario
    // Memory: crash or swap.
    const swapOn = new Map<string, number>()
    const memFactor = new Map<WorldVm, number>()
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
    // CPU: each host's cores, weighed by the VMs' CPU shares.
    const active = [...this.vms.values()]
    for (const vm of active) vm.wanted = this.phaseOf(vm).cpu * vm.spec.vcpus
    for (const [name, host] of this.hosts) {
      const on = active.filter((v) => v.host === name)
      const got = shareCpu(
        host.cores,
        on.map((v) => ({wanted: v.wanted, weight: v.shares})),
      )
      for (const [i, v] of on.entries()) v.got = got[i]!
    }
    // Network: what each host's NIC is asked to carry.
    const asked = new Map<string, number>()
    const remote: Array<[WorldVm, string[]]> = []
    for (const vm of active) {
      const crosses = new Set<string>()
      for (const [peer, bytes] of Object.entries(this.phaseOf(vm).traffic)) {
        const other = peer === OUTSIDE ? undefined : this.vms.get(peer)
        if (peer !== OUTSIDE && !other) continue // the peer is not running
        if (other && other.host === vm.host) continue // IDC: through memory
        for (const h of [vm.host, other?.host])
          if (h !== undefined) {
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
    // The counters, before VMs that finish in this step leave.
    for (const vm of active) {
      vm.cpuSec += vm.got * dt
      vm.demandSec += Math.min(vm.wanted, vm.spec.vcpus) * dt
    }
    for (const [name, host] of this.hosts) {
      const c = this.counters.get(name)!
      c.cpuSec += active.filter((v) => v.host === name).reduce((s, v) => s + v.got, 0) * dt
      c.swapPages += (swapOn.get(name) ?? 0) * dt
      c.nicBytes += Math.min(asked.get(name) ?? 0, host.nicBytesPerSecond) * dt
    }
    // Progress, synchronous environments at the pace of the slowest VM.
    const byEnv = new Map<WorldEnv, WorldVm[]>()
    for (const vm of active) byEnv.set(vm.env, [...(byEnv.get(vm.env) ?? []), vm])
    for (const [env, vms] of byEnv) {
      const pace = env.spec.sync ? Math.min(...vms.filter((v) => !v.finished).map((v) => v.speed)) : undefined
      for (const vm of vms) this.advanceVm(vm, (pace ?? vm.speed) * dt)
    }
    for (const env of this.envs) {
      if (env.startS === undefined || env.endS !== undefined || env.failed !== undefined) continue
      if (env.vms.every((v) => v.finished)) {
        env.endS = this.t + dt
        for (const vm of env.vms) this.vms.delete(vm.spec.name)
        this.timeline.push({
          t_s: round(env.endS),
          kind: 'end',
          environment: env.spec.name,
          text: `${env.spec.name} done after ${fmt(env.endS - env.startS)} s`,
        })
      }
    }
  }

  private advanceVm(vm: WorldVm, by: number): void {
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
}

export const round = (x: number) => Math.round(x * 1000) / 1000
export const fmt = (x: number) => String(Math.round(x * 10) / 10)
