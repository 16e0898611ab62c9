/**
 * bench/predict-accuracy: how well one measured guest size predicts the others.
 * Takes the migrations bench/migrate measures on the test bed (idle and dirtying guests of
 * 128..1024 MiB, four 256 MiB guests one at a time and all at once), calibrates from the
 * CALIBRATE_MIB idle guest alone, predicts every other case with `violin predict`'s code,
 * and prints the mean absolute percentage error per column (hypervisor job time, command
 * time, data sent) and for the four-guest totals: from the one guest alone, and with the
 * first rep of the four-guest batches added (how many run at once at full speed, violin's
 * own time per command), predicting the later reps. Then bench/migrate's real `violin
 * vacate` runs against `violin predict vacate`. Target: within 15%.
 *
 * Env: CSV (default bench/out/migrate.csv; measured afresh when missing or FRESH=1, about
 * 8 minutes as root), CALIBRATE_MIB (256).
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Calibration, calibrate} from '../src/predict/calibration.js'
import type {Measurement} from '../src/predict/measurement.js'
import {DEFAULTS, predictMigration} from '../src/predict/predict.js'
import {predictVacate} from '../src/predict/vacate-time.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CSV = process.env.CSV ?? join(ROOT, 'bench', 'out', 'migrate.csv')
const CALIBRATE_MIB = Number(process.env.CALIBRATE_MIB ?? 256)
/** bench/migrate's dirtying guests: a quarter of their memory at 8 MB/s. */
const DIRTY_MIBS = 8e6 / 2 ** 20

type Row = Record<string, string>

function readRows(file: string): Row[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n')
  const cols = header!.split(',')
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])))
}

const num = (r: Row, k: string) => (r[k] === undefined || r[k] === '' ? undefined : Number(r[k]))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const ape = (predicted: number, measured: number) => Math.abs(predicted - measured) / measured

function measurement(r: Row): Measurement {
  const m: Measurement = {mode: 'live', memory_mib: num(r, 'memory_mib')!, concurrent: num(r, 'concurrent') ?? 1}
  for (const k of ['sent_mib', 'dirty_rate_mibs', 'bandwidth_mibs', 'total_ms', 'downtime_ms', 'wall_ms', 'lead_ms', 'gap_ms'] as const)
    if (num(r, k) !== undefined) m[k] = num(r, k)
  return m
}

export async function main(): Promise<void> {
  if (!existsSync(CSV) || process.env.FRESH === '1') {
    process.env.OUT = CSV
    const {main: measure} = await import('./migrate.js')
    await measure()
  }
  const rows = readRows(CSV)
  const sizes = rows.filter((r) => r.case === 'sizes')
  const inBasis = (r: Row) => r.workload === 'idle' && num(r, 'memory_mib') === CALIBRATE_MIB
  const basis = sizes.filter(inBasis)
  const what = `idle ${CALIBRATE_MIB} MiB`
  if (basis.length === 0) throw new Error(`${CSV} has no ${what} guest to calibrate from`)
  const cal = calibrate(basis.map(measurement), `${CSV}: ${what}`)
  const live = cal.modes.live!
  console.log(
    `calibrated from ${basis.length} migrations of the ${what} guest: job ${live.hypervisor!.shape} a=${Math.round(live.hypervisor!.a)} ms b=${live.hypervisor!.b.toFixed(2)} ms/MiB sent + ${live.memoryMsPerMiB} ms/MiB of memory (${live.memoryTerm}), overhead ${Math.round(live.overheadMs ?? 0)} ms, sent ${live.sentMiB?.toFixed(1)} MiB`,
  )
  console.log('\n| case | measured job / command / sent | predicted | error job / command / sent |')
  console.log('|---|---|---|---|')
  const errors: Record<'idle' | 'dirty', {job: number[]; wall: number[]; sent: number[]}> = {
    idle: {job: [], wall: [], sent: []},
    dirty: {job: [], wall: [], sent: []},
  }
  const groups = new Map<string, Row[]>()
  for (const r of sizes) groups.set(`${r.memory_mib} ${r.workload}`, [...(groups.get(`${r.memory_mib} ${r.workload}`) ?? []), r])
  for (const [key, rs] of groups) {
    const memory = num(rs[0]!, 'memory_mib')!
    const dirty = rs[0]!.workload !== 'idle'
    if (inBasis(rs[0]!)) continue
    // What a sysadmin knows of a dirtying guest: its working set (a quarter of its memory) and rate.
    const sentMiB = Math.min(memory, (cal.modes.live!.sentMiB ?? memory) + (dirty ? memory / 4 : 0))
    const p = predictMigration(cal, {mode: 'live', memoryMiB: memory, sentMiB, dirtyRateMiBs: dirty ? DIRTY_MIBS : 0})
    const tenth = (x: number) => Math.round(x * 10) / 10
    const measured = {
      job: tenth(median(rs.map((r) => num(r, 'total_ms')!))),
      wall: tenth(median(rs.map((r) => num(r, 'wall_ms')!))),
      sent: tenth(median(rs.map((r) => num(r, 'sent_mib')!))),
    }
    const e = {job: ape(p.total_ms, measured.job), wall: ape(p.wall_ms, measured.wall), sent: ape(p.sent_mib, measured.sent)}
    const bucket = errors[dirty ? 'dirty' : 'idle']
    bucket.job.push(e.job)
    bucket.wall.push(e.wall)
    bucket.sent.push(e.sent)
    const pct = (x: number) => `${Math.round(x * 100)}%`
    console.log(
      `| ${key} MiB | ${measured.job} / ${measured.wall} ms / ${measured.sent} MiB | ${p.total_ms} / ${p.wall_ms} ms / ${p.sent_mib} MiB | ${pct(e.job)} / ${pct(e.wall)} / ${pct(e.sent)} |`,
    )
  }
  const mape = (xs: number[]) => (xs.length ? `${((100 * xs.reduce((a, b) => a + b, 0)) / xs.length).toFixed(1)}%` : '-')
  console.log('\n| held-out sizes | MAPE job (total_ms) | MAPE command (wall_ms) | MAPE sent_mib | target |')
  console.log('|---|---|---|---|---|')
  for (const w of ['idle', 'dirty'] as const)
    console.log(`| ${w} | ${mape(errors[w].job)} | ${mape(errors[w].wall)} | ${mape(errors[w].sent)} | 15% |`)
  // Four 256 MiB guests moved by env migrate: one at a time, then all at once. The batch is the whole command.
  const moves = Array.from({length: 4}, (_, i) => ({vm: `c${i}`, from: 'a', to: 'b', memoryMiB: 256}))
  const batches = (c: string, reps: (rep: number) => boolean) =>
    median([
      ...new Set(
        rows
          .filter((r) => r.case === c && reps(num(r, 'rep')!))
          .map((r) => num(r, 'batch_ms')!)
          .filter((x) => Number.isFinite(x)),
      ),
    ])
  const predictBatch = (c: Calibration, atOnce: number) =>
    predictVacate(c, moves, {strategy: atOnce === 1 ? 'sequential' : 'parallel', maxParallel: atOnce, nowMs: 0}).total_wall_ms
  const together = rows.filter((r) => r.case?.startsWith('concurrent-') && num(r, 'rep') === 1).map(measurement)
  const withBatches = calibrate([...basis.map(measurement), ...together], `${CSV}: ${what} and the first rep of the four-guest batches`)
  const k = withBatches.modes.live!.concurrency
  console.log(
    `\nfour at once, learnt from the first rep: jobs as if ${k?.job.toFixed(2)} at full speed, overhead ${k?.overhead?.toFixed(2)}; violin's own time ${Math.round(withBatches.command?.startupMs ?? NaN)} ms before the first move, ${Math.round(withBatches.command?.gapMs ?? NaN)} ms between two`,
  )
  const allReps = batches('concurrent-1', () => true)
  if (Number.isFinite(allReps)) {
    console.log(
      '\n| 4 x 256 MiB by `env migrate` | measured | predicted from the one guest | error | predicted with rep 1 of these batches | measured, later reps | error |',
    )
    console.log('|---|---|---|---|---|---|---|')
    for (const [label, c, atOnce] of [
      ['one at a time, total', 'concurrent-1', 1],
      ['all at once, total', 'concurrent-4', 4],
    ] as const) {
      const measured = batches(c, () => true)
      const later = batches(c, (rep) => rep > 1)
      const one = predictBatch(cal, atOnce)
      const learnt = predictBatch(withBatches, atOnce)
      console.log(
        `| ${label} | ${measured} ms | ${one} ms | ${Math.round(ape(one, measured) * 100)}% | ${learnt} ms | ${later} ms | ${Math.round(ape(learnt, later) * 100)}% |`,
      )
    }
  } else console.log(`\n(no four-guest batch times in ${CSV}: measure again with FRESH=1)`)
  // A real vacate of four guests against `violin predict vacate`, both from the CLI (bench/migrate).
  const vacateCsv = join(dirname(CSV), 'vacate.csv')
  if (existsSync(vacateCsv)) {
    console.log('\n| `violin vacate` of 4 x 256 MiB | predicted (`predict vacate`) [interval] | measured | error |')
    console.log('|---|---|---|---|')
    for (const v of readRows(vacateCsv)) {
      console.log(
        `| ${v.strategy} | ${v.predicted_ms} ms [${v.low_ms}..${v.high_ms}] | ${v.measured_ms} ms | ${Math.round(ape(num(v, 'predicted_ms')!, num(v, 'measured_ms')!) * 100)}% |`,
      )
    }
  }
  console.log(`\ndefaults without a calibration: ${DEFAULTS.bandwidthMiBs} MiB/s, ${DEFAULTS.overheadMs} ms overhead`)
}
