import assert from 'node:assert/strict'

import {EXAMPLE, tempHome, violin} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]

/** examples/two-sites.yaml has one shut-off VM: spare, on west2. */
describe('shut-off VMs: migrate --offline, and vacate never leaves them behind in silence', () => {
  const home = tempHome()
  after(() => home.remove())

  it('a live (or stop-and-copy) migration of a shut-off VM is refused with the hint --offline', async () => {
    for (const mode of [['--live'], []]) {
      const r = await violin(['migrate', 'spare', 'west1', ...mode, ...sim], home.env)
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(
        r.stderr,
        /^error: VM "spare" is shut off: a (live )?migration moves a running VM\nTry: violin migrate spare west1 --offline +\(moves its definition only\)\n$/,
      )
    }
  })

  it('--offline moves the definition of a shut-off VM, and refuses a running one', async () => {
    const r = await violin(['migrate', 'spare', 'west1', '--offline', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual([r.json.plan.from, r.json.plan.to, r.json.plan.offline], ['west2', 'west1', true])
    const text = await violin(['migrate', 'spare', 'west1', '--offline', ...sim], home.env)
    assert.match(text.stdout, /^Moved the definition of spare \(shut off\) from west2 to west1\.$/m)
    const running = await violin(['migrate', 'hpc-2', 'west1', '--offline', ...sim], home.env)
    assert.equal(running.exitCode, 2)
    assert.match(running.stderr, /VM "hpc-2" is running: --offline moves only a shut-off VM's definition/)
    const both = await violin(['migrate', 'spare', 'west1', '--offline', '--live', ...sim], home.env)
    assert.equal(both.exitCode, 2)
  })

  it('vacate moves the running VMs and names the shut-off ones it leaves, with the command that moves them (exit 0)', async () => {
    const r = await violin(['vacate', 'west2', '--interval', '1', ...sim], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /moved hpc-2: west2 -> west1/)
    assert.match(
      r.stderr,
      /^warning: 1 VM\(s\) not running stay behind, not moved live: spare \(shutoff on west2\); move each with: violin migrate spare HOST --offline$/m,
    )
    const json = await violin(['vacate', 'west2', '--interval', '1', '--dry-run', ...sim, '--json'], home.env)
    assert.deepEqual(json.json.left_behind, [{vm: 'spare', host: 'west2', state: 'shutoff'}])
    const none = await violin(['vacate', 'east3', '--interval', '1', '--dry-run', ...sim, '--json'], home.env)
    assert.deepEqual(none.json.left_behind, [])
  })
})
