/** $VIOLIN_HOME/config.json: the store's URL, and the adaptation loop's thresholds and guards. */
import * as v from 'valibot'

import {mapping, number, record, text} from './fields.js'

const fraction = (what: string) => v.optional(number(`${what}: a fraction from 0 to 1`, {min: 0, max: 1}))

/** The keys of "policy" (hand-written, so a misspelt key is an error, never ignored). */
export const policySettingsSchema = mapping(
  {
    high: fraction('violin: a VM is high-demand above this CPU use'),
    low: fraction('violin: a VM is low-demand below this CPU use'),
    max_migrations: v.optional(number('a whole number from 0 to 1000', {min: 0, max: 1000, whole: true})),
    cooldown_s: v.optional(number('seconds from 0 to 86400', {min: 0, max: 86_400})),
    hold_samples: v.optional(number('a whole number of samples from 1 to 1000', {min: 1, max: 1000, whole: true})),
    cpu_threshold: fraction('idc, sandpiper: CPU hotspot threshold'),
    nic_threshold: fraction('idc, sandpiper: NIC hotspot threshold'),
    swap_threshold: v.optional(number('swap pages written per second, 0 or more', {min: 0})),
    memory_step_mib: v.optional(number('MiB, 0 or more', {min: 0})),
    min_improvement: v.optional(number('a number from 0 to 1', {min: 0, max: 1})),
  },
  'an object of policy settings (high, low, max_migrations, cooldown_s, hold_samples, cpu_threshold, nic_threshold, swap_threshold, memory_step_mib, min_improvement)',
)

export const configSchema = record(
  {
    store: v.optional(text('a store URL such as etcd://127.0.0.1:2379/violin')),
    policy: v.optional(policySettingsSchema),
  },
  'a JSON object',
)
