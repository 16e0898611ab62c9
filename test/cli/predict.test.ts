import {strict as assert} from 'node:assert'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {DEFAULTS} from '../../src/predict/predict.js'
import {EXAMPLE, tempHome, violinProcess} from '../helpers/cli.js'

/** `violin calibrate` and `violin predict migration` from the CLI, on a temporary state dir. */
describe('violin calibrate and predict migration', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)
  beforeEach(() => (home = tempHome()))
  afterEach(() => home.remove())

  it('predicts from defaults before any calibration, and says so (the JSON contract)', async () => {
    const r = await cli(['predict', 'migration', '--memory', '1G', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(Object.keys(r.json).sort(), [
      'bandwidth_mibs',
      'calibrated',
      'converges',
      'downtime_ms',
      'interval',
      'narrow_with',
      'remedies',
      'rounds',
      'sent_mib',
      'total_ms',
      'wall_ms',
    ])
    assert.deepEqual(Object.keys(r.json.interval.total), ['low_ms', 'high_ms'])
    assert.equal(r.json.calibrated, false)
    assert.equal(r.json.sent_mib, 1024)
    assert.ok(r.json.interval.wall.low_ms < r.json.wall_ms && r.json.wall_ms < r.json.interval.wall.high_ms)
    // All of the memory is assumed to travel; an idle guest would send far less: the interval reaches down to it, and says what would narrow it.
    assert.ok(r.json.interval.total.low_ms < r.json.total_ms * 0.5, JSON.stringify(r.json.interval.total))
    assert.deepEqual(r.json.interval.sent, {low_mib: 70, high_mib: 1024})
    assert.match(r.json.narrow_with, /violin calibrate.*domstats VM --dirty-rate/)
    const used = await cli(['predict', 'migration', '--memory', '1G', '--used', '300M', '--json'])
    assert.equal(used.json.sent_mib, 335, 'what it holds and what travels beyond it')
  })

  it('calibrates from a CSV, reporting each bad row by line, and predicts from it', async () => {
    const csv = join(home.dir, 'measured.csv')
    writeFileSync(
      csv,
      'total_ms,mode,memory_mib,sent_mib,wall_ms\n650,live,1024,70,3400\n620,live,512,64,3350\n560,live,256,40,3300\n3100,live,2048,300,6000\n12,warp,1,1,1\n',
    )
    const r = await cli(['calibrate', '--csv', csv])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, /warning: .*measured\.csv: line 6 skipped: mode must be live or stop-and-copy, got "warp"/)
    assert.match(r.stdout, /live +job \(total_ms\) +\w+/)
    assert.match(r.stdout, /From 4 measured migrations/)
    const svg = join(home.dir, 'fit.svg')
    assert.equal((await cli(['calibrate', '--show', '--plot', svg])).exitCode, 0)
    const drawn = readFileSync(svg, 'utf8')
    assert.match(drawn, /^<svg /)
    assert.equal((drawn.match(/<circle /g) ?? []).length, 8, 'the 4 measured migrations, for the job time and for the command time')
    assert.equal((drawn.match(/<path /g) ?? []).length, 2, 'one fitted line each')
    assert.match(drawn, /live: job \(total_ms\): \w+, RMS \d+ ms/, 'these sizes show no memory term (fitted 0)')
    const show = await cli(['calibrate', '--show', '--json'])
    assert.equal(show.json.modes.live.points, 4)
    assert.equal(show.json.data.length, 4)
    const p = await cli(['predict', 'migration', '--memory', '1G', '--json'])
    assert.equal(p.json.calibrated, true)
    assert.equal(p.json.sent_mib, show.json.modes.live.sent_mib, 'what travelled in the measured migrations, not the guest size')
    const sent = await cli(['predict', 'migration', '--memory', '1G', '--sent', '70M', '--json'])
    assert.ok(Math.abs(sent.json.total_ms - 650) / 650 < 0.15, `1 GiB guest sending 70 MiB: ${sent.json.total_ms} ms against 650 measured`)
  })

  it('records a simulated migration apart and calibrates from it with --simulated; --export writes it as CSV', async () => {
    const moved = await violinProcess(['migrate', 'web-1', 'east2', '--live', '--connect', `sim:${EXAMPLE}`], home.env)
    assert.equal(moved.exitCode, 0, moved.stderr)
    const r = await cli(['calibrate', '--simulated', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.modes.live.hypervisor.shape, 'proportional', 'one measurement scales the default shape')
    assert.ok(r.json.command.startup_ms > 0, 'what violin migrate spent before the migration itself, from the record')
    const out = join(home.dir, 'out.csv')
    assert.equal((await cli(['calibrate', '--simulated', '--export', out])).exitCode, 0)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    assert.equal(
      lines[0],
      'mode,memory_mib,used_mib,sent_mib,dirty_rate_mibs,bandwidth_mibs,concurrent,total_ms,downtime_ms,wall_ms,lead_ms,gap_ms',
    )
    assert.match(lines[1]!, /^live,2048,/)
  })

  it("a vacate records violin's own time before its first move and between the next, and calibrate learns both (simulated: apart, with --simulated)", async () => {
    const started = Date.now()
    const vacated = await cli(['vacate', 'east1', '--max-parallel', '1', '--interval', '1', '--connect', `sim:${EXAMPLE}`, '--json'])
    const elapsed = Date.now() - started
    assert.equal(vacated.exitCode, 0, vacated.stderr)
    assert.equal(vacated.json.outcomes.length, 4)
    const records = readFileSync(join(home.dir, 'state', 'sim', 'migrations.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.equal(records.length, 4)
    assert.ok(records[0].lead_ms > 0 && records[0].gap_ms === undefined, JSON.stringify(records[0]))
    assert.ok(
      records[0].lead_ms < elapsed,
      `real time spent by violin (${records[0].lead_ms} ms), within the ${elapsed} ms the command took; the simulated hours of copying are not in it`,
    )
    for (const r of records.slice(1)) assert.ok(r.gap_ms >= 0 && r.lead_ms === undefined && r.concurrent === 1, JSON.stringify(r))
    const tails = readFileSync(join(home.dir, 'state', 'sim', 'commands.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      tails.map((t) => t.command),
      ['vacate'],
      'one line for the one command that migrated',
    )
    const cal = await cli(['calibrate', '--simulated', '--json'])
    assert.equal(cal.json.command.startup_ms, records[0].lead_ms)
    assert.equal(cal.json.command.tail_ms, tails[0].tail_ms)
    assert.equal(cal.json.command.points, 5)
    assert.deepEqual(Object.keys(cal.json.command.by_command), ['vacate'], 'kept per command too: the next predict vacate uses these')
    assert.ok(records.every((r) => r.command === 'vacate'))
  })

  it('refuses what it cannot use: no measurement (exit 2), a CSV with an unknown column (exit 3), bad sizes (exit 2)', async () => {
    const none = await cli(['calibrate'])
    assert.equal(none.exitCode, 2)
    assert.match(none.stderr, /no real measured migration in history/)
    const csv = join(home.dir, 'bad.csv')
    writeFileSync(csv, 'memory_mib,seconds\n512,3\n')
    const bad = await cli(['calibrate', '--csv', csv])
    assert.equal(bad.exitCode, 3)
    assert.match(bad.stderr, /bad\.csv:1:1: unknown column "seconds"/)
    assert.equal((await cli(['calibrate', '--show'])).exitCode, 4, 'nothing stored yet')
    const size = await cli(['predict', 'migration', '--memory', 'lots'])
    assert.equal(size.exitCode, 2)
    assert.match(size.stderr, /--memory "lots" is not a size like 512M/)
    assert.equal((await cli(['predict', 'migration', '--memory', '1G', '--bandwidth', '0'])).exitCode, 2)
    for (const odd of ['0x10', '1e-300', '-5']) {
      const r = await cli(['predict', 'migration', '--memory', '1G', '--bandwidth', odd])
      assert.equal(r.exitCode, 2, `--bandwidth ${odd}: ${r.stdout}`)
      assert.match(r.stderr, /--bandwidth must be a decimal number of MiB\/s/)
    }
    const sent = await cli(['predict', 'migration', '--memory', '1G', '--sent', '2G'])
    assert.equal(sent.exitCode, 2)
    assert.equal(sent.stdout, '')
    assert.match(sent.stderr, /^error: --sent 2G is more than --memory 1G/)
  })

  it('says plainly when a live migration cannot converge, and what would end it, in text and JSON', async () => {
    const text = await cli(['predict', 'migration', '--memory', '1G', '--dirty-rate', '150', '--bandwidth', '100'])
    assert.equal(text.exitCode, 0, text.stderr)
    assert.match(text.stdout, /never ends/)
    assert.match(
      text.stdout,
      /Live migration does not converge: the guest dirties 150 MiB\/s, at least what the link carries \(100 MiB\/s\)/,
    )
    assert.match(text.stdout, /violin migrate VM HOST --live --timeout 11 +timeout: downtime 10\.3 s, job 21\.2 s/)
    assert.match(text.stdout, /violin migrate VM HOST --live --auto-converge +auto-converge: downtime 0\.\d\d s/)
    assert.match(text.stdout, /violin migrate VM HOST --live --postcopy +post-copy: downtime 0\.03 s, job \d+\.\d+ s/)
    assert.match(text.stdout, /violin migrate VM HOST +stop-and-copy: downtime 11\.0 s/)
    const json = await cli(['predict', 'migration', '--memory', '1G', '--dirty-rate', '150', '--bandwidth', '100', '--json'])
    assert.equal(json.json.converges, false)
    assert.deepEqual(
      json.json.remedies.map((r: {remedy: string}) => r.remedy),
      ['timeout', 'auto-converge', 'post-copy', 'stop-and-copy'],
    )
    assert.deepEqual(Object.keys(json.json.remedies[2]), ['remedy', 'migrate', 'downtime_ms', 'total_ms'])
    const fine = await cli(['predict', 'migration', '--memory', '1G', '--dirty-rate', '20', '--bandwidth', '100'])
    assert.doesNotMatch(fine.stdout, /converge/)
  })

  it('predict vacate picks destinations as vacate would and prints the plan and total; --by in the past exits 1', async () => {
    const r = await cli(['predict', 'vacate', 'east1', '--connect', `sim:${EXAMPLE}`, '--strategy', 'parallel', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json.per_vm.map((v: {name: string}) => v.name).sort(), ['web-1', 'web-2', 'web-3', 'web-head'])
    assert.ok(r.json.per_vm.every((v: {host: string; destination: string}) => v.host === 'east1' && v.destination !== 'east1'))
    assert.equal(r.json.strategy, 'parallel')
    assert.equal(
      r.json.total_wall_ms,
      2000 + DEFAULTS.startupMs + DEFAULTS.tailMs + Math.max(...r.json.per_vm.map((v: {wall_ms: number}) => v.wall_ms)),
      "all four at once, between the 2 s vacate measures the hosts over with violin's own start-up, and its end",
    )
    const late = await cli(['predict', 'vacate', 'east1', '--connect', `sim:${EXAMPLE}`, '--by', '2020-01-01T00:00:00Z'])
    assert.equal(late.exitCode, 1)
    assert.match(late.stdout, /to be free by 2020-01-01T00:00:00.000Z: start by 2019-12-31T23:\d\d:\d\d.\d+Z — already past/)
    assert.match(late.stderr, /too late/)
    assert.match(
      late.stdout,
      /as predicted: violin vacate east1 --max-parallel 4 --interval 2 --connect sim:\S+two-sites\.yaml/,
      'auto without time to spare: four at once, which vacate does not do by default',
    )
    const bad = await cli(['predict', 'vacate', 'east1', '--connect', `sim:${EXAMPLE}`, '--by', 'tomorrow-ish'])
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /--by "tomorrow-ish" is not a time/)
    assert.equal((await cli(['predict', 'vacate', 'nowhere', '--connect', `sim:${EXAMPLE}`])).exitCode, 4)
  })
})
