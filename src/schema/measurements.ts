/** What violin keeps of its measurements: the usage history, the migrations log, the calibration. */
import * as v from 'valibot'

import {byName, list, number, oneOf, record, text} from './fields.js'

const count = number('a number >= 0', {min: 0})
const series = list(count, 'a list of numbers >= 0')

export const historySchema = record(
  {
    version: v.literal(1, 'version 1'),
    vms: v.optional(
      byName(
        record({
          cpuDemand: v.optional(count),
          samples: v.optional(count, 0),
          lastMigratedMs: v.optional(count),
          cpuShares: v.optional(count),
          missed: v.optional(count, 0),
        }),
        'an object keyed by VM name',
      ),
    ),
    hosts: v.optional(
      byName(
        record({
          cpu: v.optional(series, []),
          swap: v.optional(series, []),
          nic: v.optional(series, []),
          hotSamples: v.optional(count, 0),
          migratingUntilMs: v.optional(count),
          missed: v.optional(count, 0),
        }),
        'an object keyed by host name',
      ),
    ),
  },
  'a JSON object',
)

/** One line of the migrations log (migrations.jsonl). */
export const migrationRecordSchema = record(
  {
    at: text('a time'),
    vm: text('a VM name'),
    from: text('a host name'),
    to: text('a host name'),
    mode: oneOf(['live', 'stop-and-copy'] as const),
    memory_mib: number('a number > 0', {above: 0}),
    used_mib: v.optional(count),
    sent_mib: v.optional(count),
    dirty_rate_mibs: v.optional(count),
    bandwidth_mibs: v.optional(count),
    concurrent: number('a whole number >= 1', {min: 1, whole: true}),
    total_ms: v.optional(count),
    downtime_ms: v.optional(count),
    wall_ms: count,
    iterations: v.optional(count),
    command: v.optional(v.string('a command name')),
    lead_ms: v.optional(count),
    gap_ms: v.optional(count),
  },
  'a JSON object (one migration)',
)

/** The calibration written by `violin calibrate` (its fits are read as written: violin made them). */
export const calibrationSchema = record(
  {
    version: v.literal(2, 'version 2 (run violin calibrate again to replace an older one)'),
    modes: record({}, 'an object of migration modes'),
    data: v.array(v.unknown(), 'a list of measurements'),
  },
  'a JSON object',
)
