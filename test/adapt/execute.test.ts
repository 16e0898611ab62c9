import {strict as assert} from 'node:assert'

import {executePlan, startable} from '../../src/adapt/execute.js'
import {History} from '../../src/monitor/history.js'
import type {Action} from '../../src/policy/cluster-view.js'
import {Session} from '../../src/services/session.js'
import {EXAMPLE} from '../helpers/cli.js'
import {useTempStateDir} from '../helpers/state-dir.js'

/** The executor against the simulated cluster (examples/two-sites.yaml): real services, sim driver. */
describe('carrying out an adaptation plan', () => {
  // Migrations are recorded in the state dir: a temporary one, not the user's.
  useTempStateDir()

  const actions: Action[] = [
    {kind: 'set-memory', vm: 'cache-1', host: 'east2', fromMiB: 4096, toMiB: 8192, reason: 'more than its max memory: must fail'},
    {kind: 'set-shares', vm: 'web-1', host: 'east1', from: 1024, to: 2048, reason: 'busy'},
    {kind: 'migrate', vm: 'batch-2', from: 'east3', to: 'east2', reason: 'east3 is overloaded'},
  ]

  it('reports a failed action and goes on with the others; a migration is recorded for the cooldown', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    const history = new History()
    try {
      const outcomes = await executePlan(session, history, actions)
      assert.deepEqual(
        outcomes.map((o) => [o.action.kind, o.ok]),
        [
          ['set-memory', false],
          ['set-shares', true],
          ['migrate', true],
        ],
      )
      assert.match(outcomes[0]!.error!, /cache-1" has max memory 4096 MiB/)
      assert.equal((await (await session.driver(session.host('east1'))).schedInfo('web-1')).weight, 512, 'shares 2048 = weight 512')
      assert.ok(
        (await (await session.driver(session.host('east2'))).sample()).vms.some((v) => v.name === 'batch-2'),
        'batch-2 runs on east2 now',
      )
      assert.ok(history.vmView('batch-2').lastMigratedMs !== undefined)
      await history.save()
      assert.equal((await History.load()).vmView('web-1').cpuShares, 2048, 'the next (cron) pass starts from the shares it gave')
      assert.equal(history.isMigrating('east3', session.clock.now()), false, 'hosts are judged again once the move is over')
    } finally {
      await session.close()
    }
  })

  it('starts no new action once stopped (SIGINT/SIGTERM)', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    const stop = new AbortController()
    try {
      const outcomes = await executePlan(session, new History(), actions.slice(1), stop.signal, () => stop.abort())
      assert.deepEqual(
        outcomes.map((o) => o.action.kind),
        ['set-shares'],
        'the migration after the signal never started',
      )
    } finally {
      await session.close()
    }
  })
})

describe('which actions of a plan may run at once (plan apply --max-parallel)', () => {
  const hosts = [['e1', 'e2'], ['e3', 'e4'], ['e2', 'e5'], ['e6'], ['e7']]

  it('starts actions on other hosts beside each other, up to the limit', () => {
    assert.deepEqual(startable(hosts, ['waiting', 'waiting', 'waiting', 'waiting', 'waiting'], 3), [0, 1, 3])
    assert.deepEqual(startable(hosts, ['waiting', 'waiting', 'waiting', 'waiting', 'waiting'], 1), [0])
  })

  it('keeps the plan order on a host: an action waits for every earlier one on its hosts', () => {
    assert.deepEqual(startable(hosts, ['running', 'done', 'waiting', 'waiting', 'waiting'], 2), [3])
    assert.deepEqual(startable(hosts, ['done', 'running', 'waiting', 'running', 'waiting'], 4), [2, 4])
  })

  it('starts nothing while the limit is taken', () => {
    assert.deepEqual(startable(hosts, ['running', 'running', 'waiting', 'waiting', 'waiting'], 2), [])
  })
})
