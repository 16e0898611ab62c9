/**
 * The two smoothers the policies read: JISA 2011's weighted average of a VM's CPU
 * (section 2.2.2) and Liang 2009's AR(1) prediction of a host's next sample (section 3.4.2,
 * "Hotspot Detector", equation 4). Pure: no I/O.
 */

/**
 * Exponentially weighted average: the new sample weighs `alpha`, the past `1 - alpha`.
 * Seed 000 names a "weighted average" without its weights; the first sample starts it.
 */
export function ewma(prev: number | undefined, sample: number, alpha: number): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`)
  return prev === undefined ? sample : alpha * sample + (1 - alpha) * prev
}

export interface Ar1 {
  /** μ: the mean of the window. */
  mean: number
  /** φ: the lag-1 autocorrelation of the window, in [-1, 1]. */
  phi: number
  /** u_{k+1} = μ + φ (u_k - μ). */
  next: number
}

/**
 * Predicts the sample after `window` (oldest first). Seed 003 gives the predictor
 * u_{k+1} = μ + φ(u_k - μ) with μ "the mean value of sequence" and φ "the parameter of
 * time series" but not how φ is estimated; we take the sample lag-1 autocorrelation of
 * the same window (the Yule-Walker estimate for AR(1)). A window of one sample or of no
 * variance carries no evidence of correlation: φ = 0 and the prediction is μ (which there
 * equals the last sample).
 */
export function ar1Predict(window: readonly number[]): Ar1 {
  const k = window.length
  if (k === 0) throw new RangeError('AR(1) needs at least one sample')
  const mean = window.reduce((s, u) => s + u, 0) / k
  let variance = 0
  let lagged = 0
  for (let t = 0; t < k; t++) {
    const d = window[t]! - mean
    variance += d * d
    if (t + 1 < k) lagged += d * (window[t + 1]! - mean)
  }
  // Relative test: rounding leaves a tiny non-zero variance on a constant window.
  if (k < 2 || variance <= Number.EPSILON * k * mean * mean) return {mean, phi: 0, next: mean}
  const phi = Math.max(-1, Math.min(1, lagged / variance))
  return {mean, phi, next: mean + phi * (window[k - 1]! - mean)}
}
