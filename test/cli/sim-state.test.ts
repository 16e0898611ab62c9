import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, ROOT, tempHome, violinProcess} from '../helpers/cli.js'

const SCENARIO = join(ROOT, 'examples', 'scenarios', 'icac-1.yaml')

/** Simulated runs never write real state: what they record goes to the state dir's sim/. */
describe('simulated runs and the real state', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)
  const state = (...parts: string[]) => join(home.dir, 'state', ...parts)
  beforeEach(() => (home = tempHome()))
  afterEach(() => home.remove())

  it('the README demo (adapt on a scenario) and a simulated migrate leave the real migrations, history and timings alone', async () => {
    // A real measurement already recorded must come through untouched.
    mkdirSync(state(), {recursive: true})
    const real =
      '{"at":"2026-11-30T10:00:00.000Z","vm":"db1","from":"e1","to":"e2","mode":"live","memory_mib":1024,"sent_mib":80,"concurrent":1,"total_ms":700,"wall_ms":3400}\n'
    writeFileSync(state('migrations.jsonl'), real)
    const adapt = await cli(['adapt', '--connect', `sim:${SCENARIO}`, '--quiet'])
    assert.equal(adapt.exitCode, 0, adapt.stderr)
    const migrate = await cli(['migrate', 'web-1', 'east2', '--live', '--connect', `sim:${EXAMPLE}`])
    assert.equal(migrate.exitCode, 0, migrate.stderr)
    assert.equal(readFileSync(state('migrations.jsonl'), 'utf8'), real)
    for (const file of ['history.json', 'commands.jsonl', 'calibration.json'])
      assert.ok(!existsSync(state(file)), `${file} written by a simulated run`)
    const simulated = readFileSync(state('sim', 'migrations.jsonl'), 'utf8').trim().split('\n')
    assert.ok(simulated.length > 1, "the scenario's moves and the migrate are kept apart")
    assert.ok(existsSync(state('sim', 'commands.jsonl')))
  })

  it('calibrate says there is nothing real to fit, and fits the simulated records only with --simulated', async () => {
    assert.equal((await cli(['adapt', '--connect', `sim:${SCENARIO}`, '--quiet'])).exitCode, 0)
    // The scenario's moves all ran together: one alone gives the fit its time.
    assert.equal((await cli(['migrate', 'web-1', 'east2', '--live', '--connect', `sim:${EXAMPLE}`])).exitCode, 0)
    const n = readFileSync(state('sim', 'migrations.jsonl'), 'utf8').trim().split('\n').length
    const none = await cli(['calibrate'])
    assert.equal(none.exitCode, 2, none.stdout)
    assert.match(
      none.stderr,
      new RegExp(
        `no real measured migration in history \\(.*migrations\\.jsonl\\); ${n} simulated ones are kept apart in .*sim/migrations\\.jsonl`,
      ),
    )
    assert.match(none.stderr, /Try: .*violin calibrate --simulated/)
    assert.ok(!existsSync(state('calibration.json')))
    const fitted = await cli(['calibrate', '--simulated', '--json'])
    assert.equal(fitted.exitCode, 0, fitted.stderr)
    assert.equal(fitted.json.data.length, n)
    assert.match(fitted.json.source, /^simulated history \(.*sim\/migrations\.jsonl\)$/)
  })

  it('simulated hosts in the inventory keep their adaptation history apart too', async () => {
    for (const [name, site] of [
      ['east1', 'east'],
      ['east2', 'east'],
      ['west1', 'west'],
    ]) {
      assert.equal((await cli(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE])).exitCode, 0)
    }
    const r = await cli(['adapt', '--once', '--interval', '5'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(existsSync(state('sim', 'history.json')))
    assert.ok(!existsSync(state('history.json')) && !existsSync(state('migrations.jsonl')) && !existsSync(state('adapt.lock')))
  })
})
