/** A saved plan (`violin plan --save FILE`): what `plan show` and `plan apply` read. */
import * as v from 'valibot'

import {byName, flag, list, number, record, text} from './fields.js'
import {ruleSchema} from './inventory.js'

const ACTION_KIND = 'an action kind: set-shares, set-memory, migrate, migrate-environment'
const count = number('a number, 0 or more', {min: 0})
const predicted = v.optional(v.nullable(count))
const iso = expecting_iso()

function expecting_iso() {
  const what = 'an ISO 8601 time such as 2026-12-01T08:00:00.000Z'
  return v.pipe(
    v.string(what),
    v.check((s) => !Number.isNaN(Date.parse(s)), what),
  )
}

const move = record({vm: text('a VM name'), from: text('a host name'), to: text('a host name')})

const action = v.variant(
  'kind',
  [
    record({kind: v.literal('set-shares', ACTION_KIND), vm: text(), host: text(), from: count, to: count, reason: v.string()}),
    record({kind: v.literal('set-memory', ACTION_KIND), vm: text(), host: text(), from_mib: count, to_mib: count, reason: v.string()}),
    record({kind: v.literal('migrate', ACTION_KIND), vm: text(), from: text(), to: text(), reason: v.string(), predicted_ms: predicted}),
    record({
      kind: v.literal('migrate-environment', ACTION_KIND),
      environment: text(),
      from_site: text(),
      to_site: text(),
      moves: list(move, 'a non-empty list of moves {vm, from, to}', 1),
      reason: v.string(),
      predicted_ms: predicted,
    }),
  ],
  ACTION_KIND,
)

export const planSchema = record(
  {
    version: number('a plan version (1)', {min: 1, whole: true}),
    created_at: iso,
    by: v.string('a string'),
    policy: text('a policy name'),
    settings: record({
      high: count,
      low: count,
      max_migrations: count,
      cooldown_s: count,
      hold_samples: count,
      cpu_threshold: count,
      nic_threshold: count,
      swap_threshold: count,
      memory_step_mib: count,
      min_improvement: count,
    }),
    hosts: byName(
      record({
        site: text('a site name'),
        cores: count,
        memory_mib: count,
        free_memory_mib: number('a number of MiB'),
        cpu_percent: count,
        demand_percent: count,
        maintenance: flag(),
      }),
      'an object keyed by host name',
    ),
    vms: byName(
      record({host: text('a host name'), vcpus: count, memory_mib: count, cpu_demand_percent: count}),
      'an object keyed by VM name',
    ),
    rules: list(ruleSchema, 'a list of rules'),
    actions: list(action, 'a list of actions'),
    notes: list(v.string('a string'), 'a list of notes'),
    unanswered: list(record({host: text('a host name'), error: v.string('a string')}), 'a list of hosts'),
  },
  'a plan as violin plan --save writes it',
)
