import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {lockPass} from '../../src/adapt/lock.js'
import {EXAMPLE, ROOT, tempHome, violinProcess} from '../helpers/cli.js'

/**
 * `violin adapt` on the simulated two-site cluster (examples/two-sites.yaml), whose clock
 * advances only when violin waits: a pass takes no real time. The hosts are in the
 * inventory as sim hosts, so the history is written to the state dir like on real hosts.
 */
describe('violin adapt on simulated hosts', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)

  beforeEach(async () => {
    home = tempHome()
    for (const [name, site] of [['east1', 'east'], ['east2', 'east'], ['east3', 'east'], ['west1', 'west'], ['west2', 'west']]) {
      const r = await cli(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE])
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })

  afterEach(() => home.remove())

  it('--once --dry-run prints each decision with its reason', async () => {
    const r = await cli(['adapt', '--once', '--dry-run', '--interval', '5'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /violin \(dry run\): migrate web-2: east1 -> east2 — east1 has the highest score in east/)
    assert.match(r.stdout, /violin \(dry run\): set-memory db-1 on east2: 8192 -> \d+ MiB — db-1 uses 88% of its memory/)
  })

  it('with --connect, keeps its history in memory and writes nothing to the state dir', async () => {
    const r = await violinProcess(['adapt', '--once', '--dry-run', '--connect', `sim:${EXAMPLE}`], {...home.env, VIOLIN_STATE_DIR: join(home.dir, 'connect-state')})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(!existsSync(join(home.dir, 'connect-state')), 'no history, no lock file')
  })

  it('--once --json gives the plan and no outcome on a dry run', async () => {
    const r = await cli(['adapt', '--once', '--dry-run', '--json', '--policy', 'none'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual([r.json.policy, r.json.dryRun, r.json.plan.actions, r.json.outcomes], ['none', true, [], []])
  })

  it('--once is silent on success, and carries the history from one cron pass to the next', async () => {
    const first = await cli(['adapt', '--once', '--policy', 'none'])
    assert.deepEqual([first.exitCode, first.stdout, first.stderr], [0, '', ''])
    const file = join(home.dir, 'state', 'history.json')
    const one = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(one.hosts.east1.cpu.length, 1)
    await cli(['adapt', '--once', '--policy', 'none'])
    const two = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(two.hosts.east1.cpu.length, 2, 'the second pass added to the first one\'s window')
    assert.ok(two.vms['web-1'].samples >= 2)
  })

  it('refuses a second pass while one holds the lock, naming the holder (exit 8)', async () => {
    const release = await lockPass(join(home.dir, 'state'))
    try {
      const r = await cli(['adapt', '--once', '--dry-run'])
      assert.equal(r.exitCode, 8, r.stderr)
      assert.match(r.stderr, new RegExp(`another adaptation pass is running \\(pid ${process.pid}\\)`))
    } finally {
      await release()
    }
    assert.equal((await cli(['adapt', '--once', '--dry-run', '--policy', 'none'])).exitCode, 0, 'free again once released')
  })

  it('in the foreground, stops on SIGTERM after the pass in flight, writes the history and exits 0', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'adapt', '--dry-run', '--policy', 'none', '--interval', '1'], {env: {...process.env, ...home.env}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    for (let i = 0; i < 100 && !/nothing to do/.test(out); i++) await new Promise((r) => setTimeout(r, 100))
    assert.match(out, /none: nothing to do|none: note/, err)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0, err)
    assert.match(err, /stopping after the action in flight/)
    assert.ok(existsSync(join(home.dir, 'state', 'history.json')))
    assert.ok(!existsSync(join(home.dir, 'state', 'adapt.pid')), 'the lock is released')
  })
})

describe('host drain and undrain on simulated hosts', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)

  before(async () => {
    home = tempHome()
    for (const [name, site] of [['east1', 'east'], ['east2', 'east'], ['east3', 'east'], ['west1', 'west'], ['west2', 'west']]) {
      assert.equal((await cli(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE])).exitCode, 0)
    }
  })

  after(() => home.remove())

  it('a drained host is never a destination: not for the adaptation loop, not for env create', async () => {
    assert.equal((await cli(['host', 'drain', 'east2'])).exitCode, 0)
    assert.match((await cli(['host', 'list'])).stdout, /east2 +east +local +sim +drained/)
    const plan = await cli(['adapt', '--once', '--dry-run', '--json'])
    const targets = plan.json.plan.actions.filter((a: {kind: string}) => a.kind === 'migrate').map((a: {to: string}) => a.to)
    assert.ok(!targets.includes('east2'), `east2 is drained: ${JSON.stringify(plan.json.plan.actions)}`)
    // east2 was the only east host with free cores: with it drained, the head node fits nowhere in east.
    const env = await cli(['env', 'create', 'lab', '--vms', '2', '--kernel', '/srv/vmlinux', '--head-site', 'east', '--dry-run'])
    assert.equal(env.exitCode, 1)
    assert.match(env.stderr, /VM "lab-head" \(1 vCPU, 256 MiB\) fits on no host in site "east": east1 has 0 cores .*; in maintenance: east2/)
    const again = await cli(['host', 'drain', 'east2'])
    assert.match(again.stdout, /already in maintenance/)
    assert.equal((await cli(['host', 'undrain', 'east2'])).exitCode, 0)
    assert.match((await cli(['host', 'list'])).stdout, /east2 +east +local +sim +open/)
  })

  it('names an unknown host', async () => {
    const r = await cli(['host', 'drain', 'nowhere'])
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /host "nowhere" is not in the inventory/)
  })
})

describe('vacate on the simulated cluster', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())
  const run = (args: string[]) => violinProcess(args, home.env)

  it('prints the plan and moves every VM off, spread over more than one host, each move done', async () => {
    const r = await run(['vacate', 'east1', '--connect', `sim:${EXAMPLE}`, '--max-parallel', '2', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json.moves.map((m: {vm: string}) => m.vm).sort(), ['web-1', 'web-2', 'web-3', 'web-head'])
    assert.ok(new Set(r.json.moves.map((m: {to: string}) => m.to)).size > 1, 'spread over more than one host')
    assert.ok(r.json.outcomes.every((o: {ok: boolean}) => o.ok), JSON.stringify(r.json.outcomes))
  })

  it('names an unknown host (exit 4) and moves nothing', async () => {
    const r = await run(['vacate', 'nowhere', '--dry-run', '--connect', `sim:${EXAMPLE}`])
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /host "nowhere" is not in sim:/)
  })
})
