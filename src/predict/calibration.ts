/**
 * A calibration: per migration mode, fits of the hypervisor's job time and of the whole
 * command's time against the data that travelled, from measured migrations
 * (VTDC 2007 section 3.2: one measured migration predicts others). Pure.
 */
import {chooseFit, evaluate, type Fit, leastSquares, type Point} from './fit.js'
import type {Measurement, MigrationMode} from './measurement.js'

/**
 * Without a calibration: job time per MiB of guest memory, besides the data sent (the
 * hypervisor walks every page; VTDC 2007 saw the same in suspend and resume). Measured on
 * the test bed: idle guests of 128 MiB to 1 GiB sent 63-80 MiB each, and their job took
 * about 0.3 ms longer per MiB of memory (bench/predict-accuracy; test/bed/README.md for the
 * bed). A calibration keeps such a term only where its own migrations support it.
 */
export const DEFAULT_MEMORY_MS_PER_MIB = 0.3

/** Measurements whose sizes differ by less than this are the reps of one guest. */
const ONE_SIZE = 1.5

export interface ModeCalibration {
  /** total_ms less the memory term, against MiB sent (memory when the sent data is unknown). */
  hypervisor?: Fit
  /** wall_ms less the memory term, against the same. */
  wall?: Fit
  /** The memory term: ms per MiB of guest memory. */
  memoryMsPerMiB: number
  /**
   * fitted from guests of several sizes (kept because leaving each migration out predicts it
   * better with it), left-out (one size, or no support in the data), none (the data sent is
   * unknown: the fit is against memory), or default (a calibration older than this rule).
   */
  memoryTerm: 'fitted' | 'left-out' | 'default' | 'none'
  /** Median of wall_ms - total_ms: SSH, destination start, confirmation. */
  overheadMs?: number
  /** Median copy bandwidth the hypervisor reported, MiB/s. */
  bandwidthMiBs?: number
  /** Median measured downtime, ms. */
  downtimeMs?: number
  /**
   * Median data sent, MiB. What travels is the guest's non-zero pages, not its size: idle
   * guests of 128 MiB to 1 GiB all sent 62-80 MiB on the test bed (test/bed/README.md).
   */
  sentMiB?: number
  /**
   * What the first round sends beyond the memory the guest held (its kernel, caches, pages
   * freed but not zeroed), and how many seconds of the guest's dirtying travel again on
   * this site's link, from migrations that recorded both the memory in use and the data sent. The rate's
   * term is kept only when leaving each migration out predicts it better with it than without.
   */
  resident?: {extraMiB: number; dirtySeconds?: number; points: number; rms: number}
  /** The guests' memory sizes, for telling a prediction about a guest of another size. */
  memoryRange?: {low: number; high: number}
  /** The sizes fitted (data sent or memory, as the fit's x), for telling a prediction that extrapolates. */
  range?: {low: number; high: number}
  /**
   * From migrations that ran alongside others: how many run at full speed at once, for the
   * job and for the command's overhead around it (processor sharing, src/predict/parallel.ts).
   */
  concurrency?: {job: number; overhead?: number; points: number}
  /** Measurements fitted (those that ran alone). */
  points: number
}

/** What a violin command spends besides its migrations: reading hosts and planning before the first, the bookkeeping between two and after the last. */
export interface CommandTimes {
  /** Median lead_ms: command start to its first migration. */
  startupMs?: number
  /** Median gap_ms between two migrations run one after another. */
  gapMs?: number
  /** Median time from a command's last migration to its end (commands.jsonl). */
  tailMs?: number
  points: number
}

/** Over every command that recorded its times, and per command (a vacate reads every host first; env migrate extends the switch once for all its moves). */
export interface CommandCalibration extends CommandTimes {
  byCommand?: Record<string, CommandTimes>
}

export interface Calibration {
  version: 2
  created: string
  /** Where the measurements came from: `history` or the CSV file. */
  source: string
  modes: Partial<Record<MigrationMode, ModeCalibration>>
  command?: CommandCalibration
  /** Measurements that ran alongside others: not in the time fits (they shared the link and CPUs), used for `concurrency`. */
  concurrentLeftOut: number
  data: Measurement[]
}

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** The size a measurement is fitted against. */
export const sizeOf = (m: Measurement): number => m.sent_mib ?? m.memory_mib

/** Whether a calibration's sizes differ enough to tell a fixed time from a time per MiB. */
export const spansSizes = (range: {low: number; high: number}): boolean => range.high >= ONE_SIZE * Math.max(range.low, 1e-9)

const spans = (xs: number[]) => xs.length > 0 && Math.max(...xs) >= ONE_SIZE * Math.max(Math.min(...xs), 1e-9)

export function calibrate(
  data: Measurement[],
  source: string,
  options: {now?: Date; tails?: Array<{command: string; tailMs: number}>} = {},
): Calibration {
  if (data.length === 0) throw new RangeError(`no measured migration in ${source} to calibrate from`)
  const modes: Calibration['modes'] = {}
  const alone = data.filter((m) => m.concurrent === 1)
  for (const mode of ['live', 'stop-and-copy'] as const) {
    const rows = alone.filter((m) => m.mode === mode)
    if (rows.length === 0) continue
    const bandwidth = median(rows.filter((m) => m.bandwidth_mibs !== undefined && m.bandwidth_mibs > 0).map((m) => m.bandwidth_mibs!))
    const overheadMs = median(rows.filter((m) => m.wall_ms !== undefined && m.total_ms !== undefined).map((m) => m.wall_ms! - m.total_ms!))
    const downtimeMs = median(rows.filter((m) => m.downtime_ms !== undefined).map((m) => m.downtime_ms!))
    const sentMiB = median(rows.filter((m) => m.sent_mib !== undefined).map((m) => m.sent_mib!))
    const timed = rows.filter((m) => m.total_ms !== undefined)
    const memory = memoryTerm(timed, bandwidth)
    const less = (m: Measurement, y: number): Point => ({x: sizeOf(m), y: Math.max(0, y - memory.msPerMiB * m.memory_mib)})
    const hv = timed.map((m) => less(m, m.total_ms!))
    const wall = rows.filter((m) => m.wall_ms !== undefined).map((m) => less(m, m.wall_ms!))
    const xs = rows.map(sizeOf)
    const resident = fitResident(rows)
    const mc: ModeCalibration = {
      // The link's slope is per MiB sent: it says nothing of a fit against memory.
      ...(hv.length > 0 ? {hypervisor: fitTimes(hv, memory.term === 'none' ? undefined : bandwidth)} : {}),
      ...(wall.length > 0 ? {wall: fitTimes(wall, memory.term === 'none' ? undefined : bandwidth)} : {}),
      memoryMsPerMiB: memory.msPerMiB,
      memoryTerm: memory.term,
      ...(overheadMs === undefined ? {} : {overheadMs}),
      ...(downtimeMs === undefined ? {} : {downtimeMs}),
      ...(bandwidth === undefined ? {} : {bandwidthMiBs: bandwidth}),
      ...(sentMiB === undefined ? {} : {sentMiB}),
      ...(resident ? {resident} : {}),
      range: {low: Math.min(...xs), high: Math.max(...xs)},
      memoryRange: {low: Math.min(...rows.map((m) => m.memory_mib)), high: Math.max(...rows.map((m) => m.memory_mib))},
      points: rows.length,
    }
    const concurrency = fitConcurrency(
      mc,
      data.filter((m) => m.mode === mode && m.concurrent > 1),
    )
    modes[mode] = concurrency ? {...mc, concurrency} : mc
  }
  if (Object.keys(modes).length === 0)
    throw new RangeError(
      `every measurement in ${source} ran alongside others (concurrent > 1): at least one migration that ran alone is needed`,
    )
  const command = fitCommand(data, options.tails ?? [])
  return {
    version: 2,
    created: (options.now ?? new Date()).toISOString(),
    source,
    modes,
    ...(command ? {command} : {}),
    concurrentLeftOut: data.length - alone.length,
    data,
  }
}

/**
 * The memory term. It needs the data sent (else the fit is against memory and holds it
 * already) and guests of several sizes: with one size it cannot be told from the fixed
 * cost, and it is left out. With several, it is fitted (to what the copy leaves unexplained
 * when the hypervisor reported the copy's bandwidth, else both slopes together) and kept
 * only when predicting each migration from the others is better with it than without.
 */
function memoryTerm(rows: Measurement[], bandwidthMiBs: number | undefined): {msPerMiB: number; term: ModeCalibration['memoryTerm']} {
  if (rows.length === 0 || rows.some((m) => m.sent_mib === undefined)) return {msPerMiB: 0, term: 'none'}
  const leftOut = {msPerMiB: 0, term: 'left-out' as const}
  if (!spans(rows.map((m) => m.memory_mib))) return leftOut
  const slope = (subset: Measurement[], withMemory: boolean): number[] | undefined => {
    if (bandwidthMiBs !== undefined) {
      const b = 1000 / bandwidthMiBs
      const rest = subset.map((m) => m.total_ms! - b * m.sent_mib!)
      if (!withMemory) return [rest.reduce((a, x) => a + x, 0) / rest.length, b, 0]
      const fit = leastSquares(
        subset.map((m) => [1, m.memory_mib]),
        rest,
      )
      return fit ? [fit[0]!, b, Math.max(0, fit[1]!)] : undefined
    }
    const fit = leastSquares(
      subset.map((m) => (withMemory ? [1, m.sent_mib!, m.memory_mib] : [1, m.sent_mib!])),
      subset.map((m) => m.total_ms!),
    )
    return fit ? [fit[0]!, fit[1]!, withMemory ? Math.max(0, fit[2]!) : 0] : undefined
  }
  const all = slope(rows, true)
  if (!all || all[2]! <= 0) return leftOut
  // Leave-one-out: each migration predicted from the others, with the term and without.
  const error = (withMemory: boolean) =>
    rows.reduce((sum, m, i) => {
      const f = slope(
        rows.filter((_, j) => j !== i),
        withMemory,
      )
      return sum + (f ? Math.abs(f[0]! + f[1]! * m.sent_mib! + f[2]! * m.memory_mib - m.total_ms!) / m.total_ms! : Number.POSITIVE_INFINITY)
    }, 0)
  return error(true) < error(false) ? {msPerMiB: all[2]!, term: 'fitted'} : leftOut
}

/**
 * sent - used = extra (+ perDirty x rate): the data beyond the guest's memory in use, and
 * what dirtying adds. The rate's term needs migrations at two rates or more and must lower
 * the leave-one-out error of the data sent; else the extra alone (their median).
 */
function fitResident(rows: Measurement[]): ModeCalibration['resident'] {
  const known = rows.filter((m) => m.used_mib !== undefined && m.sent_mib !== undefined)
  if (known.length === 0) return undefined
  const beyond = known.map((m) => m.sent_mib! - m.used_mib!)
  const rates = known.map((m) => m.dirty_rate_mibs ?? 0)
  const alone = (subset: number[]) => ({extraMiB: Math.max(0, median(subset.map((i) => beyond[i]!))!)})
  const withRate = (subset: number[]) => {
    const fit = leastSquares(
      subset.map((i) => [1, rates[i]!]),
      subset.map((i) => beyond[i]!),
    )
    return fit && fit[1]! > 0 ? {extraMiB: Math.max(0, fit[0]!), dirtySeconds: fit[1]!} : undefined
  }
  const sentBy = (f: {extraMiB: number; dirtySeconds?: number}, i: number) =>
    known[i]!.used_mib! + f.extraMiB + (f.dirtySeconds ?? 0) * rates[i]!
  const rms = (f: {extraMiB: number; dirtySeconds?: number}) =>
    Math.sqrt(known.reduce((sum, m, i) => sum + (sentBy(f, i) - m.sent_mib!) ** 2, 0) / known.length)
  const all = known.map((_, i) => i)
  const fitted = new Set(rates.map((r) => Math.round(r))).size >= 2 && known.length >= 3 ? withRate(all) : undefined
  const base = alone(all)
  if (!fitted) return {...base, points: known.length, rms: rms(base)}
  // Leave-one-out on the data sent: the median alone against the line in the rate.
  let errorAlone = 0
  let errorRate = 0
  for (const i of all) {
    const others = all.filter((j) => j !== i)
    const sent = known[i]!.sent_mib!
    errorAlone += Math.abs(sentBy(alone(others), i) - sent) / sent
    const f = withRate(others)
    errorRate += f ? Math.abs(sentBy(f, i) - sent) / sent : Number.POSITIVE_INFINITY
  }
  const chosen = errorRate < errorAlone ? fitted : base
  return {...chosen, points: known.length, rms: rms(chosen)}
}

/**
 * Measurements of one size (the reps of one guest) cannot tell a fixed cost from a copy
 * cost. When the hypervisor reported the copy's bandwidth, its slope is known and the rest
 * is the fixed cost: one measured migration is enough (VTDC 2007's claim). Else the time
 * scales with the size (proportional); sizes that differ choose their own shape.
 */
function fitTimes(points: Point[], bandwidthMiBs: number | undefined): Fit {
  if (spans(points.map((p) => p.x)) || bandwidthMiBs === undefined) return chooseFit(points)
  const b = 1000 / bandwidthMiBs
  const a = Math.max(0, points.reduce((sum, p) => sum + p.y - b * p.x, 0) / points.length)
  const rms = Math.sqrt(points.reduce((sum, p) => sum + (a + b * p.x - p.y) ** 2, 0) / points.length)
  return {shape: 'linear', a, b, c: 0, rms, points: points.length, parameters: 1}
}

/**
 * How many migrations run at full speed at once, from those that ran k at once: each took
 * max(1, k / capacity) times what it takes alone (processor sharing). Fitted apart for the
 * job and for the overhead around it; on the test bed both are CPU-bound (2 cores).
 */
function fitConcurrency(mc: ModeCalibration, together: Measurement[]): ModeCalibration['concurrency'] {
  const capacity = (measured: number, aloneMs: number, k: number) => k / Math.max(1, measured / Math.max(aloneMs, 1e-9))
  const job: number[] = []
  const overhead: number[] = []
  for (const m of together) {
    if (m.total_ms === undefined || !mc.hypervisor) continue
    const aloneJob = evaluate(mc.hypervisor, sizeOf(m)) + mc.memoryMsPerMiB * m.memory_mib
    job.push(capacity(m.total_ms, aloneJob, m.concurrent))
    if (m.wall_ms !== undefined && mc.overheadMs !== undefined && mc.overheadMs > 0)
      overhead.push(capacity(m.wall_ms - m.total_ms, mc.overheadMs, m.concurrent))
  }
  const j = median(job)
  if (j === undefined) return undefined
  const o = median(overhead)
  return {job: j, ...(o === undefined ? {} : {overhead: o}), points: job.length}
}

function fitCommand(data: Measurement[], tails: Array<{command: string; tailMs: number}>): CommandCalibration | undefined {
  const all = commandTimes(
    data,
    tails.map((t) => t.tailMs),
  )
  if (!all) return undefined
  const names = [
    ...new Set([...data.map((m) => m.command), ...tails.map((t) => t.command)].filter((c): c is string => c !== undefined)),
  ].sort()
  const byCommand: Record<string, CommandTimes> = {}
  for (const name of names) {
    const times = commandTimes(
      data.filter((m) => m.command === name),
      tails.filter((t) => t.command === name).map((t) => t.tailMs),
    )
    if (times) byCommand[name] = times
  }
  return Object.keys(byCommand).length > 0 ? {...all, byCommand} : all
}

function commandTimes(data: Measurement[], tails: number[]): CommandTimes | undefined {
  const startupMs = median(data.filter((m) => m.lead_ms !== undefined).map((m) => m.lead_ms!))
  const gapMs = median(data.filter((m) => m.gap_ms !== undefined && m.concurrent === 1).map((m) => m.gap_ms!))
  const tailMs = median(tails)
  const points = data.filter((m) => m.lead_ms !== undefined || m.gap_ms !== undefined).length + tails.length
  if (points === 0) return undefined
  return {
    ...(startupMs === undefined ? {} : {startupMs}),
    ...(gapMs === undefined ? {} : {gapMs}),
    ...(tailMs === undefined ? {} : {tailMs}),
    points,
  }
}

/** The link's speed a fit implies at a size, MiB/s (the slope is ms per MiB). */
export function impliedBandwidth(fit: Fit, atMiB: number): number | undefined {
  const slope = fit.b + 2 * fit.c * atMiB
  return slope > 0 ? 1000 / slope : undefined
}

export {evaluate}
