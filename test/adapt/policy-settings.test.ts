import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {resolvePolicyOptions} from '../../src/adapt/policy-settings.js'
import {ConfigError, UsageError} from '../../src/errors.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'

describe('the thresholds and guards a pass plans with (src/adapt/policy-settings.ts)', () => {
  let home: string
  const saved = process.env.VIOLIN_HOME
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'violin-policy-'))
    process.env.VIOLIN_HOME = home
  })
  afterEach(() => {
    rmSync(home, {recursive: true, force: true})
    if (saved === undefined) delete process.env.VIOLIN_HOME
    else process.env.VIOLIN_HOME = saved
  })
  const config = (text: string) => writeFileSync(join(home, 'config.json'), text)

  it('are the defaults without a config or flags', () => {
    assert.deepEqual(resolvePolicyOptions({}), DEFAULT_POLICY_OPTIONS)
  })

  it('take config.json\'s "policy" keys, and a flag over each', () => {
    config(
      JSON.stringify({
        store: 'etcd://127.0.0.1:2379/x',
        policy: {high: 0.9, low: 0.1, cooldown_s: 60, hold_samples: 3, max_migrations: 5, cpu_threshold: 0.7},
      }),
    )
    const o = resolvePolicyOptions({})
    assert.deepEqual(
      {
        high: o.high,
        low: o.low,
        cooldownMs: o.cooldownMs,
        holdSamples: o.holdSamples,
        maxMigrations: o.maxMigrations,
        cpuThreshold: o.cpuThreshold,
      },
      {high: 0.9, low: 0.1, cooldownMs: 60_000, holdSamples: 3, maxMigrations: 5, cpuThreshold: 0.7},
    )
    const flagged = resolvePolicyOptions({high: 0.6, 'max-migrations': 0, cooldown: 0, hold: 1})
    assert.deepEqual(
      {
        high: flagged.high,
        low: flagged.low,
        maxMigrations: flagged.maxMigrations,
        cooldownMs: flagged.cooldownMs,
        holdSamples: flagged.holdSamples,
      },
      {high: 0.6, low: 0.1, maxMigrations: 0, cooldownMs: 0, holdSamples: 1},
    )
  })

  it("leave the config out of a scenario's run: the scenario's own options hold, then the flags", () => {
    config(JSON.stringify({policy: {high: 0.9}}))
    const scenario = {...DEFAULT_POLICY_OPTIONS, memoryStepMiB: 32}
    const o = resolvePolicyOptions({low: 0.3}, scenario)
    assert.equal(o.high, DEFAULT_POLICY_OPTIONS.high)
    assert.equal(o.low, 0.3)
    assert.equal(o.memoryStepMiB, 32)
  })

  it('refuses a low threshold at or above the high one, wherever it came from', () => {
    assert.throws(
      () => resolvePolicyOptions({low: 0.8, high: 0.8}),
      (e: Error) => e instanceof UsageError && /the low threshold \(0\.8\) must be below the high one \(0\.8\)/.test(e.message),
    )
    config(JSON.stringify({policy: {low: 0.9}}))
    assert.throws(() => resolvePolicyOptions({}), UsageError)
  })

  it('names the line and key of a malformed setting', () => {
    config('{\n  "policy": {\n    "high": 1.5\n  }\n}\n')
    assert.throws(
      () => resolvePolicyOptions({}),
      (e: Error) =>
        e instanceof ConfigError && /config\.json:3:\d+: policy\.high: expected .*a fraction from 0 to 1, found 1\.5/.test(e.message),
    )
    config('{"policy": {"hgih": 0.5}}')
    assert.throws(
      () => resolvePolicyOptions({}),
      (e: Error) => e instanceof ConfigError && /policy\.hgih: expected a known key \(high, low, max_migrations/.test(e.message),
      'a misspelt key is never ignored',
    )
  })
})
