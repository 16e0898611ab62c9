import {strict as assert} from 'node:assert'

import type {MigrationRecord} from '../../src/monitor/migration-history.js'
import {Session} from '../../src/services/session.js'
import {measureVmStates} from '../../src/services/vm-state.js'
import {EXAMPLE} from '../helpers/cli.js'

const record = (vm: string, rate: number, at: string): MigrationRecord => ({
  at,
  vm,
  from: 'east2',
  to: 'east1',
  mode: 'live',
  memory_mib: 1024,
  dirty_rate_mibs: rate,
  concurrent: 1,
  wall_ms: 3000,
})

describe("measuring what decides each VM's migration (src/services/vm-state.ts)", () => {
  it('takes the memory in use from the hypervisor, and a rate it cannot measure from the history, saying where from', async () => {
    // The simulated cluster file knows what each VM holds, not what it dirties.
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const which = new Map([['east1', undefined]])
      const none = await measureVmStates(session, which, 1)
      assert.deepEqual([...none.keys()].sort(), ['web-1', 'web-2', 'web-3', 'web-head'])
      for (const r of none.values()) {
        assert.equal(r.host, 'east1')
        assert.equal(r.dirtyRateFrom, 'none')
        assert.equal(r.dirtyRateMiBs, undefined, 'no rate is made up')
        assert.ok(r.usedMiB! > 0 && r.usedFrom === 'guest')
      }
      const history = [
        record('web-1', 12, '2026-12-01T00:00:00Z'),
        record('web-1', 30, '2026-12-02T00:00:00Z'),
        record('db', 4, '2026-12-01T00:00:00Z'),
      ]
      const known = await measureVmStates(session, which, 1, {history})
      assert.deepEqual(
        {rate: known.get('web-1')!.dirtyRateMiBs, from: known.get('web-1')!.dirtyRateFrom},
        {rate: 30, from: 'last-migration'},
        'the latest of its own migrations',
      )
      assert.deepEqual(
        {rate: known.get('web-2')!.dirtyRateMiBs, from: known.get('web-2')!.dirtyRateFrom},
        {rate: 12, from: 'history'},
        'the median of every recorded one',
      )
      // Only the VMs asked about.
      const one = await measureVmStates(session, new Map([['east1', ['web-3']]]), 1)
      assert.deepEqual([...one.keys()], ['web-3'])
    } finally {
      await session.close()
    }
  })

  it('gives no rate at all where libvirt cannot measure one (the test driver), rather than a stale or invented one', async () => {
    const session = await Session.open({connect: 'test:///default'})
    try {
      const host = session.select()[0]!.name
      const states = await measureVmStates(session, new Map([[host, ['test']]]), 1)
      const r = states.get('test')!
      assert.equal(r.dirtyRateMiBs, undefined)
      assert.equal(r.dirtyRateFrom, 'none')
    } finally {
      await session.close()
    }
  })

  it('refuses a host the inventory does not have, by its name', async () => {
    const session = await Session.open({connect: 'test:///default'})
    try {
      await assert.rejects(measureVmStates(session, new Map([['nosuchhost', undefined]]), 1), /nosuchhost/)
    } finally {
      await session.close()
    }
  })
})
