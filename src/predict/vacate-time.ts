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
import {commandCost, migrationCost, type Remedy} from './predict.js'

export type Strategy = 'sequential' | 'parallel' | 'auto'

export interface VacateMove {
  vm: string
  from: string
  to: string
  memoryMiB: number
  /** Its hypervisor offers post-copy (libvirt): one more way to end a migration that cannot converge. */
  postCopy?: boolean
  /** What the VM holds and dirties, as measured before planning (src/services/vm-state.ts). */
  state?: {usedMiB?: number; dirtyRateMiBs?: number; dirtyRateFrom?: string; measuredAt?: string}
}

/** One VM of a vacate prediction. */
export interface VacateVm {
  name: string
  host: string
  destination: string
  wall_ms: number
  /** The 80% interval of its time (as wall_ms: under the strategy chosen). */
  interval: {low_ms: number; high_ms: number}
  /** Memory it held when measured, MiB (null: not measured: the calibration's typical guest was assumed). */
  used_mib: number | null
  dirty_rate_mibs: number | null
  /** measured (by the hypervisor, just now), last-migration, history (the median recorded), none. */
  dirty_rate_from: string | null
  measured_at: string | null
  /** false: a plain live migration of it never ends; `remedies` says what would. */
  converges: boolean
  remedies: Remedy[]
}

/** The stable JSON of `violin predict vacate`. */
export interface VacatePrediction {
  strategy: 'sequential' | 'parallel'
  max_parallel: number
  total_wall_ms: number
  interval: {low_ms: number; high_ms: number}
  per_vm: VacateVm[]
  /** false when some VM's live migration cannot converge (that VM's remedies say what would end it). */
  converges: boolean
  /** What would narrow the interval, when the calibration cannot tell (see predict migration); else null. */
  narrow_with: string | null
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
  const costs = moves.map((m) =>
    migrationCost(calibration, {
      memoryMiB: m.memoryMiB,
      ...(m.state?.usedMiB === undefined ? {} : {usedMiB: m.state.usedMiB}),
      ...(m.state?.dirtyRateMiBs === undefined ? {} : {dirtyRateMiBs: m.state.dirtyRateMiBs}),
      ...(m.postCopy ? {postCopy: true} : {}),
    }),
  )
  const alone = costs.map((c) => c.prediction)
  // The interval's ends as shares of each move alone; the widest holds the total (the moves share one site's noise).
  const share = (end: (p: (typeof alone)[number]) => number) =>
    alone.length === 0 ? 0 : Math.max(...alone.map((p) => end(p) / Math.max(p.wall_ms, 1)))
  const below = share((p) => p.wall_ms - p.interval.wall.low_ms)
  const above = share((p) => p.interval.wall.high_ms - p.wall_ms)
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
    const fits = options.byMs !== undefined && options.nowMs + seq.totalMs * (1 + above) <= options.byMs
    strategy = fits ? 'sequential' : 'parallel'
  } else strategy = options.strategy
  const estimate = run(strategy)
  const total = Math.round(estimate.totalMs)
  const high = Math.round(total * (1 + above))
  const result: VacatePrediction = {
    strategy,
    max_parallel: strategy === 'sequential' ? 1 : options.maxParallel,
    total_wall_ms: total,
    interval: {low_ms: Math.max(0, Math.round(total * (1 - below))), high_ms: high},
    per_vm: moves.map((m, i) => {
      const p = alone[i]!
      const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10)
      return {
        name: m.vm,
        host: m.from,
        destination: m.to,
        wall_ms: Math.round(estimate.perVmMs[i]!),
        // Alone's interval, in the same proportion to the time it takes as the strategy runs it.
        interval: {
          low_ms: Math.round((estimate.perVmMs[i]! * p.interval.wall.low_ms) / Math.max(p.wall_ms, 1)),
          high_ms: Math.round((estimate.perVmMs[i]! * p.interval.wall.high_ms) / Math.max(p.wall_ms, 1)),
        },
        used_mib: round(m.state?.usedMiB),
        dirty_rate_mibs: round(m.state?.dirtyRateMiBs),
        dirty_rate_from: m.state?.dirtyRateFrom ?? null,
        measured_at: m.state?.measuredAt ?? null,
        converges: p.converges,
        remedies: p.remedies,
      }
    }),
    converges: alone.every((p) => p.converges),
    narrow_with:
      alone.find((p) => p.narrow_with !== null)?.narrow_with ?? (calibration ? null : 'violin calibrate, after migrations on this site'),
    calibrated: alone.some((p) => p.calibrated) || (moves.length === 0 && calibration !== undefined),
  }
  if (options.byMs !== undefined) {
    const startBy = options.byMs - high
    result.by = new Date(options.byMs).toISOString()
    result.start_by = new Date(startBy).toISOString()
    result.late = startBy < options.nowMs
  }
  return result
}
