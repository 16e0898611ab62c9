import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {tempHome, violinProcess} from '../helpers/cli.js'

/**
 * `predict vacate` on a simulated scenario whose VMs say what they hold and dirty: each VM
 * is predicted from its own figures, and one that dirties faster than the link is marked,
 * in the table and in JSON, with what would end its migration.
 */
describe('predict vacate: per-VM state, and a VM that can never converge (sim scenario)', () => {
  let dir: string
  let home: ReturnType<typeof tempHome>
  let sim: string[]

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'violin-predict-'))
    home = tempHome()
    const scenario = join(dir, 'storm.yaml')
    writeFileSync(
      scenario,
      `migration: {bandwidth: 100MiB/s}
hosts:
  - {name: h1, site: A, cores: 4, memory: 16GiB}
  - {name: h2, site: A, cores: 4, memory: 16GiB}
environments:
  - name: e
    vms:
      - {name: quiet, host: h1, memory: 2GiB, phases: [{cpu: 0.2, memory: 300MiB, dirty_rate: 2MiB/s, work: 100000}]}
      - {name: storm, host: h1, memory: 4GiB, phases: [{cpu: 0.9, memory: 3GiB, dirty_rate: 400MiB/s, work: 100000}]}
`,
    )
    sim = ['--connect', `sim:${scenario}`]
  })

  after(() => {
    rmSync(dir, {recursive: true, force: true})
    home.remove()
  })

  it('predicts each VM from what it holds and dirties, and marks the one that never converges', async () => {
    const r = await violinProcess(['predict', 'vacate', 'h1', '--strategy', 'sequential', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    const p = r.json as any
    const quiet = p.per_vm.find((v: any) => v.name === 'quiet')
    const storm = p.per_vm.find((v: any) => v.name === 'storm')
    assert.deepEqual(
      {used: quiet.used_mib, rate: quiet.dirty_rate_mibs, from: quiet.dirty_rate_from, converges: quiet.converges},
      {used: 300, rate: 2, from: 'measured', converges: true},
    )
    assert.deepEqual(quiet.remedies, [])
    assert.deepEqual(
      {used: storm.used_mib, rate: storm.dirty_rate_mibs, converges: storm.converges},
      {used: 3072, rate: 400, converges: false},
    )
    assert.equal(p.converges, false)
    // A simulated host offers no post-copy: the remedies are the ones it has.
    assert.deepEqual(
      storm.remedies.map((x: any) => x.remedy),
      ['timeout', 'auto-converge', 'stop-and-copy'],
    )
    const text = await violinProcess(['predict', 'vacate', 'h1', '--strategy', 'sequential', ...sim], home.env)
    assert.equal(text.exitCode, 0, text.stderr)
    assert.match(text.stdout, /^ storm .*never ends/m)
    assert.match(text.stdout, /storm dirties 400 MiB\/s: its live migration does not converge/)
    assert.match(text.stdout, /violin migrate storm h2 --live --timeout \d+ +timeout: downtime/)
    assert.match(text.stdout, /violin migrate storm h2 +stop-and-copy: downtime/)
  })

  it('says a damaged migrations log, and predicts without its rates rather than not at all', async () => {
    const {mkdirSync} = await import('node:fs')
    const log = join(home.dir, 'state', 'sim', 'migrations.jsonl')
    mkdirSync(join(home.dir, 'state', 'sim'), {recursive: true})
    writeFileSync(log, '{"at": "torn\n')
    try {
      const r = await violinProcess(['predict', 'vacate', 'h1', ...sim], home.env)
      assert.equal(r.exitCode, 0, r.stderr)
      assert.match(r.stderr, /^warning: dirty rates not taken from the migrations log: .*migrations\.jsonl:1:/m)
      assert.match(r.stdout, /^ quiet /m)
    } finally {
      rmSync(log)
    }
  })
})
