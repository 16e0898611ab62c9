/**
 * The usage history that separate passes build on (docs/ARCHITECTURE.md, "Monitoring and history"):
 * per VM the weighted-average CPU demand (JISA 2011 section 2.2.2) and when violin last
 * moved it; per host the last k samples of CPU, swap writes and NIC for the AR(1)
 * prediction (Liang 2009 section 3.4.2), the run of hot samples, and whether it is part of
 * a running migration (not judged: "the loads are not stable during that period").
 * Kept in the store (history.json in the state dir, or etcd), written whole by the pass
 * holder, never written over when it cannot be read.
 */
import {join} from 'node:path'

import {check} from '../schema/check.js'
import {historySchema} from '../schema/measurements.js'
import {sourceOf} from '../schema/source.js'
import {openStore} from '../store/open.js'
import {stateDir} from '../store/dirs.js'
import {DOCS, type Store} from '../store/store.js'
import type {HostView, VmView} from '../policy/cluster-view.js'
import {ar1Predict, ewma} from './ar1.js'
import type {UsageReport} from './poll.js'

export interface VmHistory {
  /** Weighted-average CPU, a fraction of its vCPUs; absent until a sample is known. */
  cpuDemand?: number
  /** Samples folded into cpuDemand. */
  samples: number
  lastMigratedMs?: number
  /** The CPU shares violin last gave it (a poll does not read them: one virsh call per VM). */
  cpuShares?: number
  /** Consecutive record() calls it was absent from. */
  missed: number
}

export interface HostHistory {
  /** The last k samples, oldest first: CPU (fraction of all cores), swap writes/s, NIC (fraction). */
  cpu: number[]
  swap: number[]
  nic: number[]
  /** Consecutive samples over a threshold (the hold time). */
  hotSamples: number
  migratingUntilMs?: number
  missed: number
}

export interface HistoryData {
  version: 1
  vms: Record<string, VmHistory>
  hosts: Record<string, HostHistory>
}

/** One poll, in fractions; undefined = not known this time (skipped, never recorded). */
export interface UsageSample {
  timeMs: number
  hosts: Array<{name: string; cpu?: number; swapWritesPerSecond?: number; nic?: number}>
  vms: Array<{name: string; cpu?: number}>
}

/** Same names as PolicyOptions, so the policy's options can be passed as they are. */
export interface HotThresholds {
  cpuThreshold: number
  swapThreshold: number
  nicThreshold: number
}

export interface HistoryOptions {
  /** k: samples kept per host and metric. */
  window: number
  /** Weight of the newest sample in a VM's CPU demand. */
  alpha: number
  /** An entry absent from this many record() calls in a row is dropped (bounds the file). */
  forgetAfter: number
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = {window: 10, alpha: 0.3, forgetAfter: 20}

export type HostPredictions = Pick<HostView, 'cpuPredicted' | 'swapWritesPredicted' | 'nicPredicted'>

/** The file backend's history file; dir: the state dir (simulated runs use its sim/). */
export function usageHistoryPath(dir = stateDir()): string {
  return join(dir, 'history.json')
}

/** A usage report as a sample (fractions from percents); swap and NIC only where the host measured them. */
export function sampleFromReport(report: UsageReport): UsageSample {
  const frac = (p: number | undefined) => (p === undefined ? undefined : p / 100)
  return {
    timeMs: report.timeMs,
    hosts: report.hosts.map((h) => {
      if (h.status !== 'ok') return {name: h.host, cpu: undefined}
      return {
        name: h.host,
        cpu: frac(h.cpuPercent),
        ...(h.swapWritesPerSecond === undefined ? {} : {swapWritesPerSecond: h.swapWritesPerSecond}),
        ...(h.nicPercent === undefined ? {} : {nic: frac(h.nicPercent)}),
      }
    }),
    // What a VM asked for, when the hypervisor tells how long it waited for a core (ICAC 2006: demand, not what a busy host let it have).
    vms: report.vms.map((v) => ({name: v.name, cpu: frac(v.cpuDemandPercent ?? v.cpuPercent)})),
  }
}

const known = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0

export class History {
  readonly options: HistoryOptions
  // Maps, not plain objects: a VM may be called "__proto__".
  private readonly vms = new Map<string, VmHistory>()
  private readonly hosts = new Map<string, HostHistory>()

  constructor(
    options: Partial<HistoryOptions> = {},
    data?: HistoryData,
    /** The store it was read from; save() writes there (else to this process's store). */
    private readonly store?: Store,
  ) {
    this.options = {...DEFAULT_HISTORY_OPTIONS, ...options}
    const {window, alpha, forgetAfter} = this.options
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a whole number >= 1, got ${window}`)
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`)
    if (!Number.isInteger(forgetAfter) || forgetAfter < 1)
      throw new RangeError(`forgetAfter must be a whole number >= 1, got ${forgetAfter}`)
    for (const [name, vm] of Object.entries(data?.vms ?? {})) this.vms.set(name, vm)
    for (const [name, host] of Object.entries(data?.hosts ?? {})) this.hosts.set(name, host)
  }

  /** The history in the store; none is an empty history, an unreadable one a ConfigError. */
  static async load(options: Partial<HistoryOptions> = {}, store?: Store): Promise<History> {
    const s = store ?? (await openStore())
    const raw = await s.read(DOCS.history)
    if (raw === undefined) return new History(options, undefined, s)
    return new History(options, validate(s.where(DOCS.history), raw), s)
  }

  /** Written whole: in files a crash leaves the old or the new one. */
  async save(): Promise<void> {
    const s = this.store ?? (await openStore())
    await s.write(DOCS.history, this.toJSON() as unknown as Record<string, unknown>)
  }

  toJSON(): HistoryData {
    return {version: 1, vms: Object.fromEntries(this.vms), hosts: Object.fromEntries(this.hosts)}
  }

  /** Folds one poll in. A host is hot when any known value is over its threshold. */
  record(sample: UsageSample, thresholds: HotThresholds): void {
    const {window, alpha} = this.options
    const seenVms = new Set<string>()
    const seenHosts = new Set<string>()
    for (const v of sample.vms) {
      seenVms.add(v.name)
      const vm = this.vms.get(v.name) ?? {samples: 0, missed: 0}
      vm.missed = 0
      if (known(v.cpu)) {
        vm.cpuDemand = ewma(vm.cpuDemand, v.cpu, alpha)
        vm.samples++
      }
      this.vms.set(v.name, vm)
    }
    for (const h of sample.hosts) {
      seenHosts.add(h.name)
      const host = this.hosts.get(h.name) ?? {cpu: [], swap: [], nic: [], hotSamples: 0, missed: 0}
      host.missed = 0
      const values: Array<[number[], number | undefined, number]> = [
        [host.cpu, h.cpu, thresholds.cpuThreshold],
        [host.swap, h.swapWritesPerSecond, thresholds.swapThreshold],
        [host.nic, h.nic, thresholds.nicThreshold],
      ]
      let anyKnown = false
      let hot = false
      for (const [series, value, threshold] of values) {
        if (!known(value)) continue
        anyKnown = true
        hot ||= value > threshold
        series.push(value)
      }
      for (const [series] of values) series.splice(0, Math.max(0, series.length - window))
      // A sample with nothing known says neither hot nor cool: the run is left as it was.
      if (anyKnown) host.hotSamples = hot ? host.hotSamples + 1 : 0
      if (host.migratingUntilMs !== undefined && host.migratingUntilMs <= sample.timeMs) delete host.migratingUntilMs
      this.hosts.set(h.name, host)
    }
    this.forget(this.vms, seenVms)
    this.forget(this.hosts, seenHosts)
  }

  private forget(entries: Map<string, {missed: number}>, seen: Set<string>): void {
    for (const [name, entry] of entries) {
      if (seen.has(name)) continue
      entry.missed++
      if (entry.missed >= this.options.forgetAfter) entries.delete(name)
    }
  }

  /** AR(1) predictions of the host's next sample; undefined where no sample is known. */
  predictions(host: string): HostPredictions {
    const h = this.hosts.get(host)
    const next = (series: number[] | undefined) => (series && series.length > 0 ? ar1Predict(series).next : undefined)
    return {cpuPredicted: next(h?.cpu), swapWritesPredicted: next(h?.swap), nicPredicted: next(h?.nic)}
  }

  /** What the policy's HostView takes from the history. */
  hostView(host: string, nowMs: number): HostPredictions & Pick<HostView, 'hotSamples' | 'migrating'> {
    return {...this.predictions(host), hotSamples: this.hosts.get(host)?.hotSamples ?? 0, migrating: this.isMigrating(host, nowMs)}
  }

  /** What the policy's VmView takes from the history; cpuDemand is absent before the first known sample. */
  vmView(vm: string): Partial<Pick<VmView, 'cpuDemand' | 'lastMigratedMs' | 'cpuShares'>> {
    const v = this.vms.get(vm)
    return {cpuDemand: v?.cpuDemand, lastMigratedMs: v?.lastMigratedMs, cpuShares: v?.cpuShares}
  }

  /** Remembers the CPU shares violin gave a VM, so the next pass starts from them. */
  recordShares(vm: string, shares: number): void {
    const v = this.vms.get(vm) ?? {samples: 0, missed: 0}
    v.cpuShares = shares
    this.vms.set(vm, v)
  }

  /** Marks hosts as part of a migration until `untilMs` (a later mark extends, an earlier one never shortens). */
  markMigrating(hosts: Iterable<string>, untilMs: number): void {
    for (const name of hosts) {
      const host = this.hosts.get(name) ?? {cpu: [], swap: [], nic: [], hotSamples: 0, missed: 0}
      host.migratingUntilMs = Math.max(host.migratingUntilMs ?? untilMs, untilMs)
      this.hosts.set(name, host)
    }
  }

  /** The migrations on these hosts are over: judge them again from `untilMs`, whatever mark was there. */
  endMigrating(hosts: Iterable<string>, untilMs: number): void {
    for (const name of hosts) {
      const host = this.hosts.get(name)
      if (host) host.migratingUntilMs = untilMs
    }
  }

  isMigrating(host: string, nowMs: number): boolean {
    const until = this.hosts.get(host)?.migratingUntilMs
    return until !== undefined && nowMs < until
  }

  /** Remembers when violin moved a VM, for the cooldown. */
  recordMigration(vm: string, nowMs: number): void {
    const v = this.vms.get(vm) ?? {samples: 0, missed: 0}
    v.lastMigratedMs = nowMs
    this.vms.set(vm, v)
  }
}

function validate(path: string, raw: unknown): HistoryData {
  const data = check(historySchema, raw, sourceOf(raw, path))
  // fromEntries, not assignment: a name like "__proto__" stays an ordinary key.
  return {version: 1, vms: Object.fromEntries(Object.entries(data.vms ?? {})), hosts: Object.fromEntries(Object.entries(data.hosts ?? {}))}
}
