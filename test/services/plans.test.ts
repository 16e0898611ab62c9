import {strict as assert} from 'node:assert'

import {loadPlan, readPlan} from '../../src/adapt/plan-document.js'
import {planJson} from '../../src/render/plan.js'
import {ViolinError} from '../../src/errors.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'
import {planMigration, runMigration} from '../../src/services/migration.js'
import {applyPlan, checkAge, makePlan} from '../../src/services/plans.js'
import {Session} from '../../src/services/session.js'
import {EXAMPLE} from '../helpers/cli.js'
import {useTempStateDir} from '../helpers/state-dir.js'

/** Plans made and applied on the simulated cluster (examples/two-sites.yaml): real services, sim driver, one process. */
describe('plans to review and apply (src/services/plans.ts)', function () {
  this.timeout(60_000)
  useTempStateDir()
  const options = {policy: 'violin', intervalMs: 1000, policyOptions: DEFAULT_POLICY_OPTIONS}

  it('applied after a VM was moved by hand, refuses that move and carries out the rest', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const plan = await makePlan(session, options)
      const move = plan.actions.find((a) => a.kind === 'migrate')
      assert.ok(move?.kind === 'migrate', JSON.stringify(plan.actions))
      assert.equal(plan.vms[move.vm]!.host, move.from, 'the plan keeps where it found the VM')
      assert.ok(plan.hosts[move.to]!.freeMemoryMiB > 0)
      // By hand, to a third host of the site.
      const elsewhere = Object.entries(plan.hosts).find(
        ([name, h]) => h.site === plan.hosts[move.from]!.site && name !== move.from && name !== move.to,
      )![0]
      await runMigration(session, await planMigration(session, move.vm, elsewhere, {live: true}, {}))
      const confirmed: number[] = []
      const run = await applyPlan(session, plan, {
        intervalMs: 1000,
        maxParallel: 2,
        confirm: async (checked) => {
          confirmed.push(checked.accepted.length)
          return true
        },
      })
      // Every action on that VM (its move, and its balloon on the host it left) is refused, the others hold.
      const about = (a: (typeof plan.actions)[number]) => 'vm' in a && a.vm === move.vm
      assert.ok(run.checked.refused.length >= 1)
      for (const r of run.checked.refused) {
        assert.ok(about(r.action), JSON.stringify(r))
        assert.equal(r.why, `${move.vm} is on ${elsewhere} now, not on ${move.from} as planned`)
      }
      assert.deepEqual(
        run.checked.accepted,
        plan.actions.filter((a) => !about(a)),
      )
      assert.ok(run.checked.accepted.length > 0)
      assert.deepEqual(confirmed, [run.checked.accepted.length], 'asked once, with what still holds')
      assert.deepEqual(
        run.outcomes.map((o) => o.ok),
        run.checked.accepted.map(() => true),
      )
      // Nothing of the plan is left to do: a second apply refuses every action.
      const again = await applyPlan(session, plan, {intervalMs: 1000, maxParallel: 1, confirm: async () => true})
      assert.equal(again.checked.accepted.length, 0, JSON.stringify(again.checked.accepted))
      assert.equal(again.outcomes.length, 0)
    } finally {
      await session.close()
    }
  })

  it('does nothing when not confirmed', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const plan = await makePlan(session, options)
      const run = await applyPlan(session, plan, {intervalMs: 1000, maxParallel: 1, confirm: async () => false})
      assert.ok(run.checked.accepted.length > 0)
      assert.deepEqual(run.outcomes, [])
      const after = await applyPlan(session, plan, {intervalMs: 1000, maxParallel: 1, confirm: async () => false})
      assert.equal(after.checked.accepted.length, run.checked.accepted.length, 'the hosts are as they were')
    } finally {
      await session.close()
    }
  })

  it('reads back what it saves, and refuses a plan older than --max-age', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const plan = await makePlan(session, options)
      const text = JSON.stringify(planJson(plan))
      assert.deepEqual(JSON.parse(JSON.stringify(readPlan('p.json', text))), JSON.parse(JSON.stringify(plan)))
      assert.doesNotThrow(() => checkAge(plan, plan.createdAtMs + 3599_000, 3600))
      assert.throws(
        () => checkAge(plan, plan.createdAtMs + 3601_000, 3600),
        (e: Error) => e instanceof ViolinError && /the plan was made at .*, 1 h ago: older than --max-age 1 h/.test(e.message),
      )
    } finally {
      await session.close()
    }
  })

  it('refuses a file that is not a plan, naming the line', () => {
    assert.throws(
      () => readPlan('p.json', '{"version": 1,\n "created_at": "yesterday"}'),
      /p\.json:2:\d+: created_at: expected an ISO 8601 time/,
    )
    assert.throws(() => loadPlan('/nonexistent/plan.json'), /nonexistent\/plan\.json/)
  })
})
