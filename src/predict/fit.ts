/**
 * Least-squares fits of a migration time against a size (VTDC 2007 section 3.2: linear when
 * the copy goes memory to memory, polynomial when a disk throttles it). One measurement
 * scales the default shape; with more, the shape is chosen by leave-one-out error. Pure.
 */
export type Shape = 'proportional' | 'linear' | 'quadratic'

/** y = a + b x + c x² (a = 0 for proportional; c = 0 unless quadratic). */
export interface Fit {
  shape: Shape
  a: number
  b: number
  c: number
  /** Root mean square of the residuals on the points it was fitted to. */
  rms: number
  points: number
  /** How many of a, b, c were fitted (the rest known beforehand): the residuals have points - parameters degrees of freedom. */
  parameters?: number
  /** Mean absolute relative error predicting each point from the others, when there were enough. */
  leaveOneOut?: number
}

export interface Point {
  x: number
  y: number
}

const PARAMETERS: Record<Shape, number> = {proportional: 1, linear: 2, quadratic: 3}
export const SHAPES = Object.keys(PARAMETERS) as Shape[]

export function evaluate(fit: Pick<Fit, 'a' | 'b' | 'c'>, x: number): number {
  return fit.a + fit.b * x + fit.c * x * x
}

/** The least-squares fit of one shape; it needs at least as many points as the shape has parameters. */
export function fitShape(points: Point[], shape: Shape): Fit {
  for (const p of points)
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || p.x < 0 || p.y < 0)
      throw new RangeError(`a point must have sizes and times >= 0, got (${p.x}, ${p.y})`)
  const n = PARAMETERS[shape]
  if (points.length < n) throw new RangeError(`a ${shape} fit needs at least ${n} point${n > 1 ? 's' : ''}, got ${points.length}`)
  // Columns of the design matrix: x (proportional), 1 and x (linear), 1, x and x² (quadratic).
  const columns: Array<(x: number) => number> =
    shape === 'proportional' ? [(x) => x] : shape === 'linear' ? [() => 1, (x) => x] : [() => 1, (x) => x, (x) => x * x]
  const normal = columns.map((f) => columns.map((g) => points.reduce((s, p) => s + f(p.x) * g(p.x), 0)))
  const rhs = columns.map((f) => points.reduce((s, p) => s + f(p.x) * p.y, 0))
  const solution = solve(normal, rhs)
  if (!solution) throw new RangeError(`a ${shape} fit needs points at ${n} different sizes`)
  const [a, b, c] = shape === 'proportional' ? [0, solution[0]!, 0] : [solution[0]!, solution[1]!, solution[2] ?? 0]
  const rms = Math.sqrt(points.reduce((s, p) => s + (evaluate({a, b, c}, p.x) - p.y) ** 2, 0) / points.length)
  return {shape, a, b, c, rms, points: points.length, parameters: n}
}

/** Mean absolute relative error of predicting each point from a fit of the others. */
export function leaveOneOut(points: Point[], shape: Shape): number {
  let sum = 0
  for (let i = 0; i < points.length; i++) {
    const fit = fitShape([...points.slice(0, i), ...points.slice(i + 1)], shape)
    const p = points[i]!
    sum += Math.abs(evaluate(fit, p.x) - p.y) / Math.max(p.y, 1e-9)
  }
  return sum / points.length
}

/**
 * The shape that predicts held-out points best, fitted on all of them. Only shapes that can
 * be fitted with one point left out compete; one point therefore gives `proportional`:
 * the default shape scaled through that measurement.
 */
export function chooseFit(points: Point[]): Fit {
  if (points.length === 0) throw new RangeError('no measured migration to fit')
  const candidates = SHAPES.filter((s) => PARAMETERS[s] < points.length)
  if (candidates.length === 0) return fitShape(points, 'proportional')
  let best: Fit | undefined
  for (const shape of candidates) {
    let error: number
    try {
      error = leaveOneOut(points, shape)
    } catch {
      continue // e.g. repeated sizes leave too few distinct ones for this shape
    }
    if (!best || error < best.leaveOneOut!) best = {...fitShape(points, shape), leaveOneOut: error}
  }
  return best ?? fitShape(points, 'proportional')
}

/** Least squares of y on the given columns (one row of regressors per point); undefined when they cannot be told apart. */
export function leastSquares(rows: number[][], y: number[]): number[] | undefined {
  const n = rows[0]?.length ?? 0
  if (rows.length < n || n === 0) return undefined
  const normal = Array.from({length: n}, (_, i) => Array.from({length: n}, (_, j) => rows.reduce((sum, r) => sum + r[i]! * r[j]!, 0)))
  const rhs = Array.from({length: n}, (_, i) => rows.reduce((sum, r, k) => sum + r[i]! * y[k]!, 0))
  return solve(normal, rhs)
}

/** Gaussian elimination with partial pivoting; undefined when the system is singular. */
function solve(matrix: number[][], rhs: number[]): number[] | undefined {
  const n = rhs.length
  const m = matrix.map((row, i) => [...row, rhs[i]!])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r
    const scale = Math.max(...m.map((row) => Math.abs(row[col]!)), 1)
    if (Math.abs(m[pivot]![col]!) < 1e-12 * scale) return undefined
    ;[m[col], m[pivot]] = [m[pivot]!, m[col]!]
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const f = m[r]![col]! / m[col]![col]!
      for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!
    }
  }
  return m.map((row, i) => row[n]! / row[i]!)
}
