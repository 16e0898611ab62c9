/**
 * One migration's estimate: the pre-copy rounds (or one stop-and-copy) on the link, the
 * fixed costs around them, from a calibration when there is one. Pure.
 */
import {type Calibration, DEFAULT_MEMORY_MS_PER_MIB, evaluate, impliedBandwidth, type ModeCalibration} from './calibration.js'
import type {MigrationMode} from './measurement.js'
import {linkCost, type MigrationCost, parallel} from './parallel.js'
import {DEFAULT_MAX_ROUNDS, type PrecopyInput, predictPrecopy} from './precopy.js'

/** Without a calibration (measured on the test bed, test/bed/README.md). */
export const DEFAULTS = {
  /** A gigabit link. */
  bandwidthMiBs: 119,
  /** Hypervisor job time that depends on neither the data sent nor the memory (the memory term is DEFAULT_MEMORY_MS_PER_MIB). */
  fixedMs: 420,
  /** SSH, destination start and confirmation around the job: ~3.4 s wall against ~0.6 s job. */
  overheadMs: 2800,
  /** Switch-over pause besides the last round. */
  downtimeMs: 30,
  /** A violin command's start to its first migration (reading the hosts, planning): the median lead_ms of 47 moves on the test bed. */
  startupMs: 800,
  /** Between two migrations one after another (the history, the switch): the median gap_ms of 12 on the test bed. */
  gapMs: 200,
  /** After the last migration to the command's end (the history, the switch, closing connections): what the bed's batches took beyond their recorded parts, 0.6-1.3 s. */
  tailMs: 1000,
  /** Spread when fewer than 3 measurements say what it is: +-25%. */
  relativeSpread: 0.25,
}

export interface MigrationQuery {
  mode: MigrationMode
  memoryMiB: number
  /** Data the first round sends (the guest's non-zero pages); default: what the calibration's migrations sent (at most the memory), else the memory. */
  sentMiB?: number
  dirtyRateMiBs?: number
  bandwidthMiBs?: number
  /** How many migrations run at once, sharing the link. */
  concurrent?: number
}

export interface Interval {
  low_ms: number
  high_ms: number
}

/** What makes a live migration that cannot converge finish, and its cost. */
export interface Remedy {
  remedy: 'timeout' | 'auto-converge' | 'stop-and-copy'
  /** The violin command that does it, VM and HOST to fill in. */
  migrate: string
  /** The predicted pause and job time; null when this remedy does not converge either. */
  downtime_ms: number | null
  total_ms: number | null
}

/** The stable JSON of `violin predict migration`. */
export interface MigrationPrediction {
  total_ms: number
  downtime_ms: number
  wall_ms: number
  sent_mib: number
  interval: {total: Interval; wall: Interval}
  rounds: number
  bandwidth_mibs: number
  calibrated: boolean
  /** false: the pre-copy rounds never shrink to the downtime limit, so a plain live migration never ends. */
  converges: boolean
  /** When it does not converge, what would make it finish; else empty. */
  remedies: Remedy[]
}

/** A migration's parts alone, before sharing: the job's fixed part and copy, the command's overhead. */
interface Parts {
  /** The job's part that does not depend on the link: the fit's intercept and the memory term. */
  fixedMs: number
  copyMs: number
  overheadMs: number
}

/**
 * How the parts share with other migrations at once: measured capacities when the
 * calibration saw migrations run together, else the fixed costs overlap and the copies
 * share one link.
 */
function jobCost(cal: ModeCalibration | undefined, p: Parts): MigrationCost {
  const c = cal?.concurrency
  return c ? {phases: [{ms: p.fixedMs + p.copyMs, capacity: c.job}]} : linkCost(p.fixedMs, p.copyMs)
}

function overheadCost(cal: ModeCalibration | undefined, p: Parts): MigrationCost {
  return {phases: [{ms: p.overheadMs, capacity: cal?.concurrency?.overhead ?? Number.POSITIVE_INFINITY}]}
}

/** One migration as a cost several at once share (src/predict/parallel.ts), with its prediction alone. */
export function migrationCost(calibration: Calibration | undefined, memoryMiB: number): MigrationCost & {prediction: MigrationPrediction} {
  const {prediction, parts} = predictParts(calibration, {mode: 'live', memoryMiB})
  const cal = calibration?.modes.live
  return {phases: [...jobCost(cal, parts).phases, ...overheadCost(cal, parts).phases], prediction}
}

/** What a violin command spends besides its migrations: that command's measured times, else every command's, else the bed's defaults. */
export function commandCost(calibration: Calibration | undefined, command?: string): {startupMs: number; gapMs: number; tailMs: number} {
  const all = calibration?.command
  const own = command === undefined ? undefined : all?.byCommand?.[command]
  return {
    startupMs: own?.startupMs ?? all?.startupMs ?? DEFAULTS.startupMs,
    gapMs: own?.gapMs ?? all?.gapMs ?? DEFAULTS.gapMs,
    tailMs: own?.tailMs ?? all?.tailMs ?? DEFAULTS.tailMs,
  }
}

export function predictMigration(calibration: Calibration | undefined, q: MigrationQuery): MigrationPrediction {
  const {prediction, parts, firstRoundMs} = predictParts(calibration, q)
  if (prediction.converges) return prediction
  const timeoutSec = Math.max(1, Math.ceil((parts.fixedMs + firstRoundMs) / 1000))
  // With --timeout the guest pauses once the first round is through: later rounds would not shrink.
  const paused = predictParts(calibration, q, {maxRounds: 2}).prediction
  const throttled = predictParts(calibration, q, {autoConverge: true}).prediction
  const cold = predictParts(calibration, {...q, mode: 'stop-and-copy'}).prediction
  const remedies: Remedy[] = [
    {
      remedy: 'timeout',
      migrate: `violin migrate VM HOST --live --timeout ${timeoutSec}`,
      downtime_ms: paused.downtime_ms,
      total_ms: paused.total_ms,
    },
    {
      remedy: 'auto-converge',
      migrate: 'violin migrate VM HOST --live --auto-converge',
      downtime_ms: throttled.converges ? throttled.downtime_ms : null,
      total_ms: throttled.converges ? throttled.total_ms : null,
    },
    {remedy: 'stop-and-copy', migrate: 'violin migrate VM HOST', downtime_ms: cold.downtime_ms, total_ms: cold.total_ms},
  ]
  return {...prediction, remedies}
}

function predictParts(
  calibration: Calibration | undefined,
  q: MigrationQuery,
  precopy: Pick<PrecopyInput, 'maxRounds' | 'autoConverge'> = {},
): {prediction: MigrationPrediction; parts: Parts; firstRoundMs: number} {
  if (!Number.isFinite(q.memoryMiB) || q.memoryMiB <= 0) throw new RangeError(`memory must be more than 0, got ${q.memoryMiB}`)
  const concurrent = q.concurrent ?? 1
  if (!Number.isInteger(concurrent) || concurrent < 1) throw new RangeError(`concurrent must be a whole number >= 1, got ${concurrent}`)
  const cal = calibration?.modes[q.mode]
  const first = q.sentMiB ?? (cal?.sentMiB !== undefined ? Math.min(q.memoryMiB, cal.sentMiB) : q.memoryMiB)
  const fitted = cal?.hypervisor
  const bandwidth = q.bandwidthMiBs ?? (fitted ? impliedBandwidth(fitted, first) : undefined) ?? DEFAULTS.bandwidthMiBs
  const copy =
    q.mode === 'live'
      ? predictPrecopy({
          sentMiB: first,
          dirtyRateMiBs: q.dirtyRateMiBs ?? 0,
          bandwidthMiBs: bandwidth,
          maxRounds: DEFAULT_MAX_ROUNDS,
          ...precopy,
        })
      : {totalMs: (first / bandwidth) * 1000, downtimeMs: (first / bandwidth) * 1000, sentMiB: first, rounds: 1, converged: true}
  const memoryMs = (cal ? cal.memoryMsPerMiB : DEFAULT_MEMORY_MS_PER_MIB) * q.memoryMiB
  const fixedMs = (fitted ? Math.max(0, fitted.a) : DEFAULTS.fixedMs) + memoryMs
  // The measured shape (a disk throttling the copy, say) wins unless the link was given.
  const alone =
    fitted && q.bandwidthMiBs === undefined ? Math.max(fixedMs, evaluate(fitted, copy.sentMiB) + memoryMs) : fixedMs + copy.totalMs
  const parts: Parts = {fixedMs, copyMs: alone - fixedMs, overheadMs: cal?.overheadMs ?? DEFAULTS.overheadMs}
  const together = (cost: MigrationCost) => parallel(Array.from({length: concurrent}, () => cost)).perVmMs[0]!
  const jobMs = together(jobCost(cal, parts))
  const wallMs = jobMs + together(overheadCost(cal, parts))
  // The last round is paused; the measured median adds the switch-over (an idle guest's last round is empty).
  const downtimeMs = q.mode === 'live' ? copy.downtimeMs + (cal?.downtimeMs ?? DEFAULTS.downtimeMs) : jobMs
  // Beyond the sizes measured, the spread grows (as the square root of how far beyond).
  const x = fitted && cal?.memoryTerm !== 'none' ? copy.sentMiB : q.memoryMiB
  const beyond = cal?.range ? Math.sqrt(Math.max(1, x / Math.max(cal.range.high, 1e-9), cal.range.low / Math.max(x, 1e-9))) : 1
  const spread = (fit: {rms: number; points: number} | undefined, value: number): Interval => {
    const half =
      beyond *
      (fit && fit.points >= 3
        ? 2 * fit.rms * (value / Math.max(fit === fitted ? alone : alone + parts.overheadMs, 1e-9))
        : value * DEFAULTS.relativeSpread)
    return {low_ms: Math.max(0, Math.round(value - half)), high_ms: Math.round(value + half)}
  }
  return {
    parts,
    firstRoundMs: (first / bandwidth) * 1000,
    prediction: {
      total_ms: Math.round(jobMs),
      downtime_ms: Math.round(downtimeMs),
      wall_ms: Math.round(wallMs),
      sent_mib: Math.round(copy.sentMiB * 10) / 10,
      interval: {total: spread(fitted, jobMs), wall: spread(cal?.wall, wallMs)},
      rounds: copy.rounds,
      bandwidth_mibs: Math.round(bandwidth * 10) / 10,
      calibrated: fitted !== undefined,
      // A pause forced after a given round (a --timeout) ends it as surely as convergence.
      converges: copy.converged || precopy.maxRounds !== undefined,
      remedies: [],
    },
  }
}
