import {strict as assert} from 'node:assert'

import {Session} from '../../src/services/session.js'
import {stopOnSignals} from '../../src/services/signals.js'
import {planHostVacate, runVacate} from '../../src/services/vacate.js'
import {EXAMPLE} from '../helpers/cli.js'

describe('stopping on signals (src/services/signals.ts)', () => {
  it('the first SIGTERM asks to stop; a second one exits at once with 143', () => {
    const before = process.listenerCount('SIGTERM')
    const exits: number[] = []
    const said: string[] = []
    const stop = stopOnSignals((by) => said.push(by), (code) => exits.push(code))
    try {
      process.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual([stop.signal.aborted, stop.by, said, exits], [true, 'SIGTERM', ['SIGTERM'], []])
      process.emit('SIGINT', 'SIGINT')
      assert.deepEqual(exits, [130], 'a second signal of either kind forces, with its own code')
    } finally {
      stop.dispose()
    }
    assert.equal(process.listenerCount('SIGTERM'), before, 'disposed: Node handles the signal again')
  })

  it('vacate: once stopped, the move in flight finishes and no new one begins', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const plan = await planHostVacate(session, ['east1'], 1000)
      assert.ok(plan.moves.length >= 2, JSON.stringify(plan.moves))
      const stop = new AbortController()
      const outcomes = await runVacate(session, plan, 1, () => stop.abort(), stop.signal)
      assert.deepEqual(
        outcomes.map((o) => [o.ok, o.notStarted ?? false]),
        plan.moves.map((_, i) => (i === 0 ? [true, false] : [false, true])),
      )
    } finally {
      await session.close()
    }
  })
})
