import {strict as assert} from 'node:assert'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, tempHome, violinProcess} from '../helpers/cli.js'

/** violin plan, plan show and plan apply as a user meets them off a terminal, on the simulated cluster. */
describe('plan, plan show, plan apply: wrong and hostile input', function () {
  this.timeout(60_000)
  const home = tempHome()
  after(() => home.remove())
  const sim = ['--connect', `sim:${EXAMPLE}`]
  const cli = (args: string[]) => violinProcess(args, home.env)
  const file = join(home.dir, 'plan.json')

  before(async () => {
    const r = await cli(['plan', '--interval', '1', '--save', file, '-q', ...sim])
    assert.equal(r.exitCode, 0, r.stderr)
  })

  it('never writes over a file that is not a plan, and writes over a plan', async () => {
    const other = join(home.dir, 'cluster.yaml')
    writeFileSync(other, readFileSync(EXAMPLE, 'utf8'))
    const r = await cli(['plan', '--interval', '1', '--save', other, ...sim])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^error: --save: .*cluster\.yaml exists and is not a plan violin saved; violin will not write over it$/m)
    assert.equal(readFileSync(other, 'utf8'), readFileSync(EXAMPLE, 'utf8'))
    const again = await cli(['plan', '--interval', '1', '--save', file, '-q', ...sim])
    assert.equal(again.exitCode, 0, again.stderr)
  })

  it('plan show prints the actions with their reasons and the state assumed', async () => {
    const r = await cli(['plan', 'show', file])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^Plan by policy violin at \S+ \(.* pid \d+\): \d+ actions?\.$/m)
    assert.match(r.stdout, /^ {2}1\. \S+ .*\n {5}why: .+$/m)
    assert.match(r.stdout, /^Assumed:\n {2}east1 \(east\): CPU demand [\d.]+% of 8 cores, \d+ of 32768 MiB free; VMs: /m)
  })

  it('plan apply needs --yes off a terminal, and changes nothing without it', async () => {
    const r = await cli(['plan', 'apply', file, ...sim])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^error: plan apply changes the hosts: off a terminal it needs --yes$/m)
    const dry = await cli(['plan', 'apply', file, '--dry-run', '--json', ...sim])
    assert.equal(dry.exitCode, 0, dry.stderr)
    assert.deepEqual([dry.json.dry_run, dry.json.outcomes], [true, []])
    assert.ok(dry.json.accepted.length > 0)
  })

  it('refuses a plan older than --max-age, a bad --max-age, and a file that is not a plan', async () => {
    const old = JSON.parse(readFileSync(file, 'utf8'))
    old.created_at = new Date(Date.now() - 2 * 3600_000).toISOString()
    const stale = join(home.dir, 'stale.json')
    writeFileSync(stale, JSON.stringify(old))
    const r = await cli(['plan', 'apply', stale, '--yes', ...sim])
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /^error: the plan was made at \S+, 2 h ago: older than --max-age 1 h$/m)
    assert.equal((await cli(['plan', 'apply', stale, '--yes', '--max-age', '3h', '--dry-run', ...sim])).exitCode, 0)
    const bad = await cli(['plan', 'apply', file, '--max-age', '1 fortnight', ...sim])
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /--max-age takes a duration like 90s, 30m or 1h/)
    const notPlan = await cli(['plan', 'apply', EXAMPLE, '--yes', ...sim])
    assert.equal(notPlan.exitCode, 3)
    assert.match(notPlan.stderr, /two-sites\.yaml:1:1: not valid JSON/)
    const hostile = await cli(['plan', 'show', '$(reboot);x.json'])
    assert.equal(hostile.exitCode, 3)
    assert.match(hostile.stderr, /\$\(reboot\);x\.json: cannot read: no such file/)
  })
})
