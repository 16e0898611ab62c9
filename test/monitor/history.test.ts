import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConfigError, ExitCode} from '../../src/errors.js'
import {ar1Predict, ewma} from '../../src/monitor/ar1.js'
import {History, type HotThresholds, sampleFromReport, type UsageSample, usageHistoryPath} from '../../src/monitor/history.js'

const THRESHOLDS: HotThresholds = {cpuThreshold: 0.85, swapThreshold: 150, nicThreshold: 0.8}

/** mulberry32: a small seeded generator, so the AR(1) series is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** u_t = mu + phi (u_{t-1} - mu) + e_t, e_t ~ N(0, sigma^2) by Box-Muller. */
function ar1Series(n: number, mu: number, phi: number, sigma: number, seed: number): number[] {
  const rand = seeded(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
  const out = [mu]
  for (let t = 1; t < n; t++) out.push(mu + phi * (out[t - 1]! - mu) + sigma * gauss())
  return out
}

const hostSample = (timeMs: number, host: UsageSample['hosts'][number]): UsageSample => ({timeMs, hosts: [host], vms: []})

describe('EWMA of VM CPU demand', () => {
  it('starts at the first sample', () => {
    assert.equal(ewma(undefined, 0.4, 0.3), 0.4)
  })

  it('weights the newest sample by alpha and the past by 1 - alpha', () => {
    assert.ok(Math.abs(ewma(0.2, 1, 0.3) - (0.3 * 1 + 0.7 * 0.2)) < 1e-12)
    // a spike moves the demand by alpha of its height, not all the way
    let d: number | undefined
    for (const u of [0.1, 0.1, 0.1, 1]) d = ewma(d, u, 0.3)
    assert.ok(Math.abs(d! - 0.37) < 1e-12)
  })

  it('refuses an alpha outside (0, 1]', () => {
    assert.throws(() => ewma(0, 1, 0), RangeError)
    assert.throws(() => ewma(0, 1, 1.5), RangeError)
  })
})

describe('AR(1) prediction (Liang 2009 section 3.4.2, equation 4)', () => {
  it('recovers phi roughly from a series generated with phi = 0.7 (fixed seed)', () => {
    const series = ar1Series(2000, 0.5, 0.7, 0.05, 42)
    const {mean, phi, next} = ar1Predict(series)
    assert.ok(Math.abs(phi - 0.7) < 0.05, `phi ${phi}`)
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`)
    assert.ok(Math.abs(next - (mean + phi * (series.at(-1)! - mean))) < 1e-12)
  })

  it('recovers a negative phi too', () => {
    const {phi} = ar1Predict(ar1Series(2000, 100, -0.5, 10, 7))
    assert.ok(Math.abs(phi + 0.5) < 0.06, `phi ${phi}`)
  })

  it('predicts the constant for a constant window', () => {
    assert.deepEqual(ar1Predict([0.3, 0.3, 0.3, 0.3]).phi, 0)
    assert.ok(Math.abs(ar1Predict([0.3, 0.3, 0.3, 0.3]).next - 0.3) < 1e-12)
    assert.deepEqual(ar1Predict([0, 0, 0]), {mean: 0, phi: 0, next: 0})
  })

  it('predicts the one sample of a one-sample window', () => {
    assert.deepEqual(ar1Predict([0.9]), {mean: 0.9, phi: 0, next: 0.9})
  })

  it('keeps phi in [-1, 1] and follows a trend less than all the way', () => {
    const alternating = ar1Predict([1, 0, 1, 0, 1, 0, 1, 0])
    assert.ok(alternating.phi >= -1 && alternating.phi < -0.8)
    const rising = ar1Predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    assert.ok(rising.phi > 0 && rising.phi <= 1)
    assert.ok(rising.next > rising.mean && rising.next < 1)
  })

  it('refuses an empty window', () => {
    assert.throws(() => ar1Predict([]), RangeError)
  })
})

describe('usage history', () => {
  it('keeps only the last k samples of each host metric', () => {
    const history = new History({window: 3})
    for (let i = 1; i <= 5; i++) history.record(hostSample(i, {name: 'h1', cpu: i / 10, swapWritesPerSecond: i, nic: i / 100}), THRESHOLDS)
    const h = history.toJSON().hosts.h1!
    assert.deepEqual(h.cpu, [0.3, 0.4, 0.5])
    assert.deepEqual(h.swap, [3, 4, 5])
    assert.deepEqual(h.nic, [0.03, 0.04, 0.05])
  })

  it('defaults to a window of 10 and alpha 0.3', () => {
    const history = new History()
    assert.equal(history.options.window, 10)
    assert.equal(history.options.alpha, 0.3)
  })

  it('folds each VM sample into its CPU demand with alpha', () => {
    const history = new History({alpha: 0.5})
    history.record({timeMs: 1, hosts: [], vms: [{name: 'vm1', cpu: 0.2}]}, THRESHOLDS)
    history.record({timeMs: 2, hosts: [], vms: [{name: 'vm1', cpu: 1}]}, THRESHOLDS)
    assert.ok(Math.abs(history.vmView('vm1').cpuDemand! - 0.6) < 1e-12)
    assert.equal(history.toJSON().vms.vm1!.samples, 2)
  })

  it('counts consecutive hot samples and resets on a cool one', () => {
    const history = new History()
    const hotRun = (s: Omit<UsageSample['hosts'][number], 'name'>, t: number) => {
      history.record(hostSample(t, {name: 'h1', ...s}), THRESHOLDS)
      return history.hostView('h1', t).hotSamples
    }
    assert.equal(hotRun({cpu: 0.9}, 1), 1)
    assert.equal(hotRun({cpu: 0.5, swapWritesPerSecond: 200}, 2), 2, 'swap writes alone make it hot')
    assert.equal(hotRun({cpu: 0.5, nic: 0.95}, 3), 3, 'the NIC alone makes it hot')
    assert.equal(hotRun({cpu: 0.5, swapWritesPerSecond: 10, nic: 0.1}, 4), 0)
    assert.equal(hotRun({cpu: 0.85}, 5), 0, 'at the threshold is not over it')
    assert.equal(hotRun({cpu: 0.99}, 6), 1)
  })

  it('leaves the hot run as it was when nothing about the host is known', () => {
    const history = new History()
    history.record(hostSample(1, {name: 'h1', cpu: 0.9}), THRESHOLDS)
    history.record(hostSample(2, {name: 'h1'}), THRESHOLDS)
    assert.equal(history.hostView('h1', 2).hotSamples, 1)
    history.record(hostSample(3, {name: 'h1', cpu: 0.95}), THRESHOLDS)
    assert.equal(history.hostView('h1', 3).hotSamples, 2)
  })

  it('skips unknown values and never records NaN', () => {
    const history = new History()
    history.record(
      {
        timeMs: 1,
        hosts: [{name: 'h1', cpu: Number.NaN, swapWritesPerSecond: undefined, nic: 0.2}],
        vms: [
          {name: 'vm1', cpu: undefined},
          {name: 'vm2', cpu: Number.POSITIVE_INFINITY},
        ],
      },
      THRESHOLDS,
    )
    const data = history.toJSON()
    assert.deepEqual(data.hosts.h1!.cpu, [])
    assert.deepEqual(data.hosts.h1!.swap, [])
    assert.deepEqual(data.hosts.h1!.nic, [0.2])
    assert.equal(data.vms.vm1!.cpuDemand, undefined)
    assert.equal(data.vms.vm1!.samples, 0)
    assert.equal(data.vms.vm2!.cpuDemand, undefined)
    assert.deepEqual(history.predictions('h1'), {cpuPredicted: undefined, swapWritesPredicted: undefined, nicPredicted: 0.2})
    assert.doesNotMatch(JSON.stringify(data), /null|NaN/)
  })

  it('predicts each metric of a host with AR(1) over its window', () => {
    const history = new History()
    const cpu = [0.5, 0.6, 0.7, 0.8, 0.9]
    for (const [t, u] of cpu.entries()) history.record(hostSample(t, {name: 'h1', cpu: u, swapWritesPerSecond: 100, nic: 0.5}), THRESHOLDS)
    const p = history.predictions('h1')
    assert.equal(p.cpuPredicted, ar1Predict(cpu).next)
    assert.equal(p.swapWritesPredicted, 100)
    assert.equal(p.nicPredicted, 0.5)
    assert.deepEqual(history.predictions('nowhere'), {cpuPredicted: undefined, swapWritesPredicted: undefined, nicPredicted: undefined})
  })

  it('reports hosts of a migration as migrating until the time passes', () => {
    const history = new History()
    history.markMigrating(['h1', 'h2'], 1000)
    assert.equal(history.isMigrating('h1', 999), true)
    assert.equal(history.hostView('h2', 500).migrating, true)
    assert.equal(history.isMigrating('h3', 500), false)
    assert.equal(history.isMigrating('h1', 1000), false)
    history.markMigrating(['h1'], 500)
    assert.equal(history.isMigrating('h1', 800), true, 'an earlier mark never shortens a later one')
  })

  it('records when violin migrated a VM, for the cooldown', () => {
    const history = new History()
    history.recordMigration('vm1', 12_345)
    assert.equal(history.vmView('vm1').lastMigratedMs, 12_345)
    assert.equal(history.vmView('vm2').lastMigratedMs, undefined)
  })

  it('forgets VMs and hosts not seen for forgetAfter passes', () => {
    const history = new History({forgetAfter: 2})
    history.record(
      {
        timeMs: 1,
        hosts: [
          {name: 'h1', cpu: 0.1},
          {name: 'h2', cpu: 0.1},
        ],
        vms: [
          {name: 'vm1', cpu: 0.1},
          {name: 'vm2', cpu: 0.1},
        ],
      },
      THRESHOLDS,
    )
    history.record({timeMs: 2, hosts: [{name: 'h1', cpu: 0.1}], vms: [{name: 'vm1', cpu: 0.1}]}, THRESHOLDS)
    assert.ok(history.toJSON().hosts.h2, 'one pass missed: still kept')
    history.record({timeMs: 3, hosts: [{name: 'h1', cpu: 0.1}], vms: [{name: 'vm1', cpu: 0.1}]}, THRESHOLDS)
    assert.deepEqual(Object.keys(history.toJSON().hosts), ['h1'])
    assert.deepEqual(Object.keys(history.toJSON().vms), ['vm1'])
  })

  it('takes fractions from a usage report, and nothing from a host that did not answer', () => {
    const sample = sampleFromReport({
      timeMs: 5,
      intervalSec: 1,
      hosts: [
        {host: 'h1', site: 's', status: 'ok', cpuPercent: 42},
        {host: 'h2', site: 's', status: 'unreachable', error: 'down'},
      ],
      vms: [{host: 'h1', site: 's', name: 'vm1', state: 'running', cpuPercent: 80}],
    })
    assert.deepEqual(sample, {
      timeMs: 5,
      hosts: [
        {name: 'h1', cpu: 0.42},
        {name: 'h2', cpu: undefined},
      ],
      vms: [{name: 'vm1', cpu: 0.8}],
    })
  })

  it("takes a host's measured swap writes and NIC use (as a fraction) from the report, and feeds their AR(1) windows", () => {
    const report = (timeMs: number, swap: number, nicPercent: number) => ({
      timeMs,
      intervalSec: 1,
      hosts: [{host: 'h1', site: 's', status: 'ok' as const, cpuPercent: 10, swapWritesPerSecond: swap, nicPercent}],
      vms: [],
    })
    assert.deepEqual(sampleFromReport(report(5, 200, 90)).hosts, [{name: 'h1', cpu: 0.1, swapWritesPerSecond: 200, nic: 0.9}])
    const history = new History({window: 3})
    for (const [t, swap, nic] of [
      [1, 180, 85],
      [2, 200, 90],
      [3, 220, 95],
    ] as const)
      history.record(sampleFromReport(report(t, swap, nic)), THRESHOLDS)
    assert.deepEqual(history.toJSON().hosts.h1!.swap, [180, 200, 220])
    assert.deepEqual(history.toJSON().hosts.h1!.nic, [0.85, 0.9, 0.95])
    assert.equal(history.hostView('h1', 3).hotSamples, 3) // CPU is cool; swap and NIC are over their thresholds
    assert.ok(history.predictions('h1').swapWritesPredicted! > 150)
  })
})

describe('usage history file', () => {
  let saved: string | undefined
  let dir: string

  beforeEach(async () => {
    saved = process.env.VIOLIN_STATE_DIR
    dir = await mkdtemp(join(tmpdir(), 'violin-usage-history-'))
    process.env.VIOLIN_STATE_DIR = join(dir, 'state')
  })

  afterEach(async () => {
    if (saved === undefined) delete process.env.VIOLIN_STATE_DIR
    else process.env.VIOLIN_STATE_DIR = saved
    await rm(dir, {recursive: true, force: true})
  })

  it('is history.json in the state directory', () => {
    assert.equal(usageHistoryPath(), join(dir, 'state', 'history.json'))
  })

  it('is empty when there is no file', async () => {
    const history = await History.load()
    assert.deepEqual(history.toJSON(), {version: 1, vms: {}, hosts: {}})
  })

  it('lets two separate cron passes build on each other', async () => {
    const pass = async (t: number, cpu: number) => {
      const history = await History.load({alpha: 0.5})
      history.record({timeMs: t, hosts: [{name: 'h1', cpu}], vms: [{name: 'vm1', cpu}]}, THRESHOLDS)
      await history.save()
    }
    await pass(1, 0.9)
    await pass(2, 0.95)
    const history = await History.load({alpha: 0.5})
    assert.deepEqual(history.toJSON().hosts.h1!.cpu, [0.9, 0.95])
    assert.equal(history.hostView('h1', 2).hotSamples, 2)
    assert.ok(Math.abs(history.vmView('vm1').cpuDemand! - 0.925) < 1e-12)
    assert.equal(history.toJSON().vms.vm1!.samples, 2)
  })

  it('keeps migration marks and migration times across passes', async () => {
    const first = await History.load()
    first.markMigrating(['h1'], 5000)
    first.recordMigration('vm1', 4000)
    await first.save()
    const second = await History.load()
    assert.equal(second.isMigrating('h1', 4500), true)
    assert.equal(second.vmView('vm1').lastMigratedMs, 4000)
  })

  it('writes atomically, leaving no temporary file behind', async () => {
    const history = await History.load()
    history.record(hostSample(1, {name: 'h1', cpu: 0.5}), THRESHOLDS)
    await history.save()
    await history.save()
    assert.deepEqual(await readdir(join(dir, 'state')), ['history.json'])
  })

  it('keeps a VM called __proto__ as an ordinary entry', async () => {
    const history = await History.load()
    history.record({timeMs: 1, hosts: [], vms: [{name: '__proto__', cpu: 0.5}]}, THRESHOLDS)
    await history.save()
    const again = await History.load()
    assert.equal(again.vmView('__proto__').cpuDemand, 0.5)
    assert.equal(Object.getPrototypeOf(again.toJSON().vms), Object.prototype)
  })

  const corrupt = async (text: string, field: RegExp) => {
    await mkdir(join(dir, 'state'), {recursive: true})
    await writeFile(usageHistoryPath(), text)
    await assert.rejects(History.load(), (e: unknown) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.file, usageHistoryPath())
      assert.equal(e.exitCode, ExitCode.config)
      assert.ok(e.message.startsWith(usageHistoryPath()))
      assert.match(e.message, field)
      return true
    })
    assert.equal(await readFile(usageHistoryPath(), 'utf8'), text, 'the file is left as it was')
  }

  it('refuses a file that is not JSON with a ConfigError naming the path, and leaves it unchanged', async () => {
    await corrupt('{"version": 1, "hosts": {"h1": {"cpu": [0.5,', /not valid JSON/)
  })

  it('refuses a file of the wrong shape, naming the field', async () => {
    await corrupt(
      '{"version": 1, "vms": {}, "hosts": {"h1": {"cpu": [0.5, "high"], "swap": [], "nic": [], "hotSamples": 0}}}',
      /hosts\.h1\.cpu\[1\]/,
    )
    await corrupt('{"version": 2, "vms": {}, "hosts": {}}', /version: expected version 1, found 2/)
    await corrupt('[]', /\(top level\): expected a JSON object, found an empty list/)
  })
})
