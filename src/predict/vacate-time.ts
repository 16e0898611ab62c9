/**
 * How long vacating hosts takes (VTDC 2007's reservation problem): each move predicted
 * alone, then one after another or several at once sharing the link (VTDC 2007 section
 * 3.4: parallel is shorter in total, longer per VM), and the latest safe start for a
 * reservation. The total is what `violin vacate` takes, from its start: the interval it
 * measures the hosts over, its own start-up, its bookkeeping between moves and after the
 * last included. Pure.
 */
import type {Calibration} from './calibration.js'
import {limited, sequential} from './parallel.js'
import {commandCost, migrationCost} from './predict.js'

export type Strategy = 'sequential' | 'parallel' | 'auto'

export interface VacateMove {
  vm: string
  from: string
  to: string
  memoryMiB: number
}

/** The stable JSON of `violin predict vacate`. */
export interface VacatePrediction {
  strategy: 'sequential' | 'parallel'
  max_parallel: number
  total_wall_ms: number
  interval: {low_ms: number; high_ms: number}
  per_vm: Array<{name: string; host: string; destination: string; wall_ms: number}>
  /** With a reservation time: the latest start that still frees the hosts by then (the interval's high end). */
  start_by?: string
  /** The reservation time, as given. */
  by?: string
  late?: boolean
  calibrated: boolean
}

/**
 * `auto` takes sequential (each VM disrupted least) when it frees the hosts by the
 * reservation, else parallel; with no reservation, parallel (the shortest).
 */
export function predictVacate(
  calibration: Calibration | undefined,
  moves: VacateMove[],
  options: {strategy: Strategy; maxParallel: number; nowMs: number; byMs?: number; measureMs?: number},
): VacatePrediction {
  if (!Number.isInteger(options.maxParallel) || options.maxParallel < 1)
    throw new RangeError(`max-parallel must be a whole number >= 1, got ${options.maxParallel}`)
  const costs = moves.map((m) => migrationCost(calibration, m.memoryMiB))
  const alone = costs.map((c) => c.prediction)
  const relativeHalf =
    alone.length === 0 ? 0 : Math.max(...alone.map((p) => (p.interval.wall.high_ms - p.interval.wall.low_ms) / 2 / Math.max(p.wall_ms, 1)))
  // The command's own time: reading the hosts and planning, its bookkeeping between one move (or batch) and the next, and after the last.
  const command = commandCost(calibration, 'vacate')
  const run = (s: 'sequential' | 'parallel') => {
    const atOnce = s === 'sequential' ? 1 : options.maxParallel
    const moved = s === 'sequential' ? sequential(costs) : limited(costs, atOnce)
    const batches = Math.ceil(costs.length / atOnce)
    return {
      perVmMs: moved.perVmMs,
      totalMs:
        costs.length === 0
          ? 0
          : (options.measureMs ?? 0) + command.startupMs + moved.totalMs + (batches - 1) * command.gapMs + command.tailMs,
    }
  }
  let strategy: 'sequential' | 'parallel'
  if (options.strategy === 'auto') {
    const seq = run('sequential')
    const fits = options.byMs !== undefined && options.nowMs + seq.totalMs * (1 + relativeHalf) <= options.byMs
    strategy = fits ? 'sequential' : 'parallel'
  } else strategy = options.strategy
  const estimate = run(strategy)
  const total = Math.round(estimate.totalMs)
  const half = Math.round(total * relativeHalf)
  const result: VacatePrediction = {
    strategy,
    max_parallel: strategy === 'sequential' ? 1 : options.maxParallel,
    total_wall_ms: total,
    interval: {low_ms: Math.max(0, total - half), high_ms: total + half},
    per_vm: moves.map((m, i) => ({name: m.vm, host: m.from, destination: m.to, wall_ms: Math.round(estimate.perVmMs[i]!)})),
    calibrated: alone.some((p) => p.calibrated) || (moves.length === 0 && calibration !== undefined),
  }
  if (options.byMs !== undefined) {
    const startBy = options.byMs - (total + half)
    result.by = new Date(options.byMs).toISOString()
    result.start_by = new Date(startBy).toISOString()
    result.late = startBy < options.nowMs
  }
  return result
}
