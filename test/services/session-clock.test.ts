import {strict as assert} from 'node:assert'

import {Session} from '../../src/services/session.js'
import {EXAMPLE} from '../helpers/cli.js'

/** What a command waited on purpose is kept apart from its own time (the lead_ms of the migration history). */
describe("a session's clock (src/services/session.ts)", () => {
  it('counts the real time it waited for a real host', async () => {
    const session = await Session.open({connect: 'test:///default'})
    const started = performance.now()
    await session.clock.sleep(60)
    assert.ok(session.sleptMs >= 50 && session.sleptMs <= performance.now() - started + 1, `${session.sleptMs} ms`)
    await session.close()
  })

  it('waits no real time on a simulated cluster, and counts none', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    const started = performance.now()
    await session.clock.sleep(3_600_000)
    assert.ok(performance.now() - started < 1000)
    assert.equal(session.sleptMs, 0)
    await session.close()
  })
})
