/**
 * One migration's estimate: the pre-copy rounds (or one stop-and-copy) on the link, the
 * fixed costs around them, from a calibration when there is one (issue 6). Pure.
 */
import {type Calibration, evaluate, impliedBandwidth} from './calibration.js'
import type {MigrationMode} from './measurement.js'
import {type MigrationCost, parallel} from './parallel.js'
import {predictPrecopy} from './precopy.js'

/** Without a calibration (../shared/notes/testbed.md, measured on this machine kind). */
export const DEFAULTS = {
  /** A gigabit link. */
  bandwidthMiBs: 119,
  /** Hypervisor job time that does not depend on the size. */
  fixedMs: 500,
  /** SSH, destination start and confirmation around the job: ~3.4 s wall against ~0.6 s job. */
  overheadMs: 2800,
  /** Switch-over pause besides the last round. */
  downtimeMs: 30,
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
}

/** The hypervisor job's part that does not depend on the size: the fit's intercept, or the default. */
function fixedJobMs(calibration: Calibration | undefined): number {
  const fit = calibration?.modes.live?.hypervisor
  return fit ? Math.max(0, fit.a) : DEFAULTS.fixedMs
}

/**
 * One live migration, predicted alone, as the parts several at once treat differently: what
 * does not depend on the link (the command's overhead, the job's fixed part) overlaps, the
 * copy shares the link.
 */
export function migrationCost(calibration: Calibration | undefined, memoryMiB: number): MigrationCost & {prediction: MigrationPrediction} {
  const prediction = predictMigration(calibration, {mode: 'live', memoryMiB})
  const copyMs = Math.max(0, prediction.total_ms - fixedJobMs(calibration))
  return {fixedMs: prediction.wall_ms - copyMs, copyMs, prediction}
}

export function predictMigration(calibration: Calibration | undefined, q: MigrationQuery): MigrationPrediction {
  if (!Number.isFinite(q.memoryMiB) || q.memoryMiB <= 0) throw new RangeError(`memory must be more than 0, got ${q.memoryMiB}`)
  const concurrent = q.concurrent ?? 1
  if (!Number.isInteger(concurrent) || concurrent < 1) throw new RangeError(`concurrent must be a whole number >= 1, got ${concurrent}`)
  const cal = calibration?.modes[q.mode]
  const first = q.sentMiB ?? (cal?.sentMiB !== undefined ? Math.min(q.memoryMiB, cal.sentMiB) : q.memoryMiB)
  const fitted = cal?.hypervisor
  const bandwidth = q.bandwidthMiBs ?? (fitted ? impliedBandwidth(fitted, first) : undefined) ?? DEFAULTS.bandwidthMiBs
  const copy =
    q.mode === 'live'
      ? predictPrecopy({sentMiB: first, dirtyRateMiBs: q.dirtyRateMiBs ?? 0, bandwidthMiBs: bandwidth})
      : {totalMs: (first / bandwidth) * 1000, downtimeMs: (first / bandwidth) * 1000, sentMiB: first, rounds: 1}
  // The measured shape (a disk throttling the copy, say) wins unless the link was given.
  const fixedMs = fixedJobMs(calibration)
  const alone = fitted && q.bandwidthMiBs === undefined ? Math.max(fixedMs, evaluate(fitted, copy.sentMiB)) : fixedMs + copy.totalMs
  const copyMs = alone - fixedMs
  const perVm = parallel(Array.from({length: concurrent}, () => ({fixedMs, copyMs}))).perVmMs[0]!
  const overheadMs = cal?.overheadMs ?? DEFAULTS.overheadMs
  const downtimeMs = q.mode === 'live' ? copy.downtimeMs + (cal?.downtimeMs ?? DEFAULTS.downtimeMs) : perVm
  const wallMs = perVm + overheadMs
  const spread = (fit: {rms: number; points: number} | undefined, value: number): Interval => {
    const half = fit && fit.points >= 3 ? 2 * fit.rms * (perVm / Math.max(alone, 1e-9)) : value * DEFAULTS.relativeSpread
    return {low_ms: Math.max(0, Math.round(value - half)), high_ms: Math.round(value + half)}
  }
  return {
    total_ms: Math.round(perVm),
    downtime_ms: Math.round(downtimeMs),
    wall_ms: Math.round(wallMs),
    sent_mib: Math.round(copy.sentMiB * 10) / 10,
    interval: {total: spread(fitted, perVm), wall: spread(cal?.wall, wallMs)},
    rounds: copy.rounds,
    bandwidth_mibs: Math.round(bandwidth * 10) / 10,
    calibrated: fitted !== undefined,
  }
}
