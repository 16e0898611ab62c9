import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {lockPass} from '../../src/store/pass-lock.js'
import {EXAMPLE, ROOT, tempHome, violinProcess} from '../helpers/cli.js'

/**
 * `violin adapt` on the simulated two-site cluster (examples/two-sites.yaml), whose clock
 * advances only when violin waits: a pass takes no real time. The hosts are in the
 * inventory as sim hosts, so the history is written to the state dir, in its sim/ (apart
 * from the real hosts' history), like on real hosts.
 */
describe('violin adapt on simulated hosts', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)

  beforeEach(async () => {
    home = tempHome()
    for (const [name, site] of [
      ['east1', 'east'],
      ['east2', 'east'],
      ['east3', 'east'],
      ['west1', 'west'],
      ['west2', 'west'],
    ]) {
      const r = await cli(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE])
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })

  afterEach(() => home.remove())

  it('--once --dry-run prints each decision with its reason', async () => {
    const r = await cli(['adapt', '--once', '--dry-run', '--interval', '5'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /violin \(dry run\): migrate web-2: east1 -> east2, ~[\d.]+ s predicted — east1 has the highest score in east/)
    assert.match(r.stdout, /violin \(dry run\): set-memory db-1 on east2: 8192 -> \d+ MiB — db-1 uses 88% of its memory/)
  })

  it('with --connect, keeps its history in memory and writes nothing to the state dir', async () => {
    const r = await violinProcess(['adapt', '--once', '--dry-run', '--connect', `sim:${EXAMPLE}`], {
      ...home.env,
      VIOLIN_STATE_DIR: join(home.dir, 'connect-state'),
    })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(!existsSync(join(home.dir, 'connect-state')), 'no history, no lock file')
  })

  it('--once --json gives the plan and no outcome on a dry run', async () => {
    const r = await cli(['adapt', '--once', '--dry-run', '--json', '--policy', 'none'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual([r.json.policy, r.json.dry_run, r.json.plan.actions, r.json.outcomes], ['none', true, [], []])
  })

  it('--once is silent when it had nothing to do, and carries the history from one cron pass to the next', async () => {
    const first = await cli(['adapt', '--once', '--policy', 'none'])
    assert.deepEqual([first.exitCode, first.stdout, first.stderr], [0, '', ''])
    const file = join(home.dir, 'state', 'sim', 'history.json')
    assert.ok(!existsSync(join(home.dir, 'state', 'history.json')), 'simulated hosts never write the real history')
    const one = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(one.hosts.east1.cpu.length, 1)
    await cli(['adapt', '--once', '--policy', 'none'])
    const two = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(two.hosts.east1.cpu.length, 2, "the second pass added to the first one's window")
    assert.ok(two.vms['web-1'].samples >= 2)
  })

  it('--once reports a failed action on stderr, carries out the others and exits 1', async () => {
    // A host of another simulated cluster: east1's hypervisor cannot reach it, as a real
    // source cannot reach a destination outside its network.
    const other = join(home.dir, 'other.yaml')
    writeFileSync(other, 'hosts:\n  - {name: east9, site: east, cores: 32, memory: 128GiB}\nvms: []\n')
    assert.equal((await cli(['host', 'add', 'east9', '--local', '--site', 'east', '--driver', 'sim', '--uri', other])).exitCode, 0)
    const r = await cli(['adapt', '--once', '--json'])
    assert.equal(r.exitCode, 1, r.stderr)
    const failed = r.json.outcomes.filter((o: {ok: boolean}) => !o.ok)
    assert.ok(
      failed.length > 0 &&
        failed.every(
          (o: {action: {kind: string; to: string}; error: string}) =>
            o.action.kind === 'migrate' && o.action.to === 'east9' && /host "east9" is not in/.test(o.error),
        ),
      JSON.stringify(r.json.outcomes),
    )
    assert.ok(
      r.json.outcomes.some((o: {ok: boolean}) => o.ok),
      'the other actions were carried out',
    )
    const text = await cli(['adapt', '--once', '--policy', 'violin'])
    assert.equal(text.exitCode, 1)
    assert.match(text.stderr, /^failed: migrate web-\d: east1 -> east9: host "east9" is not in/m)
  })

  it('--once says what it did, each action once, for cron to mail; --quiet leaves it silent', async () => {
    const r = await violinProcess(['adapt', '--once', '--connect', `sim:${EXAMPLE}`], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.ok(
      lines.some((l) =>
        /^2026-01-01T00:00:10Z violin: migrate web-2: east1 -> east2, ~[\d.]+ s predicted — east1 has the highest score in east/.test(l),
      ),
      r.stdout,
    )
    assert.equal(lines.filter((l) => /^done: migrate web-2: east1 -> east2 \([\d.]+ s\)$/.test(l)).length, 1, r.stdout)
    assert.equal(lines.filter((l) => /web-2: east1 -> east2/.test(l)).length, 2, 'its decision, then its outcome')
    assert.doesNotMatch(r.stdout, /note:|nothing to do/, 'a cron pass says what it did, not what it saw')
    const quiet = await violinProcess(['adapt', '--once', '--quiet', '--connect', `sim:${EXAMPLE}`], home.env)
    assert.deepEqual([quiet.exitCode, quiet.stdout, quiet.stderr], [0, '', ''])
  })

  it('refuses a second pass while one holds the lock, naming the holder (exit 8)', async () => {
    const release = await lockPass(join(home.dir, 'state', 'sim'))
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
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'adapt', '--dry-run', '--policy', 'none', '--interval', '1'], {
      env: {...process.env, ...home.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    for (let i = 0; i < 100 && !/none: note/.test(out); i++) await new Promise((r) => setTimeout(r, 100))
    assert.match(out, /none: note/, err)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0, err)
    assert.match(err, /stopping after the action in flight/)
    assert.ok(existsSync(join(home.dir, 'state', 'sim', 'history.json')))
    assert.ok(!existsSync(join(home.dir, 'state', 'sim', 'adapt.lock')), 'the lock is released')
  })
})

describe('host drain and undrain on simulated hosts', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)

  before(async () => {
    home = tempHome()
    for (const [name, site] of [
      ['east1', 'east'],
      ['east2', 'east'],
      ['east3', 'east'],
      ['west1', 'west'],
      ['west2', 'west'],
    ]) {
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
    assert.match(
      env.stderr,
      /VM "lab-head" \(1 vCPU, 256 MiB\) fits on no host in site "east": east1 has 0 cores .*; in maintenance: east2/,
    )
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
    assert.ok(
      r.json.outcomes.every((o: {ok: boolean}) => o.ok),
      JSON.stringify(r.json.outcomes),
    )
  })

  it('names an unknown host (exit 4) and moves nothing', async () => {
    const r = await run(['vacate', 'nowhere', '--dry-run', '--connect', `sim:${EXAMPLE}`])
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /host "nowhere" is not in sim:/)
  })
})

describe('violin adapt on a simulation scenario (--connect sim:SCENARIO)', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())
  const run = (args: string[]) => violinProcess(args, home.env)
  const icac1 = join(ROOT, 'examples/scenarios/icac-1.yaml')

  it('runs the real loop to the end of the scenario, printing each decision before its outcome, then the run times', async () => {
    const r = await run(['adapt', '--connect', `sim:${icac1}`])
    assert.equal(r.exitCode, 0, r.stderr)
    const lines = r.stdout.split('\n')
    const decided = lines.findIndex((l) =>
      /violin: migrate-environment V1: D1 -> D2 \(4 VMs, ~[\d.]+ s predicted\) — d1-h1 demands 200% of its cores/.test(l),
    )
    const done = lines.findIndex((l) => /^done: migrate-environment V1: D1 -> D2 \(\d+\.\d s\)$/.test(l))
    assert.ok(decided >= 0 && done > decided, r.stdout)
    assert.match(r.stdout, /start: V4 starts: 4 VM\(s\)/)
    assert.match(r.stdout, /end: V2 done after 600 s/)
    assert.doesNotMatch(r.stdout, /nothing to do/, 'a foreground loop prints decisions, not their absence')
    assert.match(r.stdout, /scenario done after \d+ passes: average \d+ s, overall \d+ s, 8 migrations/)
  })

  it('icac-1: one line per decision under 160 characters, each action once, notes once per pass, reasons quoting the demand that caused them', async () => {
    const r = await run(['adapt', '--connect', `sim:${icac1}`])
    assert.equal(r.exitCode, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    const long = lines.filter((l) => l.length > 160)
    assert.deepEqual(long, [], 'long detail is for --json')
    // The two environment moves of the run: each decided on one line, then one short "done".
    for (const env of ['V1', 'V4']) {
      const about = lines.filter((l) => l.includes(`migrate-environment ${env}:`))
      assert.equal(about.length, 2, about.join('\n'))
      assert.match(about[0]!, / — /)
      assert.match(about[1]!, /^done: migrate-environment \w+: D1 -> D2 \(\d+\.\d s\)$/)
    }
    assert.doesNotMatch(r.stdout, /V1-1 d1-h1->d2-h1/, "an environment's VM by VM moves are in --json")
    // At 00:10 d1-h1 (one core) runs V1-1 and V3-1, each wanting its whole vCPU: 200%.
    // The figure is that demand, not the 100% the host is left with once V1-1 has gone.
    assert.match(
      r.stdout,
      /^2026-01-01T00:10:00Z violin: migrate-environment V1: D1 -> D2 \(4 VMs, ~[\d.]+ s predicted\) — d1-h1 demands 200% of its cores; no host of D1 can take the load$/m,
    )
    // Four hosts x two environments was eight notes of one fact: now one per site and pass.
    const notes = lines.filter((l) => / violin: note: /.test(l))
    assert.equal(notes.filter((l) => l.startsWith('2026-01-01T00:00:30Z')).length, 1, notes.join('\n'))
    assert.ok(notes.length <= 5, notes.join('\n'))
    assert.ok(lines.length <= 25, `${lines.length} lines (41 before)`)
    const json = await run(['adapt', '--connect', `sim:${icac1}`, '--json'])
    const moved = json.json.passes
      .flatMap((p: {plan: {actions: Array<{kind: string; environment?: string; moves?: unknown[]}>}}) => p.plan.actions)
      .find((a: {environment?: string}) => a.environment === 'V1')
    assert.equal(moved.moves.length, 4, 'the moves are whole in --json')
  })

  it('--quiet still prints the run times of a scenario: they are its results', async () => {
    const r = await run(['adapt', '--connect', `sim:${icac1}`, '--quiet'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^scenario done after \d+ passes: average \d+ s, overall \d+ s, 8 migrations/)
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout)
  })

  for (const [scenario, policy] of [
    ['icac-1', 'violin'],
    ['icac-2', 'violin'],
    ['icac-2', 'idc'],
    ['icac-2', 'sandpiper'],
  ]) {
    it(`${scenario}, ${policy}: gives what \`simulate\` gives (the same policy code, view and way of acting), within 2%`, async () => {
      const file = join(ROOT, `examples/scenarios/${scenario}.yaml`)
      const loop = await run(['adapt', '--connect', `sim:${file}`, '--policy', policy!, '--json'])
      const sim = await run(['simulate', file, '--policy', policy!, '--json'])
      assert.equal(loop.exitCode, 0, loop.stderr)
      const expected = sim.json.policies[policy!]
      assert.deepEqual(Object.keys(loop.json), ['passes', 'scenario'])
      assert.ok(
        Math.abs(loop.json.scenario.migrations - expected.migrations) <= 1,
        `migrations: loop ${loop.json.scenario.migrations}, simulate ${expected.migrations}`,
      )
      assert.deepEqual(loop.json.scenario.failed_environments, [])
      for (const key of ['average_time_s', 'overall_time_s']) {
        const ratio = loop.json.scenario[key] / expected[key]
        assert.ok(Math.abs(ratio - 1) < 0.02, `${key}: loop ${loop.json.scenario[key]} s, simulate ${expected[key]} s`)
      }
      assert.ok(loop.json.passes.every((p: {outcomes: Array<{ok: boolean}>}) => p.outcomes.every((o) => o.ok)))
    })
  }

  it('thesis-group-reunion, sandpiper: the loop decides the same move for the same reason as `simulate`, traffic leaving the cluster counted (one view for both)', async () => {
    const file = join(ROOT, 'examples/scenarios/thesis-group-reunion.yaml')
    const loop = await run(['adapt', '--connect', `sim:${file}`, '--policy', 'sandpiper', '--json'])
    const sim = await run(['simulate', file, '--policy', 'sandpiper', '--json'])
    assert.equal(loop.exitCode, 0, loop.stderr)
    const loopMove = loop.json.passes
      .flatMap((p: {plan: {actions: Array<{kind: string; vm: string; to: string; reason: string}>}}) => p.plan.actions)
      .find((a: {kind: string}) => a.kind === 'migrate')
    const simMove = sim.json.policies.sandpiper.timeline.find(
      (e: {kind: string; text: string}) => e.kind === 'action' && e.text.includes('migrate'),
    )
    assert.ok(loopMove && simMove, `loop: ${JSON.stringify(loopMove)}; simulate: ${JSON.stringify(simMove)}`)
    assert.equal(simMove.text, `sandpiper: migrate ${loopMove.vm} ${loopMove.from} -> ${loopMove.to}: ${loopMove.reason}`)
    assert.match(
      loopMove.reason,
      /volume [\d.]+ = 1\/\(\(1-[\d.]+\)\(1-[\d.]+\)\(1-0\.06\)\)/,
      'the network term includes what VM1 sends outside',
    )
  })

  it("journal-jobs, violin: an environment's 8 moves go 4 and 4 in simulated time whatever the disk takes in between, so two runs agree with each other and with `simulate`", async () => {
    const file = join(ROOT, 'examples/scenarios/journal-jobs.yaml')
    const [first, second] = [
      await run(['adapt', '--connect', `sim:${file}`, '--json']),
      await run(['adapt', '--connect', `sim:${file}`, '--json']),
    ]
    assert.equal(first.exitCode, 0, first.stderr)
    assert.deepEqual(second.json, first.json)
    const moves = first.json.passes
      .flatMap((p: {outcomes: Array<{action: {kind: string; moves?: unknown[]}; seconds: number}>}) => p.outcomes)
      .filter((o: {action: {kind: string}}) => o.action.kind === 'migrate-environment')
    const eight = moves.find((o: {action: {moves?: unknown[]}}) => o.action.moves?.length === 8)
    assert.ok(eight, JSON.stringify(moves.map((o: {action: {moves?: unknown[]}}) => o.action.moves?.length)))
    const single = moves.find((o: {action: {moves?: unknown[]}}) => o.action.moves?.length === 4)?.seconds ?? 15
    assert.equal(eight.seconds, 2 * single, 'two rounds of four moves, each as long as one round')
    const sim = await run(['simulate', file, '--policy', 'violin', '--json'])
    const expected = sim.json.policies.violin
    for (const key of ['average_time_s', 'overall_time_s', 'migrations']) assert.equal(first.json.scenario[key], expected[key], key)
  })

  it('with --policy none lets the memory scenario fail, as the paper says it does without adaptation', async () => {
    const r = await run(['adapt', '--connect', `sim:${join(ROOT, 'examples/scenarios/icac-3-memory.yaml')}`, '--policy', 'none', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json.scenario.failed_environments, ['V3'])
    const violin = await run(['adapt', '--connect', `sim:${join(ROOT, 'examples/scenarios/icac-3-memory.yaml')}`, '--json'])
    assert.deepEqual(violin.json.scenario.failed_environments, [], 'violin frees and balloons the memory V3 needs')
  })

  it('--once runs a single pass on the scenario and reports the plan', async () => {
    const r = await run(['adapt', '--once', '--dry-run', '--connect', `sim:${icac1}`, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.policy, 'violin')
    assert.equal(r.json.seen.vms, 14, 'V1, V2 and V3 run from the start')
    assert.equal(r.json.time, '2026-01-01T00:00:30.000Z', "the scenario's interval_s (30 s)")
  })
})

/**
 * What a person's terminal session has: ora draws nothing when CI is set or TERM is dumb
 * (a CI runner exports both), so the test must not inherit them.
 */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, ...extra, TERM: 'xterm-256color'}
  delete env.CI
  return env
}

describe('violin adapt in the foreground on a terminal', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())

  it('keeps a live line at the bottom and every decision line whole above it (a pseudo-terminal by script(1))', async () => {
    const out = join(home.dir, 'typescript')
    const command = `stty cols 100; ${process.execPath} ${join(ROOT, 'bin/run.js')} adapt --connect sim:${join(ROOT, 'examples/scenarios/icac-1.yaml')}`
    const child = spawn('script', ['-qec', command, out], {env: terminalEnv(home.env), stdio: 'ignore'})
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
    const screen = readFileSync(out, 'utf8')
    // What a terminal shows: each printed line starts after the live line was wiped (ESC[0K at column 1).
    const printed = screen.split('\r\n').map((l) => l.replace(/^.*\x1b\[1G\x1b\[0K(?:\x1b\[1G)?/s, ''))
    assert.ok(
      printed.some((l) => /^2026-01-01T00:10:00Z violin: migrate-environment V1: D1 -> D2 .* — d1-h1 demands 200% of its cores/.test(l)),
      screen.slice(0, 2000),
    )
    assert.match(screen, /violin: pass \d+ at \d\d:\d\d:\d\d, 10 hosts, \d+ VMs; \d+ actions so far · pass \d+: measuring over 30 s/)
    assert.ok(printed.some((l) => /^scenario done after \d+ passes/.test(l)))
    assert.ok(screen.length < 2_000_000, `the live line is redrawn, not repeated without end (${screen.length} bytes)`)
  })

  it('draws no live line on a terminal that does not say its width (ora would count the line as endless)', async () => {
    const out = join(home.dir, 'typescript-0')
    const command = `stty cols 0; ${process.execPath} ${join(ROOT, 'bin/run.js')} adapt --connect sim:${join(ROOT, 'examples/scenarios/icac-2.yaml')}`
    const child = spawn('script', ['-qec', command, out], {env: terminalEnv(home.env), stdio: 'ignore'})
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const [code] = await once(child, 'exit')
    clearTimeout(timer)
    assert.equal(code, 0, 'finished (before the fix it cleared lines until killed)')
    const screen = readFileSync(out, 'utf8')
    assert.doesNotMatch(screen, /measuring over/)
    assert.match(screen, /scenario done after \d+ passes/)
  })
})
