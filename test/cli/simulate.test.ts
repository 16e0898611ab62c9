import {strict as assert} from 'node:assert'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT, violinProcess} from '../helpers/cli.js'

const scenario = (name: string) => join(ROOT, 'examples', 'scenarios', `${name}.yaml`)

describe('violin simulate', function () {
  this.timeout(60_000)
  let dir: string
  before(() => (dir = mkdtempSync(join(tmpdir(), 'violin-sim-'))))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('--json keeps its contract: policies.<name> with average_time_s, overall_time_s, migrations, failed_environments, environments.<env>.time_s', async () => {
    const r = await violinProcess(['simulate', scenario('icac-2'), '--compare', 'none,violin', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    for (const name of ['none', 'violin']) {
      const p = r.json.policies[name]
      assert.equal(typeof p.average_time_s, 'number')
      assert.equal(typeof p.overall_time_s, 'number')
      assert.equal(typeof p.migrations, 'number')
      assert.ok(Array.isArray(p.failed_environments))
      for (const env of Object.values(p.environments) as Array<{time_s: number | null}>)
        assert.ok(env.time_s === null || typeof env.time_s === 'number')
    }
    assert.ok(r.json.policies.violin.average_time_s < r.json.policies.none.average_time_s, 'adaptation beats none on ICAC scenario 2')
  })

  it('writes the plot as an SVG with one bar per environment and policy', async () => {
    const file = join(dir, 'icac-1.svg')
    const r = await violinProcess(['simulate', scenario('icac-1'), '--compare', 'none,violin', '--plot', file])
    assert.equal(r.exitCode, 0, r.stderr)
    const svg = readFileSync(file, 'utf8')
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    assert.equal((svg.match(/<rect /g) ?? []).length >= 10, true, 'five environments x two policies')
  })

  it('names the file, the line and column, the field, what was expected and found (exit 3)', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, readFileSync(scenario('thesis-memory'), 'utf8').replace(/cores: (\d+)/, 'cores: many'))
    const r = await violinProcess(['simulate', file])
    assert.equal(r.exitCode, 3, r.stderr)
    assert.match(r.stderr, /^error: \S+bad\.yaml:16:35: hosts\[0\]\.cores: expected a whole number of cores > 0, found "many"$/m)
  })

  it('refuses a policy it does not know (exit 2)', async () => {
    const r = await violinProcess(['simulate', scenario('icac-1'), '--compare', 'none,magic'])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /magic/)
  })
})
