import {strict as assert} from 'node:assert'

import {calibrate} from '../../src/predict/calibration.js'
import type {Measurement} from '../../src/predict/measurement.js'
import {INTERVAL_COVERAGE, intervalHalf, predictMigration} from '../../src/predict/predict.js'
import {predictVacate} from '../../src/predict/vacate-time.js'

/** A live migration as the bed measures one: 400 ms fixed, 4 ms per MiB sent, the overhead around it 500 ms. */
const measured = (m: {memory: number; used: number; sent: number; rate?: number; noise?: number}): Measurement => {
  const job = 400 + 4 * m.sent + (m.noise ?? 0)
  return {
    mode: 'live',
    memory_mib: m.memory,
    used_mib: m.used,
    sent_mib: m.sent,
    dirty_rate_mibs: m.rate ?? 0,
    bandwidth_mibs: 250,
    concurrent: 1,
    total_ms: job,
    wall_ms: job + 500,
    downtime_ms: 30,
  }
}

/** A seeded generator (mulberry32): the same noise every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())

describe('predicting from what each VM holds and dirties (src/predict/calibration.ts, predict.ts)', () => {
  it('sends what the guest holds plus what the calibration saw travel beyond it, not its nominal memory', () => {
    // Idle guests that held 29 MiB sent 64: 35 MiB beyond.
    const cal = calibrate(
      [0, 1, 2].map(() => measured({memory: 256, used: 29, sent: 64})),
      'test',
    )
    assert.equal(cal.modes.live!.resident!.extraMiB, 35)
    const big = predictMigration(cal, {mode: 'live', memoryMiB: 1024, usedMiB: 300})
    assert.equal(big.sent_mib, 335)
    const idle = predictMigration(cal, {mode: 'live', memoryMiB: 1024, usedMiB: 29})
    assert.equal(idle.sent_mib, 64, 'an idle 1 GiB guest sends what an idle 256 MiB one does')
    assert.ok(big.total_ms > idle.total_ms + 900, 'the data held costs its copy time')
    // Never more than the memory there is.
    assert.equal(predictMigration(cal, {mode: 'live', memoryMiB: 256, usedMiB: 250}).sent_mib, 256)
  })

  it("learns what dirtying resends on this site's link, only when leaving a migration out says the rate predicts it", () => {
    // Each MiB/s dirtied sent 0.5 s of it again, and the guests held different amounts.
    const rows = [
      {used: 30, rate: 0},
      {used: 90, rate: 8},
      {used: 90, rate: 32},
      {used: 150, rate: 8},
      {used: 30, rate: 0},
    ].map((g) => measured({memory: 256, used: g.used, sent: g.used + 35 + 0.5 * g.rate, rate: g.rate}))
    const learnt = calibrate(rows, 'test').modes.live!.resident!
    assert.ok(Math.abs(learnt.dirtySeconds! - 0.5) < 1e-9, `${learnt.dirtySeconds}`)
    assert.ok(Math.abs(learnt.extraMiB - 35) < 1e-9)
    const cal = calibrate(rows, 'test')
    assert.equal(predictMigration(cal, {mode: 'live', memoryMiB: 256, usedMiB: 100, dirtyRateMiBs: 20}).sent_mib, 145)
    // Rates that explain nothing (what was resent does not follow them): no rate term.
    const unrelated = [0, 8, 32, 8, 0].map((rate, i) => measured({memory: 256, used: 90, sent: 125 + [3, -2, 0, 2, -3][i]!, rate}))
    assert.equal(calibrate(unrelated, 'test').modes.live!.resident!.dirtySeconds, undefined)
    // One rate only: nothing to learn the response from.
    const oneRate = [30, 90, 150].map((used) => measured({memory: 256, used, sent: used + 35}))
    assert.equal(calibrate(oneRate, 'test').modes.live!.resident!.dirtySeconds, undefined)
  })

  it("an 80% interval holds about 80% of held-out migrations, from a few calibration runs' noise", () => {
    const rand = random(7)
    const sd = 80
    let inside = 0
    let trials = 0
    for (let t = 0; t < 400; t++) {
      const cal = calibrate(
        [0, 1, 2].map(() => measured({memory: 256, used: 29, sent: 64, noise: sd * gaussian(rand)})),
        'test',
      )
      const p = predictMigration(cal, {mode: 'live', memoryMiB: 256, usedMiB: 29})
      const held = 400 + 4 * 64 + sd * gaussian(rand)
      trials++
      if (p.interval.total.low_ms <= held && held <= p.interval.total.high_ms) inside++
    }
    const coverage = inside / trials
    assert.ok(Math.abs(coverage - INTERVAL_COVERAGE) < 0.06, `coverage ${coverage}`)
    // The half width needs a degree of freedom to say anything.
    assert.equal(intervalHalf({rms: 10, points: 1, parameters: 1}), undefined)
    assert.ok(intervalHalf({rms: 10, points: 3, parameters: 1})! > intervalHalf({rms: 10, points: 30, parameters: 1})!)
  })

  it('from one guest size and no data sent, spans "mostly fixed" to "grows with memory", and says what would narrow it', () => {
    // A site's CSV: three idle 256 MiB guests, 650 ms each, and nothing of what they sent.
    const rows: Measurement[] = [640, 650, 660].map((t) => ({mode: 'live', memory_mib: 256, concurrent: 1, total_ms: t, wall_ms: t + 500}))
    const cal = calibrate(rows, 'csv')
    const p = predictMigration(cal, {mode: 'live', memoryMiB: 1024})
    // What an idle 1 GiB guest took on the test bed (683 ms), and what "all of it travels" would say (2600 ms).
    assert.ok(p.interval.total.low_ms <= 683 && 683 <= p.interval.total.high_ms, JSON.stringify(p.interval.total))
    assert.ok(p.interval.total.high_ms >= 2600, JSON.stringify(p.interval.total))
    assert.ok(p.total_ms < 2 * 683, `not the nominal memory as data sent: ${p.total_ms} ms`)
    assert.match(p.narrow_with!, /another memory size|sent_mib/)
    // With the data sent in the calibration, nothing to narrow.
    const known = calibrate(
      [0, 1, 2].map(() => measured({memory: 256, used: 29, sent: 64})),
      'test',
    )
    assert.equal(predictMigration(known, {mode: 'live', memoryMiB: 1024, usedMiB: 29}).narrow_with, null)
    assert.match(predictMigration(undefined, {mode: 'live', memoryMiB: 1024}).narrow_with!, /violin calibrate/)
  })

  it('a vacate names, per VM, what was measured, and marks a VM that can never converge with what would end it', () => {
    const cal = calibrate(
      [0, 1, 2].map(() => measured({memory: 256, used: 29, sent: 64})),
      'test',
    )
    const at = '2026-12-06T10:00:00.000Z'
    const p = predictVacate(
      cal,
      [
        {
          vm: 'quiet',
          from: 'a',
          to: 'b',
          memoryMiB: 1024,
          state: {usedMiB: 100, dirtyRateMiBs: 2, dirtyRateFrom: 'measured', measuredAt: at},
        },
        {
          vm: 'storm',
          from: 'a',
          to: 'b',
          memoryMiB: 4096,
          state: {usedMiB: 4000, dirtyRateMiBs: 900, dirtyRateFrom: 'measured', measuredAt: at},
        },
        {vm: 'unseen', from: 'a', to: 'b', memoryMiB: 512},
      ],
      {strategy: 'sequential', maxParallel: 1, nowMs: 0},
    )
    const [quiet, storm, unseen] = p.per_vm
    assert.deepEqual(
      {
        used: quiet!.used_mib,
        rate: quiet!.dirty_rate_mibs,
        from: quiet!.dirty_rate_from,
        at: quiet!.measured_at,
        converges: quiet!.converges,
      },
      {used: 100, rate: 2, from: 'measured', at, converges: true},
    )
    assert.deepEqual(quiet!.remedies, [])
    assert.equal(storm!.converges, false)
    assert.equal(p.converges, false)
    assert.deepEqual(
      storm!.remedies.map((r) => r.remedy),
      ['timeout', 'auto-converge', 'stop-and-copy'],
    )
    assert.ok(storm!.remedies.every((r) => r.downtime_ms === null || r.downtime_ms > 0))
    assert.deepEqual({used: unseen!.used_mib, rate: unseen!.dirty_rate_mibs, at: unseen!.measured_at}, {used: null, rate: null, at: null})
    assert.ok(quiet!.interval.low_ms < quiet!.wall_ms && quiet!.wall_ms < quiet!.interval.high_ms)
  })
})
