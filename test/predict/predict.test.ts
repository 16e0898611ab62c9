import {strict as assert} from 'node:assert'

import {calibrate, DEFAULT_MEMORY_MS_PER_MIB} from '../../src/predict/calibration.js'
import type {Measurement} from '../../src/predict/measurement.js'
import {DEFAULTS, predictMigration} from '../../src/predict/predict.js'

const live = (sent: number, total: number, wall: number, extra: Partial<Measurement> = {}): Measurement => ({
  mode: 'live',
  memory_mib: 1024,
  sent_mib: sent,
  concurrent: 1,
  total_ms: total,
  wall_ms: wall,
  downtime_ms: 40,
  ...extra,
})

describe('calibrating and predicting one migration (src/predict/calibration.ts, predict.ts)', () => {
  it('from one measurement, scales: twice the data, twice the job time', () => {
    const cal = calibrate([live(100, 1000, 3800)], 'test')
    assert.equal(cal.modes.live!.hypervisor!.shape, 'proportional')
    const same = predictMigration(cal, {mode: 'live', memoryMiB: 1024, sentMiB: 100})
    assert.equal(same.total_ms, 1000)
    assert.equal(same.wall_ms, 1000 + 2800, 'plus the measured overhead around the job')
    assert.equal(same.calibrated, true)
    assert.deepEqual(same.interval.total, {low_ms: 750, high_ms: 1250}, 'one point says nothing of the spread: +-25%')
    const p = predictMigration(cal, {mode: 'live', memoryMiB: 2048, sentMiB: 200})
    assert.equal(p.total_ms, 2000)
    const half = (p.interval.total.high_ms - p.interval.total.low_ms) / 2
    // Wider: the noise grows beyond the size measured, and neither the slope at twice the data nor the
    // fixed part of a guest twice the size was seen.
    assert.ok(half > 0.25 * 2000 && half < 2000, `twice the size measured: a wider interval (+-${half} ms)`)
  })

  it('from the reps of one guest that report their bandwidth, splits the fixed cost from the copy: a bigger transfer is predicted', () => {
    // 500 ms fixed + 65 MiB at 500 MiB/s (130 ms); libvirt reported the bandwidth.
    const reps = [632, 628, 630].map((t) => live(65, t, t + 530, {bandwidth_mibs: 500}))
    const cal = calibrate(reps, 'test')
    const fit = cal.modes.live!.hypervisor!
    assert.equal(fit.shape, 'linear')
    assert.equal(fit.b, 2, '1000 / 500 MiB/s')
    assert.equal(cal.modes.live!.memoryTerm, 'left-out', 'one guest size cannot tell a memory term from the fixed cost')
    assert.equal(Math.round(fit.a), 500)
    assert.equal(predictMigration(cal, {mode: 'live', memoryMiB: 1024, sentMiB: 340}).total_ms, 1180, 'not 630 * 340 / 65')
    const noBandwidth = calibrate([live(65, 630, 1160)], 'test')
    assert.equal(noBandwidth.modes.live!.hypervisor!.shape, 'proportional', 'without it, the time scales with the size')
  })

  it('from several, finds the fixed cost and the link, and predicts a held-out size within a few percent', () => {
    // 600 ms fixed + 10 ms per MiB (100 MiB/s), with a little noise.
    const data = [
      [50, 1105],
      [100, 1590],
      [200, 2610],
      [400, 4580],
      [800, 8630],
    ].map(([s, t]) => live(s!, t!, t! + 2700))
    const cal = calibrate(data, 'test')
    const fit = cal.modes.live!.hypervisor!
    assert.equal(fit.shape, 'linear')
    const fixed = fit.a + cal.modes.live!.memoryMsPerMiB * 1024
    assert.ok(Math.abs(fixed - 600) < 60 && Math.abs(fit.b - 10) < 0.3, JSON.stringify(fit))
    const p = predictMigration(cal, {mode: 'live', memoryMiB: 1024, sentMiB: 300})
    assert.ok(Math.abs(p.total_ms - 3600) / 3600 < 0.05, `${p.total_ms} ms`)
    assert.ok(Math.abs(p.bandwidth_mibs - 100) < 5)
    assert.ok(p.interval.total.low_ms < p.total_ms && p.total_ms < p.interval.total.high_ms)
  })

  it('by default sends what the measurements say travels (non-zero pages), not the nominal memory', () => {
    const cal = calibrate([live(70, 700, 3500)], 'test') // 1024 MiB guest sending 70 MiB
    assert.equal(
      predictMigration(cal, {mode: 'live', memoryMiB: 2048}).sent_mib,
      70,
      'an idle guest sends its used pages whatever its size',
    )
    assert.equal(predictMigration(cal, {mode: 'live', memoryMiB: 48}).sent_mib, 48, 'never more than the memory')
    assert.equal(
      predictMigration(undefined, {mode: 'live', memoryMiB: 2048}).sent_mib,
      2048,
      'uncalibrated: the whole memory, the safe side',
    )
  })

  it('a guest dirtying memory sends more and takes longer; stop-and-copy pauses it throughout', () => {
    const quiet = predictMigration(undefined, {mode: 'live', memoryMiB: 1024, bandwidthMiBs: 100})
    const busy = predictMigration(undefined, {mode: 'live', memoryMiB: 1024, bandwidthMiBs: 100, dirtyRateMiBs: 40})
    assert.ok(busy.sent_mib > quiet.sent_mib && busy.total_ms > quiet.total_ms && busy.rounds > quiet.rounds)
    const stop = predictMigration(undefined, {mode: 'stop-and-copy', memoryMiB: 1024, bandwidthMiBs: 100})
    assert.equal(stop.downtime_ms, stop.total_ms)
    assert.equal(stop.total_ms, Math.round(DEFAULTS.fixedMs + DEFAULT_MEMORY_MS_PER_MIB * 1024 + 10240))
  })

  it('says when a live migration cannot converge, and what each way to end it costs', () => {
    const ok = predictMigration(undefined, {mode: 'live', memoryMiB: 1024, bandwidthMiBs: 100, dirtyRateMiBs: 40})
    assert.equal(ok.converges, true)
    assert.deepEqual(ok.remedies, [])
    for (const dirtyRateMiBs of [100, 250]) {
      const p = predictMigration(undefined, {mode: 'live', memoryMiB: 1024, bandwidthMiBs: 100, dirtyRateMiBs})
      assert.equal(p.converges, false, `${dirtyRateMiBs} MiB/s dirtied on a 100 MiB/s link`)
      assert.deepEqual(
        p.remedies.map((r) => r.remedy),
        ['timeout', 'auto-converge', 'stop-and-copy'],
      )
      const [timeout, auto, cold] = p.remedies
      // stop-and-copy: the whole memory over the link, paused, plus the job's fixed part
      assert.equal(cold!.downtime_ms, Math.round(DEFAULTS.fixedMs + DEFAULT_MEMORY_MS_PER_MIB * 1024 + 10240))
      assert.equal(cold!.migrate, 'violin migrate VM HOST')
      // --timeout pauses once the first round (10.24 s of copy and the fixed part) is through; the rest goes paused
      assert.equal(timeout!.migrate, 'violin migrate VM HOST --live --timeout 11')
      assert.equal(timeout!.downtime_ms, 10240 + DEFAULTS.downtimeMs)
      assert.equal(auto!.migrate, 'violin migrate VM HOST --live --auto-converge')
      assert.ok(auto!.downtime_ms! <= 300 + DEFAULTS.downtimeMs && auto!.total_ms! > cold!.total_ms!)
    }
    const hopeless = predictMigration(undefined, {mode: 'live', memoryMiB: 1024, bandwidthMiBs: 100, dirtyRateMiBs: 50_000})
    assert.deepEqual(
      [hopeless.remedies[1]!.downtime_ms, hopeless.remedies[1]!.total_ms],
      [null, null],
      'auto-converge does not converge either',
    )
    assert.equal(
      predictMigration(undefined, {mode: 'stop-and-copy', memoryMiB: 1024, bandwidthMiBs: 100, dirtyRateMiBs: 250}).converges,
      true,
    )
  })

  it('migrations sharing the link each take longer', () => {
    const one = predictMigration(undefined, {mode: 'live', memoryMiB: 256, bandwidthMiBs: 100})
    const four = predictMigration(undefined, {mode: 'live', memoryMiB: 256, bandwidthMiBs: 100, concurrent: 4})
    const fixed = DEFAULTS.fixedMs + DEFAULT_MEMORY_MS_PER_MIB * 256
    assert.ok(
      Math.abs(four.total_ms - fixed - 4 * (one.total_ms - fixed)) <= 2,
      `${four.total_ms} ms: the fixed part once, the copy four times over`,
    )
  })

  it('from guests of several sizes that sent about the same, fits the time the memory itself costs (every page walked)', () => {
    // 400 ms + 2 ms per MiB sent (500 MiB/s) + 0.5 ms per MiB of memory: idle guests of 128 MiB to 1 GiB.
    const data = [128, 256, 512, 1024].flatMap((memory, i) =>
      [0, 1].map((r) => {
        const sent = 63 + 5 * i + r
        const total = Math.round(400 + 2 * sent + 0.5 * memory + (r ? 7 : -7))
        return live(sent, total, total + 520, {memory_mib: memory, bandwidth_mibs: 500})
      }),
    )
    const cal = calibrate(data, 'test')
    const live1 = cal.modes.live!
    assert.equal(live1.memoryTerm, 'fitted')
    assert.ok(Math.abs(live1.memoryMsPerMiB - 0.5) < 0.02, `${live1.memoryMsPerMiB} ms/MiB`)
    const p = predictMigration(cal, {mode: 'live', memoryMiB: 4096, sentMiB: 90})
    const truth = 400 + 2 * 90 + 0.5 * 4096
    assert.ok(Math.abs(p.total_ms - truth) / truth < 0.03, `${p.total_ms} ms against ${truth}`)
    const noSent = calibrate([{mode: 'live', memory_mib: 512, concurrent: 1, total_ms: 900}], 'test')
    assert.equal(noSent.modes.live!.memoryTerm, 'none', 'without the data sent the fit is against memory already')
  })

  it('from migrations that ran four at once, learns how many run at full speed together, and predicts them', () => {
    const alone = [live(65, 600, 1120, {memory_mib: 256, bandwidth_mibs: 500}), live(65, 590, 1110, {memory_mib: 256, bandwidth_mibs: 500})]
    // Four at once, each job 2.3x as long (two cores shared by four), the overhead 1.4x.
    const together = [1, 2, 3, 4].map(() => live(65, 1365, 1365 + 728, {memory_mib: 256, bandwidth_mibs: 140, concurrent: 4}))
    const cal = calibrate([...alone, ...together], 'test')
    const c = cal.modes.live!.concurrency!
    assert.ok(Math.abs(c.job - 4 / 2.3) < 0.05 && Math.abs(c.overhead! - 4 / 1.4) < 0.1, JSON.stringify(c))
    assert.equal(cal.concurrentLeftOut, 4, 'they are not in the time fits')
    const four = predictMigration(cal, {mode: 'live', memoryMiB: 256, concurrent: 4})
    assert.ok(Math.abs(four.total_ms - 1365) < 30, `${four.total_ms} ms`)
    assert.ok(Math.abs(four.wall_ms - 2093) < 40, `${four.wall_ms} ms`)
    assert.equal(predictMigration(cal, {mode: 'live', memoryMiB: 256, concurrent: 1}).total_ms, 595, 'alone: the fit')
  })

  it('refuses what cannot be calibrated or predicted, saying why', () => {
    assert.throws(() => calibrate([], 'empty.csv'), /no measured migration in empty.csv/)
    assert.throws(() => calibrate([live(1, 1, 1, {concurrent: 4})], 'h'), /at least one migration that ran alone is needed/)
    assert.throws(() => predictMigration(undefined, {mode: 'live', memoryMiB: 0}), /memory must be more than 0/)
    assert.throws(() => predictMigration(undefined, {mode: 'live', memoryMiB: 1, concurrent: 0}), /concurrent must be a whole number >= 1/)
  })
})
