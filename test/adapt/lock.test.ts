import {strict as assert} from 'node:assert'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {lockPass} from '../../src/store/pass-lock.js'
import {PassLockedError} from '../../src/errors.js'

describe('the adaptation pass lock', function () {
  this.timeout(30_000)
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'violin-lock-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it("names the holder's PID to a second pass at every moment the lock is held, taking and releasing included", async () => {
    let running = true
    let cycles = 0
    // One pass takes and releases the lock over and over while another keeps knocking.
    const holder = (async () => {
      while (running) {
        const release = await lockPass(dir).catch(() => undefined)
        if (release) {
          cycles++
          await release()
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    let refused = 0
    const anonymous: string[] = []
    const until = Date.now() + 1500
    while (Date.now() < until) {
      try {
        const release = await lockPass(dir)
        await release()
      } catch (error) {
        assert.ok(error instanceof PassLockedError, String(error))
        refused++
        if (error.holder !== process.pid) anonymous.push(error.message)
      }
    }
    running = false
    await holder
    assert.ok(refused > 5 && cycles > 5, `the two passes met (${refused} refusals, ${cycles} cycles)`)
    assert.deepEqual(anonymous.slice(0, 3), [], `${anonymous.length} of ${refused} refusals named no PID`)
  })

  it("leaves nothing behind but the lock's target once released", async () => {
    const release = await lockPass(dir)
    await assert.rejects(
      lockPass(dir),
      (error: PassLockedError) => error.exitCode === 8 && error.holder === process.pid && /\(pid \d+\)/.test(error.message),
    )
    await release()
    assert.deepEqual(readdirSync(dir), ['adapt'])
    await (await lockPass(dir))()
  })
})
