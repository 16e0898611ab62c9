import {strict as assert} from 'node:assert'

import {predictPrecopy} from '../../src/predict/precopy.js'

describe('live pre-copy model (src/predict/precopy.ts)', () => {
  it('sends an idle guest live in one round of what is there, then pauses only for the empty rest (two rounds, as QEMU reports)', () => {
    const idle = predictPrecopy({sentMiB: 30, dirtyRateMiBs: 0, bandwidthMiBs: 100})
    assert.deepEqual(idle, {totalMs: 300, downtimeMs: 0, sentMiB: 30, rounds: 2, converged: true})
    const bigger = predictPrecopy({sentMiB: 70, dirtyRateMiBs: 0, bandwidthMiBs: 100})
    assert.equal(bigger.rounds, 2)
    assert.equal(bigger.totalMs, 700)
    assert.equal(bigger.downtimeMs, 0)
  })

  it('sends what was dirtied in each round again, each round shorter, until one fits the downtime limit', () => {
    // 1000 MiB at 100 MiB/s: 10 s; 20 MiB/s dirtied -> 200 MiB (2 s) -> 40 MiB (0.4 s) -> 8 MiB (80 ms, paused)
    const r = predictPrecopy({sentMiB: 1000, dirtyRateMiBs: 20, bandwidthMiBs: 100})
    assert.equal(r.rounds, 4)
    assert.equal(Math.round(r.sentMiB), 1248)
    assert.equal(Math.round(r.downtimeMs), 80)
    assert.equal(Math.round(r.totalMs), 12480)
    assert.ok(r.converged)
  })

  it('stops at the round limit and pauses for the rest when the guest dirties faster than the link', () => {
    const r = predictPrecopy({sentMiB: 256, dirtyRateMiBs: 200, bandwidthMiBs: 100, maxRounds: 5})
    assert.equal(r.rounds, 5)
    assert.equal(r.converged, false)
    assert.equal(Math.round(r.downtimeMs), 2560, 'the whole state again, paused: dirtying is capped at the state there is')
    assert.ok(r.totalMs > 5 * 2560 - 1)
  })

  it("with auto-converge, throttling the guest's vCPUs ends a copy that could not converge, within the downtime limit", () => {
    const plain = predictPrecopy({sentMiB: 1024, dirtyRateMiBs: 200, bandwidthMiBs: 100})
    assert.equal(plain.converged, false)
    const throttled = predictPrecopy({sentMiB: 1024, dirtyRateMiBs: 200, bandwidthMiBs: 100, autoConverge: true})
    assert.equal(throttled.converged, true)
    assert.ok(throttled.downtimeMs <= 300, `${throttled.downtimeMs} ms`)
    assert.ok(throttled.rounds > 10 && throttled.rounds < 30, `${throttled.rounds} rounds: the throttle climbs 10% every second round`)
    // Even 99% throttled, a guest dirtying 100x the link does not keep up.
    assert.equal(predictPrecopy({sentMiB: 1024, dirtyRateMiBs: 20_000, bandwidthMiBs: 100, autoConverge: true}).converged, false)
    // A guest the plain copy handles is never throttled.
    assert.deepEqual(
      predictPrecopy({sentMiB: 1000, dirtyRateMiBs: 20, bandwidthMiBs: 100, autoConverge: true}),
      predictPrecopy({sentMiB: 1000, dirtyRateMiBs: 20, bandwidthMiBs: 100}),
    )
  })

  it('a faster link or a quieter guest never takes longer', () => {
    let last = Infinity
    for (const bandwidthMiBs of [50, 100, 200, 400]) {
      const t = predictPrecopy({sentMiB: 512, dirtyRateMiBs: 30, bandwidthMiBs}).totalMs
      assert.ok(t < last, `${bandwidthMiBs} MiB/s: ${t} ms`)
      last = t
    }
    assert.ok(
      predictPrecopy({sentMiB: 512, dirtyRateMiBs: 5, bandwidthMiBs: 100}).totalMs <
        predictPrecopy({sentMiB: 512, dirtyRateMiBs: 40, bandwidthMiBs: 100}).totalMs,
    )
  })

  it('refuses negative sizes and a link of no bandwidth, naming the field', () => {
    assert.throws(() => predictPrecopy({sentMiB: -1, dirtyRateMiBs: 0, bandwidthMiBs: 100}), /sentMiB must be a number >= 0, got -1/)
    assert.throws(() => predictPrecopy({sentMiB: 1, dirtyRateMiBs: 0, bandwidthMiBs: 0}), /bandwidthMiBs must be more than 0/)
    assert.throws(() => predictPrecopy({sentMiB: 1, dirtyRateMiBs: Number.NaN, bandwidthMiBs: 1}), /dirtyRateMiBs/)
  })
})
