/**
 * The thresholds and guards a pass plans with: the policies' defaults, then the "policy"
 * keys of $VIOLIN_HOME/config.json, then a scenario's policy_options (a scenario is an
 * experiment: the config of the machine it runs on does not change it), then the flags.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import type * as v from 'valibot'

import {UsageError} from '../errors.js'
import {DEFAULT_POLICY_OPTIONS, type PolicyOptions} from '../policy/cluster-view.js'
import {check} from '../schema/check.js'
import {configSchema, type policySettingsSchema} from '../schema/config.js'
import {parseJson} from '../schema/json.js'
import {sourceOf} from '../schema/source.js'
import {configDir} from '../store/dirs.js'

type PolicySettings = v.InferOutput<typeof policySettingsSchema>

export interface PolicyFlagValues {
  high?: number
  low?: number
  'max-migrations'?: number
  cooldown?: number
  hold?: number
}

/** The "policy" keys of config.json, or nothing when there is no such file or key. A malformed one is a ConfigError naming its line. */
export function configuredPolicy(): Partial<PolicyOptions> {
  const file = join(configDir(), 'config.json')
  if (!existsSync(file)) return {}
  const {value} = parseJson(file, readFileSync(file, 'utf8'))
  const config = check(configSchema, value, sourceOf(value, file))
  return config.policy ? fromSettings(config.policy) : {}
}

function fromSettings(s: PolicySettings): Partial<PolicyOptions> {
  const out: Partial<PolicyOptions> = {}
  if (s.high !== undefined) out.high = s.high
  if (s.low !== undefined) out.low = s.low
  if (s.max_migrations !== undefined) out.maxMigrations = s.max_migrations
  if (s.cooldown_s !== undefined) out.cooldownMs = s.cooldown_s * 1000
  if (s.hold_samples !== undefined) out.holdSamples = s.hold_samples
  if (s.cpu_threshold !== undefined) out.cpuThreshold = s.cpu_threshold
  if (s.nic_threshold !== undefined) out.nicThreshold = s.nic_threshold
  if (s.swap_threshold !== undefined) out.swapThreshold = s.swap_threshold
  if (s.memory_step_mib !== undefined) out.memoryStepMiB = s.memory_step_mib
  if (s.min_improvement !== undefined) out.minImprovement = s.min_improvement
  return out
}

/** Defaults < config.json (not for a scenario) < the scenario's policy_options < the flags. */
export function resolvePolicyOptions(flags: PolicyFlagValues, scenario?: Partial<PolicyOptions>): PolicyOptions {
  const fromFlags: Partial<PolicyOptions> = {}
  if (flags.high !== undefined) fromFlags.high = flags.high
  if (flags.low !== undefined) fromFlags.low = flags.low
  if (flags['max-migrations'] !== undefined) fromFlags.maxMigrations = flags['max-migrations']
  if (flags.cooldown !== undefined) fromFlags.cooldownMs = flags.cooldown * 1000
  if (flags.hold !== undefined) fromFlags.holdSamples = flags.hold
  const options = {...DEFAULT_POLICY_OPTIONS, ...(scenario ?? configuredPolicy()), ...fromFlags}
  if (!(options.low < options.high))
    throw new UsageError(
      `the low threshold (${options.low}) must be below the high one (${options.high})`,
      'set --low and --high (or "low" and "high" under "policy" in config.json) so that low < high',
    )
  return options
}
