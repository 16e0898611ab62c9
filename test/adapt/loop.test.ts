import {strict as assert} from 'node:assert'
import {join} from 'node:path'

import {type AdaptLoopOptions, adaptLoop, type LoopEvent} from '../../src/adapt/loop.js'
import type {Driver} from '../../src/hypervisor/driver.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'
import {Session} from '../../src/services/session.js'
import {EXAMPLE, ROOT} from '../helpers/cli.js'
import {useTempStateDir} from '../helpers/state-dir.js'

const ICAC_1 = join(ROOT, 'examples', 'scenarios', 'icac-1.yaml')

function loopOptions(session: Session, more: Partial<AdaptLoopOptions> = {}): AdaptLoopOptions {
  const world = session.scenario
  const intervalMs = (world?.scenario.intervalS ?? 10) * 1000
  return {
    pass: {policy: 'violin', dryRun: false, intervalMs, policyOptions: {...DEFAULT_POLICY_OPTIONS, ...world?.scenario.policyOptions}},
    once: false,
    leaseTtlS: 10,
    simPauseMs: 0,
    ...more,
  }
}

/**
 * Holds the host's next live migration until released: an action in flight the test can
 * stop the loop during. `entered` resolves as it starts; `finished` once the move is done.
 */
function holdMigration(driver: Driver): {entered: Promise<void>; release: () => void; finished: () => Promise<unknown>} {
  const migrate = driver.migrate.bind(driver)
  let entered!: () => void
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let moving: Promise<unknown> = Promise.resolve()
  const started = new Promise<void>((resolve) => (entered = resolve))
  driver.migrate = async (...args) => {
    entered()
    await gate
    const move = migrate(...args)
    moving = move.catch(() => undefined)
    return move
  }
  return {entered: started, release, finished: async () => moving}
}

const kinds = (events: LoopEvent[]) => events.map((e) => e.type)

/** The adaptation loop (src/adapt/loop.ts) on simulated clusters, whose clock is virtual: no pass waits real time. */
describe('the adaptation loop', () => {
  // Migrations are recorded in the state dir: a temporary one, not the user's.
  useTempStateDir()

  let session: Session
  beforeEach(async () => (session = await Session.open({connect: `sim:${EXAMPLE}`})))
  afterEach(() => session.close())

  it('a pass reports its decisions before carrying them out, then each outcome, then itself', async () => {
    const events: LoopEvent[] = []
    const run = await adaptLoop(session, loopOptions(session, {once: true}), new AbortController().signal, (e) => events.push(e))
    const decision = events.find((e) => e.type === 'decision')
    assert.ok(decision?.type === 'decision')
    const planned = decision.plan.actions.map((a) => a.kind)
    assert.ok(planned.includes('migrate'), JSON.stringify(planned))
    assert.deepEqual(kinds(events), ['pass-started', 'decision', ...planned.map(() => 'action-done'), 'pass-done', 'stopped'])
    const done = events.flatMap((e) => (e.type === 'action-done' ? [e.outcome] : []))
    assert.deepEqual(
      done.map((o) => o.action),
      decision.plan.actions,
      'each action done, in the order decided',
    )
    assert.ok(
      done.every((o) => o.ok),
      JSON.stringify(done),
    )
    assert.deepEqual(events.at(-1), {type: 'stopped', why: 'once'})
    assert.deepEqual([run.passes.length, run.totals, run.stopped], [1, {actions: planned.length, failed: 0}, 'once'])
  })

  it('runs a scenario on its own clock to its end, its events told before the decisions of the pass', async function () {
    this.timeout(20_000)
    const scenario = await Session.open({connect: `sim:${ICAC_1}`})
    try {
      const events: LoopEvent[] = []
      const run = await adaptLoop(scenario, loopOptions(scenario), new AbortController().signal, (e) => events.push(e))
      assert.deepEqual([run.stopped, events.at(-1)], ['done', {type: 'stopped', why: 'done'}])
      assert.equal(events.filter((e) => e.type === 'pass-started').length, run.passes.length)
      const told = events.flatMap((e) => (e.type === 'scenario' ? e.events.map((t) => t.text) : []))
      assert.ok(told.includes('V1 starts: 4 VM(s) on d1-h1, d1-h2, d1-h3, d1-h4'), told.join('\n'))
      const decided = events.findIndex((e) => e.type === 'decision' && e.plan.actions.some((a) => a.kind === 'migrate-environment'))
      const done = events.findIndex((e) => e.type === 'action-done' && e.outcome.action.kind === 'migrate-environment')
      assert.ok(decided >= 0 && done > decided, 'decided, then done')
    } finally {
      await scenario.close()
    }
  })

  it('stopped once during an action, lets it finish and starts no new pass', async () => {
    const held = holdMigration(await session.driver(session.host('east1')))
    const stop = new AbortController()
    const force = new AbortController()
    const events: LoopEvent[] = []
    const running = adaptLoop(session, loopOptions(session, {force: force.signal}), stop.signal, (e) => events.push(e))
    await held.entered
    const atStop = events.length
    stop.abort()
    held.release()
    const run = await running
    const after = events.slice(atStop)
    assert.deepEqual(kinds(after), ['stopping', 'action-done', 'pass-done', 'stopped'], JSON.stringify(after))
    assert.ok(
      after[1]!.type === 'action-done' && after[1]!.outcome.ok && after[1]!.outcome.action.kind === 'migrate',
      'the migration in flight finished',
    )
    assert.deepEqual(after.at(-1), {type: 'stopped', why: 'aborted'})
    assert.equal(events.filter((e) => e.type === 'pass-started').length, 1, 'no new pass')
    assert.deepEqual([run.passes.length, run.stopped], [1, 'aborted'])
    assert.ok(
      (await (await session.driver(session.host('east2'))).sample()).vms.some((v) => v.name === 'web-2'),
      'web-2 moved to east2',
    )
  })

  it('stopped twice, gives up the action in flight at once: it is not awaited and nothing more is told', async () => {
    const held = holdMigration(await session.driver(session.host('east1')))
    const stop = new AbortController()
    const force = new AbortController()
    const events: LoopEvent[] = []
    const running = adaptLoop(session, loopOptions(session, {force: force.signal}), stop.signal, (e) => events.push(e))
    await held.entered
    stop.abort()
    force.abort()
    const run = await running
    assert.deepEqual(kinds(events).slice(-3), ['stopping', 'stopping', 'stopped'])
    assert.deepEqual(events.slice(-3), [
      {type: 'stopping', forced: false},
      {type: 'stopping', forced: true},
      {type: 'stopped', why: 'forced'},
    ])
    assert.ok(
      !events.some((e) => e.type === 'action-done' && e.outcome.action.kind === 'migrate'),
      'the migration in flight was not awaited',
    )
    assert.deepEqual([run.passes.length, run.stopped], [0, 'forced'])
    // What was abandoned runs out before the session closes; the loop says nothing more.
    const told = events.length
    held.release()
    await held.finished()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(events.length, told)
  })
})
