/**
 * bench/predict-accuracy: how well one measured guest size predicts the others.
 * Takes the migrations bench/migrate measures on the test bed (guests of 128..1024 MiB,
 * idle, rewriting a quarter of their memory at 8 or 32 MB/s or half at 8 MB/s, each
 * measured by `violin domstats --dirty-rate` just before it moved; four 256 MiB guests one
 * at a time and all at once), calibrates from the CALIBRATE_MIB idle guest's migrations
 * alone, and predicts every other migration from what was measured of its guest (memory in
 * use, dirty rate) with `violin predict`'s code. Twice: from a calibration that has the
 * data sent, and from one without sent_mib (and used_mib), as a site's own CSV may be.
 * For each it prints the mean absolute percentage error of the hypervisor's job time, the
 * command's time and the data sent, and the share of migrations inside their 80% interval
 * (the coverage). Targets: MAPE at most 10% for job and command time and coverage at least
 * 80% with the data sent; without it, no prediction off by more than 2x. Then the
 * four-guest totals, and bench/migrate's real `violin vacate` runs against
 * `violin predict vacate`.
 *
 * Env: CSV (default bench/out/migrate.csv; measured afresh when missing or FRESH=1, about
 * 15 minutes as root), CALIBRATE_MIB (256).
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Calibration, calibrate} from '../src/predict/calibration.js'
import type {Measurement} from '../src/predict/measurement.js'
import {DEFAULTS, type MigrationPrediction, predictMigration} from '../src/predict/predict.js'
import {predictVacate} from '../src/predict/vacate-time.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CSV = process.env.CSV ?? join(ROOT, 'bench', 'out', 'migrate.csv')
const CALIBRATE_MIB = Number(process.env.CALIBRATE_MIB ?? 256)
const SECOND_MIB = Number(process.env.SECOND_MIB ?? 1024)

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
  for (const k of [
    'used_mib',
    'sent_mib',
    'dirty_rate_mibs',
    'bandwidth_mibs',
    'total_ms',
    'downtime_ms',
    'wall_ms',
    'lead_ms',
    'gap_ms',
  ] as const)
    if (num(r, k) !== undefined) m[k] = num(r, k)
  return m
}

/** One calibration judged on every held-out migration: per case (the reps' medians) and per migration. */
interface Score {
  /** |median predicted - median measured| / median measured, per case. */
  job: number[]
  wall: number[]
  sent: number[]
  /** Each migration inside its 80% interval? */
  inJob: boolean[]
  inWall: boolean[]
  inSent: boolean[]
  /** The command interval's width as a share of its prediction, per migration. */
  width: number[]
  /** The largest ratio, either way, between one migration's time and its prediction. */
  worst: number
}
const score = (): Score => ({job: [], wall: [], sent: [], inJob: [], inWall: [], inSent: [], width: [], worst: 1})

const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const mape = (xs: number[]) => (xs.length ? pct(xs.reduce((a, b) => a + b, 0) / xs.length) : '-')
const share = (xs: boolean[]) => (xs.length ? pct(xs.filter(Boolean).length / xs.length) : '-')

/** Predicts each migration of a case from what was measured of its guest, and scores the case. */
function judgeCase(s: Score, c: Calibration, rs: Row[]): MigrationPrediction[] {
  const ps = rs.map((r) =>
    // What `predict vacate` knows of the guest: its memory, and what the hypervisor measured of it just before.
    predictMigration(c, {
      mode: 'live',
      memoryMiB: num(r, 'memory_mib')!,
      ...(num(r, 'used_mib') === undefined ? {} : {usedMiB: num(r, 'used_mib')!}),
      dirtyRateMiBs: num(r, 'dirty_rate_mibs') ?? 0,
    }),
  )
  const m = (xs: number[]) => median(xs)
  s.job.push(ape(m(ps.map((p) => p.total_ms)), m(rs.map((r) => num(r, 'total_ms')!))))
  s.wall.push(ape(m(ps.map((p) => p.wall_ms)), m(rs.map((r) => num(r, 'wall_ms')!))))
  s.sent.push(ape(m(ps.map((p) => p.sent_mib)), m(rs.map((r) => num(r, 'sent_mib')!))))
  for (const [i, r] of rs.entries()) {
    const p = ps[i]!
    const [job, wall, sent] = [num(r, 'total_ms')!, num(r, 'wall_ms')!, num(r, 'sent_mib')!]
    s.inJob.push(p.interval.total.low_ms <= job && job <= p.interval.total.high_ms)
    s.inWall.push(p.interval.wall.low_ms <= wall && wall <= p.interval.wall.high_ms)
    s.inSent.push(p.interval.sent.low_mib <= sent && sent <= p.interval.sent.high_mib)
    s.width.push((p.interval.wall.high_ms - p.interval.wall.low_ms) / p.wall_ms)
    for (const [predicted, measured] of [
      [p.total_ms, job],
      [p.wall_ms, wall],
    ] as const)
      s.worst = Math.max(s.worst, predicted / measured, measured / predicted)
  }
  return ps
}

export async function main(): Promise<void> {
  if (!existsSync(CSV) || process.env.FRESH === '1') {
    process.env.OUT = CSV
    const {main: measure} = await import('./migrate.js')
    await measure()
  }
  const rows = readRows(CSV)
  const sizes = rows.filter((r) => r.case === 'sizes' && num(r, 'total_ms') !== undefined && num(r, 'sent_mib') !== undefined)
  const ofSize = (r: Row) => num(r, 'memory_mib') === CALIBRATE_MIB
  const bases: Array<{name: string; rows: Row[]}> = [
    {name: `idle ${CALIBRATE_MIB} MiB`, rows: sizes.filter((r) => ofSize(r) && r.workload === 'idle')},
    {name: `${CALIBRATE_MIB} MiB, every workload`, rows: sizes.filter(ofSize)},
    // What narrows it: a second size.
    {
      name: `${CALIBRATE_MIB} and ${SECOND_MIB} MiB, every workload`,
      rows: sizes.filter((r) => ofSize(r) || num(r, 'memory_mib') === SECOND_MIB),
    },
  ]
  const withoutSent = (r: Row) => {
    const {sent_mib: _sent, used_mib: _used, ...m} = measurement(r)
    return m
  }
  const results: string[] = []
  for (const basis of bases) {
    if (basis.rows.length === 0) throw new Error(`${CSV} has no ${basis.name} guest to calibrate from`)
    const cals = [
      {label: 'with sent_mib', cal: calibrate(basis.rows.map(measurement), `${CSV}: ${basis.name}`)},
      {label: 'without sent_mib', cal: calibrate(basis.rows.map(withoutSent), `${CSV}: ${basis.name}, without sent_mib`)},
    ]
    const live = cals[0]!.cal.modes.live!
    console.log(
      `\n## Calibrated from the ${basis.name} guest (${basis.rows.length} migrations): job ${live.hypervisor!.shape} a=${Math.round(live.hypervisor!.a)} ms b=${live.hypervisor!.b.toFixed(2)} ms/MiB sent, memory term ${live.memoryTerm}, overhead ${Math.round(live.overheadMs ?? 0)} ms, ${live.resident?.extraMiB.toFixed(1)} MiB sent beyond the memory in use${live.resident?.dirtySeconds === undefined ? '' : `, ${live.resident.dirtySeconds.toFixed(2)} s of dirtying resent`}`,
    )
    // Held out: every migration of another guest than the calibration's.
    const held = sizes.filter((r) => !basis.rows.includes(r))
    const groups = new Map<string, Row[]>()
    for (const r of held) groups.set(`${r.memory_mib} MiB ${r.workload}`, [...(groups.get(`${r.memory_mib} MiB ${r.workload}`) ?? []), r])
    console.log('\n| case | n | measured job / command / sent (median) | predicted, with sent_mib | predicted, without |')
    console.log('|---|---|---|---|---|')
    const scores = cals.map(() => new Map<string, Score>())
    for (const [key, rs] of groups) {
      const bucket = rs[0]!.workload === 'idle' ? 'idle' : 'dirtying'
      const shown = cals.map(({cal}, k) => {
        const s = scores[k]!.get(bucket) ?? score()
        scores[k]!.set(bucket, s)
        const ps = judgeCase(s, cal, rs)
        return `${Math.round(median(ps.map((p) => p.total_ms)))} / ${Math.round(median(ps.map((p) => p.wall_ms)))} ms / ${median(ps.map((p) => p.sent_mib))} MiB`
      })
      const m = (k: string) => median(rs.map((r) => num(r, k)!))
      console.log(`| ${key} | ${rs.length} | ${m('total_ms')} / ${m('wall_ms')} ms / ${m('sent_mib')} MiB | ${shown[0]} | ${shown[1]} |`)
    }
    for (const [k, {label}] of cals.entries()) {
      const all = score()
      for (const [bucket, s] of scores[k]!) {
        results.push(
          `| ${basis.name} | ${label} | ${bucket} | ${s.job.length} / ${s.inJob.length} | ${mape(s.job)} | ${mape(s.wall)} | ${mape(s.sent)} | ${share(s.inJob)} | ${share(s.inWall)} | ${share(s.inSent)} | ${mape(s.width)} | ${s.worst.toFixed(2)} |`,
        )
        for (const key of ['job', 'wall', 'sent', 'inJob', 'inWall', 'inSent', 'width'] as const) (all[key] as unknown[]).push(...s[key])
        all.worst = Math.max(all.worst, s.worst)
      }
      results.push(
        `| ${basis.name} | ${label} | **all** | ${all.job.length} / ${all.inJob.length} | ${mape(all.job)} | ${mape(all.wall)} | ${mape(all.sent)} | ${share(all.inJob)} | ${share(all.inWall)} | ${share(all.inSent)} | ${mape(all.width)} | ${all.worst.toFixed(2)} |`,
      )
    }
  }
  // How far one migration of a case is from its reps' median: no prediction can do better per migration.
  const cases = new Map<string, number[]>()
  for (const r of sizes)
    cases.set(`${r.memory_mib} ${r.workload}`, [...(cases.get(`${r.memory_mib} ${r.workload}`) ?? []), num(r, 'total_ms')!])
  const floor = [...cases.values()].flatMap((xs) => xs.map((x) => Math.abs(x - median(xs)) / x))
  console.log(
    '\n| calibrated from | calibration | held-out | cases / migrations | MAPE job | MAPE command | MAPE sent | coverage job | coverage command | coverage sent | command interval width | worst (x) |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const line of results) console.log(line)
  console.log(
    `MAPE: each case's median prediction against its reps' median; coverage: each migration inside its 80% interval; worst: one migration's time against its prediction. The reps of a case differ from their own median by ${mape(floor)} on average (job time).`,
  )
  console.log('targets: with sent_mib, MAPE job and command <= 10% and coverage >= 80%; without, worst <= 2x')
  const {cal, basis, what} = {cal: calibrate(bases[0]!.rows.map(measurement), bases[0]!.name), basis: bases[0]!.rows, what: bases[0]!.name}
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
