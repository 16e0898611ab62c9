/**
 * One migration's estimate: the pre-copy rounds (or one stop-and-copy) on the link, the
 * fixed costs around them, from a calibration when there is one. Pure.
 */
import {type Calibration, DEFAULT_MEMORY_MS_PER_MIB, evaluate, impliedBandwidth, type ModeCalibration, spansSizes} from './calibration.js'
import {DEFAULTS} from './defaults.js'
import type {Fit} from './fit.js'
import {EXTRAPOLATED_COPY_SPREAD, intervalHalf, MIN_RELATIVE_HALF, sentInterval} from './interval.js'
import type {MigrationMode} from './measurement.js'
import {linkCost, type MigrationCost, parallel} from './parallel.js'
import {DEFAULT_MAX_ROUNDS, type PrecopyInput, predictPrecopy} from './precopy.js'

export {DEFAULTS} from './defaults.js'
export {INTERVAL_COVERAGE, intervalHalf} from './interval.js'

export interface MigrationQuery {
  mode: MigrationMode
  memoryMiB: number
  /** Data the first round sends (the guest's non-zero pages); default: from usedMiB, else what the calibration's migrations sent (at most the memory), else the memory. */
  sentMiB?: number
  /** Memory the guest holds, measured: the first round sends it and what the calibration saw travel beyond it. */
  usedMiB?: number
  dirtyRateMiBs?: number
  bandwidthMiBs?: number
  /** How many migrations run at once, sharing the link. */
  concurrent?: number
  /** The hypervisor offers post-copy (libvirt with QEMU): a remedy for a migration that cannot converge. */
  postCopy?: boolean
}

export interface Interval {
  low_ms: number
  high_ms: number
}

/** What makes a live migration that cannot converge finish, and its cost. */
export interface Remedy {
  remedy: 'timeout' | 'auto-converge' | 'post-copy' | 'stop-and-copy'
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
  interval: {total: Interval; wall: Interval; sent: {low_mib: number; high_mib: number}}
  rounds: number
  bandwidth_mibs: number
  calibrated: boolean
  /** false: the pre-copy rounds never shrink to the downtime limit, so a plain live migration never ends. */
  converges: boolean
  /** When it does not converge, what would make it finish; else empty. */
  remedies: Remedy[]
  /** When the calibration cannot tell what the time depends on: the measurement that would narrow the interval; else null. */
  narrow_with: string | null
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
export function migrationCost(
  calibration: Calibration | undefined,
  vm: {memoryMiB: number; usedMiB?: number; dirtyRateMiBs?: number; postCopy?: boolean},
): MigrationCost & {prediction: MigrationPrediction} {
  const {prediction, parts} = predictWithParts(calibration, {mode: 'live', ...vm})
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
  return predictWithParts(calibration, q).prediction
}

/** The prediction, with the remedies when it cannot converge, and the parts it came from. */
function predictWithParts(calibration: Calibration | undefined, q: MigrationQuery): {prediction: MigrationPrediction; parts: Parts} {
  const {prediction, parts, firstRoundMs, bandwidthMiBs} = predictParts(calibration, q)
  if (prediction.converges) return {prediction, parts}
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
    ...(q.postCopy ? [postCopyRemedy(calibration, q, {parts, firstRoundMs, bandwidthMiBs})] : []),
    {remedy: 'stop-and-copy', migrate: 'violin migrate VM HOST', downtime_ms: cold.downtime_ms, total_ms: cold.total_ms},
  ]
  return {prediction: {...prediction, remedies}, parts}
}

/**
 * Post-copy after one pre-copy pass: the first pass is sent with the guest running, the
 * guest pauses only to switch over, then runs on the destination while what it dirtied
 * during that pass is fetched (faster the first time a page is touched, so no more than
 * this). It always ends.
 */
function postCopyRemedy(
  calibration: Calibration | undefined,
  q: MigrationQuery,
  {parts, firstRoundMs, bandwidthMiBs: bandwidth}: {parts: Parts; firstRoundMs: number; bandwidthMiBs: number},
): Remedy {
  const cal = calibration?.modes[q.mode]
  const dirtied = Math.min(q.memoryMiB, (q.dirtyRateMiBs ?? 0) * (firstRoundMs / 1000))
  const switchMs = cal?.downtimeMs ?? DEFAULTS.downtimeMs
  return {
    remedy: 'post-copy',
    migrate: 'violin migrate VM HOST --live --postcopy',
    downtime_ms: Math.round(switchMs),
    total_ms: Math.round(parts.fixedMs + firstRoundMs + switchMs + (dirtied / bandwidth) * 1000),
  }
}

function predictParts(
  calibration: Calibration | undefined,
  q: MigrationQuery,
  precopy: Pick<PrecopyInput, 'maxRounds' | 'autoConverge'> = {},
): {prediction: MigrationPrediction; parts: Parts; firstRoundMs: number; bandwidthMiBs: number} {
  if (!Number.isFinite(q.memoryMiB) || q.memoryMiB <= 0) throw new RangeError(`memory must be more than 0, got ${q.memoryMiB}`)
  const concurrent = q.concurrent ?? 1
  if (!Number.isInteger(concurrent) || concurrent < 1) throw new RangeError(`concurrent must be a whole number >= 1, got ${concurrent}`)
  const cal = calibration?.modes[q.mode]
  const fitted = cal?.hypervisor
  const rate = q.dirtyRateMiBs ?? 0
  // Given, else what the guest holds and what the site saw travel beyond it, else what the calibration's guests sent, else all of it.
  const held = q.usedMiB === undefined ? undefined : q.usedMiB + (cal?.resident?.extraMiB ?? DEFAULTS.residentExtraMiB)
  const first = Math.min(q.memoryMiB, q.sentMiB ?? held ?? cal?.sentMiB ?? q.memoryMiB)
  // One guest size and no data sent: the fit cannot tell a fixed time from a time per MiB.
  const oneSize =
    cal !== undefined && fitted !== undefined && cal.memoryTerm === 'none' && cal.range !== undefined && !spansSizes(cal.range)
  const bandwidth =
    q.bandwidthMiBs ?? (fitted && !oneSize ? impliedBandwidth(fitted, first) : undefined) ?? cal?.bandwidthMiBs ?? DEFAULTS.bandwidthMiBs
  const ideal =
    q.mode === 'live'
      ? predictPrecopy({
          sentMiB: first,
          dirtyRateMiBs: rate,
          bandwidthMiBs: bandwidth,
          maxRounds: DEFAULT_MAX_ROUNDS,
          ...precopy,
        })
      : {totalMs: (first / bandwidth) * 1000, downtimeMs: (first / bandwidth) * 1000, sentMiB: first, rounds: 1, converged: true}
  // What dirtying really resent on this site's link, when the calibration learnt it, instead of the ideal link's rounds.
  const learnt = cal?.resident?.dirtySeconds ?? undefined
  const copy =
    q.mode === 'live' && learnt !== undefined && ideal.converged && precopy.maxRounds === undefined && !precopy.autoConverge
      ? {...ideal, sentMiB: first + learnt * rate, totalMs: ((first + learnt * rate) / bandwidth) * 1000}
      : ideal
  const memoryMs = (cal ? cal.memoryMsPerMiB : DEFAULT_MEMORY_MS_PER_MIB) * q.memoryMiB
  let fixedMs = (fitted ? Math.max(0, fitted.a) : DEFAULTS.fixedMs) + memoryMs
  let alone: number
  // The two readings of one size, as multiples of the job alone: time mostly fixed, and time growing with memory.
  let hypotheses: {low: number; high: number} | undefined
  if (oneSize) {
    const m0 = (cal.range!.low + cal.range!.high) / 2
    const y0 = evaluate(fitted, m0)
    // Nothing says what this guest sends: as much as the calibration's (unknown) guests, and what dirtying adds.
    const unknown = q.sentMiB === undefined && held === undefined
    const copyMs = ((copy.sentMiB - (unknown ? first : 0)) / bandwidth) * 1000
    const before = unknown ? 0 : (Math.min(m0, DEFAULTS.idleSentMiB) / bandwidth) * 1000
    alone = Math.max(copyMs, y0 + copyMs - before)
    fixedMs = Math.max(0, alone - copyMs)
    const byMemory = (y0 * q.memoryMiB) / m0
    hypotheses = {low: Math.min(alone, y0, byMemory) / alone, high: Math.max(alone, y0, byMemory) / alone}
  } else if (fitted && q.bandwidthMiBs === undefined) {
    // The measured shape (a disk throttling the copy, say) wins unless the link was given.
    alone = Math.max(fixedMs, evaluate(fitted, copy.sentMiB) + memoryMs)
  } else alone = fixedMs + copy.totalMs
  // Nothing at all says what this guest sends (no --sent or --used, no data sent in the calibration): all of its
  // memory is assumed, and the interval reaches down to what an idle guest sends.
  const guessed = cal === undefined && q.sentMiB === undefined && held === undefined && q.memoryMiB > DEFAULTS.idleSentMiB
  if (guessed) {
    const idle = predictParts(calibration, {...q, sentMiB: DEFAULTS.idleSentMiB, concurrent: 1}, precopy)
    hypotheses = {low: Math.min(1, (idle.parts.fixedMs + idle.parts.copyMs) / alone), high: 1}
  }
  const parts: Parts = {fixedMs, copyMs: alone - fixedMs, overheadMs: cal?.overheadMs ?? DEFAULTS.overheadMs}
  const together = (cost: MigrationCost) => parallel(Array.from({length: concurrent}, () => cost)).perVmMs[0]!
  const jobMs = together(jobCost(cal, parts))
  const wallMs = jobMs + together(overheadCost(cal, parts))
  // The last round is paused; the measured median adds the switch-over (an idle guest's last round is empty).
  const downtimeMs = q.mode === 'live' ? copy.downtimeMs + (cal?.downtimeMs ?? DEFAULTS.downtimeMs) : jobMs
  // Beyond the sizes measured, the spread grows (as the square root of how far beyond).
  const x = fitted && cal?.memoryTerm !== 'none' ? copy.sentMiB : q.memoryMiB
  const beyond = cal?.range ? Math.sqrt(Math.max(1, x / Math.max(cal.range.high, 1e-9), cal.range.low / Math.max(x, 1e-9))) : 1
  // Beyond what the calibration measured, what it could not see: the copy's slope at other amounts of data, and
  // (without a memory term) how the fixed part changes with the guest's size.
  const outside = (x: number, r: {low: number; high: number} | undefined) => (r ? Math.max(0, x - r.high, r.low - x) : 0)
  const unseenMs =
    fitted && cal?.memoryTerm !== 'none'
      ? EXTRAPOLATED_COPY_SPREAD *
          outside(copy.sentMiB, cal?.range) *
          (evaluate(fitted, copy.sentMiB + 1) - evaluate(fitted, copy.sentMiB)) +
        (cal?.memoryTerm === 'fitted' ? 0 : DEFAULT_MEMORY_MS_PER_MIB * outside(q.memoryMiB, cal?.memoryRange))
      : 0
  const spread = (fit: Fit | undefined, value: number, job: number): Interval => {
    const measured = fit ? intervalHalf(fit) : undefined
    // The noise of the fit, as a share of the migration it was fitted to (alone, and for the command with its overhead).
    // Never narrower than +-5%: a few identical runs say little of the next one.
    const half = Math.max(
      value * MIN_RELATIVE_HALF,
      beyond *
        (measured === undefined
          ? value * DEFAULTS.relativeSpread
          : measured * (value / Math.max(fit === fitted ? alone : alone + parts.overheadMs, 1e-9))),
    )
    // Two readings (one size, or nothing known of the data): from the lower to the higher, each with its share of the noise.
    const low = hypotheses ? value - job * (1 - hypotheses.low) : value
    const high = hypotheses ? value + job * (hypotheses.high - 1) : value
    const share = half / Math.max(value, 1e-9)
    const unseen = unseenMs * (job / Math.max(alone, 1e-9))
    return {low_ms: Math.max(0, Math.round(low * (1 - share) - unseen)), high_ms: Math.round(high * (1 + share) + unseen)}
  }
  return {
    parts,
    firstRoundMs: (first / bandwidth) * 1000,
    bandwidthMiBs: bandwidth,
    prediction: {
      total_ms: Math.round(jobMs),
      downtime_ms: Math.round(downtimeMs),
      wall_ms: Math.round(wallMs),
      sent_mib: Math.round(copy.sentMiB * 10) / 10,
      interval: {
        total: spread(fitted, jobMs, jobMs),
        wall: spread(cal?.wall, wallMs, jobMs),
        sent: sentInterval(cal, q, first, copy.sentMiB),
      },
      rounds: copy.rounds,
      bandwidth_mibs: Math.round(bandwidth * 10) / 10,
      calibrated: fitted !== undefined,
      // A pause forced after a given round (a --timeout) ends it as surely as convergence.
      converges: copy.converged || precopy.maxRounds !== undefined,
      remedies: [],
      narrow_with: oneSize
        ? 'migrations of a guest of another memory size, or with the data sent recorded (sent_mib): one size cannot tell a fixed time from a time per MiB'
        : fitted
          ? null
          : `violin calibrate, after migrations on this site (or --csv with its own measurements)${guessed ? "; and the guest's memory in use (violin domstats VM --dirty-rate): all of its memory was assumed to travel" : ''}`,
    },
  }
}
