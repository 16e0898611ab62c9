/**
 * The 80% intervals every estimate carries: the noise a fit's residuals show, made a
 * prediction interval, and allowances for what the calibration never saw. Pure.
 */
import type {ModeCalibration} from './calibration.js'
import {DEFAULTS} from './defaults.js'

/**
 * How far off the copy's slope may be beyond the data sent that the calibration measured:
 * on the test bed, 256 MiB guests sending 65-190 MiB took 3.9 ms per MiB more sent, 1 GiB
 * guests sending 80-600 MiB 2.2 (bench/predict-accuracy).
 */
export const EXTRAPOLATED_COPY_SPREAD = 0.4

/**
 * MiB sent beyond the memory in use, per MiB of guest memory: the kernel's own tables grow
 * with it (the test bed's idle guests sent 34.5 MiB beyond at 128 MiB, 41.5 at 1 GiB).
 */
const EXTRA_PER_MIB_OF_MEMORY = 0.008

/** The narrowest interval, as a share of the estimate either way. */
export const MIN_RELATIVE_HALF = 0.05

/** Share of held-out migrations an interval is meant to hold. */
export const INTERVAL_COVERAGE = 0.8
/** Student's t at 90% (two-sided 80%) by degrees of freedom; beyond 30, the normal's. */
const T90 = [Number.NaN, 3.078, 1.886, 1.638, 1.533, 1.476, 1.44, 1.415, 1.397, 1.383, 1.372]
const t90 = (df: number) => (df <= 10 ? T90[df]! : df <= 30 ? 1.372 - ((df - 10) * (1.372 - 1.31)) / 20 : 1.282)

/**
 * Half the width of an 80% prediction interval from a fit's residuals: its root mean square
 * made an unbiased spread (n - parameters), times t for the residual's degrees of freedom,
 * and the fit's own uncertainty (sqrt(1 + 1/n)). undefined when no degree of freedom is left.
 */
export function intervalHalf(fit: {rms: number; points: number; parameters?: number; shape?: string}): number | undefined {
  const p = fit.parameters ?? (fit.shape === 'quadratic' ? 3 : fit.shape === 'linear' ? 2 : 1)
  const df = fit.points - p
  if (df < 1) return undefined
  return t90(df) * fit.rms * Math.sqrt(fit.points / df) * Math.sqrt(1 + 1 / fit.points)
}

/**
 * The data sent: from the memory in use, within the spread of what the calibration saw
 * travel beyond it; else from the typical guest's, anywhere up to all of the memory.
 */
export function sentInterval(
  cal: ModeCalibration | undefined,
  q: {memoryMiB: number; sentMiB?: number; usedMiB?: number},
  first: number,
  sent: number,
): {low_mib: number; high_mib: number} {
  const tenth = (x: number) => Math.round(x * 10) / 10
  const res = cal?.resident
  // What dirtying adds by the pre-copy formula is the link's ideal; the site's learnt response has its own spread.
  const dirtying = res?.dirtySeconds === undefined ? (sent - first) / 2 : 0
  if (q.sentMiB !== undefined || q.usedMiB !== undefined) {
    const measured =
      q.sentMiB === undefined && res
        ? intervalHalf({rms: res.rms, points: res.points, parameters: res.dirtySeconds === undefined ? 1 : 2})
        : undefined
    // A guest of another size than the calibration's: what travels beyond its memory in use grows with its memory.
    const r = cal?.memoryRange
    const otherSize = q.sentMiB === undefined && r ? EXTRA_PER_MIB_OF_MEMORY * Math.max(0, q.memoryMiB - r.high, r.low - q.memoryMiB) : 0
    const half =
      Math.max(sent * MIN_RELATIVE_HALF, measured ?? (q.sentMiB === undefined ? sent * DEFAULTS.relativeSpread : 0)) + dirtying + otherSize
    return {low_mib: tenth(Math.max(0, sent - half)), high_mib: tenth(Math.min(q.memoryMiB + sent - first, sent + half))}
  }
  // Nothing measured of this guest: anywhere from what an idle one sends to all of its memory.
  return {low_mib: tenth(Math.min(sent, DEFAULTS.idleSentMiB)), high_mib: tenth(Math.max(sent, q.memoryMiB))}
}
