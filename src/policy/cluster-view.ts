/**
 * What every adaptation policy sees and says (JISA 2011 section 2.2, Liang 2009 chapter 3):
 * a snapshot of the cluster with its history folded in, and a plan of actions, each with
 * its reason in words. Policies are pure functions ClusterView -> Plan; the loop
 * (`violin adapt`) and the simulator (`violin simulate`) run the same ones.
 */
import type {Role} from '../inventory/environment-record.js'
import type {Rule} from './rules.js'

export interface VmView {
  name: string
  host: string
  environment?: string
  role?: Role
  vcpus: number
  /** Memory the VM has now (its balloon), and what it may grow to. */
  memoryMiB: number
  maxMemoryMiB: number
  /** Its CPU share (cgroup cpu.weight-style shares; libvirt's default is 1024). */
  cpuShares: number
  /** CPU used now, as a fraction of its own vCPUs (1 = every vCPU busy). */
  cpu: number
  /** The exponentially weighted CPU demand (JISA 2011's weighted average), same unit. */
  cpuDemand: number
  /** Memory the guest uses, when it reports it (balloon stats). */
  memoryUsedMiB?: number
  /** Bytes per second through its NIC (both ways). */
  netBytesPerSecond?: number
  /** When violin last moved it (ms since the epoch): the cooldown keeps it from ping-ponging. */
  lastMigratedMs?: number
}

export interface HostView {
  name: string
  site: string
  cores: number
  memoryMiB: number
  freeMemoryMiB: number
  /** CPU used, a fraction of all cores, now and as AR(1) predicts the next sample. */
  cpu: number
  cpuPredicted?: number
  /** Memory pressure: swap pages written per second, now and predicted (Liang 2009). */
  swapWritesPerSecond: number
  swapWritesPredicted?: number
  /** NIC utilisation, a fraction of the NIC's capacity, now and predicted. */
  nic: number
  nicPredicted?: number
  /** NIC capacity, bytes per second (for the network benefit's bound). */
  nicBytesPerSecond?: number
  /** Samples in a row this host has been over a threshold (the hold time). */
  hotSamples: number
  /** In maintenance (`host drain`): nothing new lands here. */
  maintenance?: boolean
  /** Part of a running migration: not judged this pass. */
  migrating?: boolean
}

/** Bytes per second one VM sends another, from the switch mesh's traffic matrix (or a scenario). */
export interface TrafficView {
  src: string
  dst: string
  bytesPerSecond: number
}

export interface EnvironmentView {
  name: string
  headSite: string
}

export interface ClusterView {
  nowMs: number
  hosts: HostView[]
  vms: VmView[]
  environments: EnvironmentView[]
  traffic: TrafficView[]
  /** The operator's placement rules (`violin rule`, a scenario's `rules`): every plan obeys them. */
  rules?: Rule[]
}

export type Action =
  | {kind: 'set-shares'; vm: string; host: string; from: number; to: number; reason: string}
  | {kind: 'set-memory'; vm: string; host: string; fromMiB: number; toMiB: number; reason: string}
  | {kind: 'migrate'; vm: string; from: string; to: string; reason: string; predictedMs?: number}
  | {
      kind: 'migrate-environment'
      environment: string
      fromSite: string
      toSite: string
      moves: Array<{vm: string; from: string; to: string}>
      reason: string
      predictedMs?: number
    }

/** An environment's moves run this many at once (the executor's and the simulator's rule; `env migrate --max-parallel` defaults to 2). */
export const ENVIRONMENT_MOVES_AT_ONCE = 4

export interface Plan {
  policy: string
  actions: Action[]
  /** What the policy saw and chose not to act on, in words (held back by a guard, nothing fits...). */
  notes: string[]
}

/** The knobs every policy shares (the guards) and the thresholds each reads. */
export interface PolicyOptions {
  /** violin: a VM is high-demand above this weighted-average CPU, low below `low`. */
  high: number
  low: number
  /** idc: hotspot thresholds (current and predicted both over). */
  cpuThreshold: number
  swapThreshold: number
  nicThreshold: number
  /** idc: balloon step, MiB. */
  memoryStepMiB: number
  /** Guards. */
  maxMigrations: number
  cooldownMs: number
  holdSamples: number
  /** A move must lower the spread (violin) or the hotspot's load (idc, sandpiper) by at least this much. */
  minImprovement: number
}

export const DEFAULT_POLICY_OPTIONS: PolicyOptions = {
  high: 0.75,
  low: 0.25,
  cpuThreshold: 0.85,
  swapThreshold: 150,
  nicThreshold: 0.8,
  memoryStepMiB: 64,
  maxMigrations: 2,
  cooldownMs: 10 * 60_000,
  holdSamples: 2,
  minImprovement: 0.01,
}

export type Policy = (view: ClusterView, options: PolicyOptions) => Plan
