/** A simulation scenario (`violin simulate FILE`, examples/scenarios/): `violin schema scenario`. */
import * as v from 'valibot'

import {ROLES} from '../inventory/environment-record.js'
import {DEFAULT_POLICY_OPTIONS} from '../policy/cluster-view.js'
import {RULE_KINDS, RULE_NAME} from '../policy/rules.js'
import {byName, expecting, flag, list, mapping, matching, number, oneOf, positiveWhole, size, text} from './fields.js'

const MIB = 1024 * 1024
/** Bytes per second of each rate unit. */
export const RATE_UNITS: Record<string, number> = {
  'b/s': 1,
  'kb/s': 1e3,
  'mb/s': 1e6,
  'gb/s': 1e9,
  'kib/s': 1024,
  'mib/s': MIB,
  'gib/s': 1024 * MIB,
  'kbit/s': 1e3 / 8,
  'mbit/s': 1e6 / 8,
  'gbit/s': 1e9 / 8,
}

/** The units of RATE_UNITS in any case, as one pattern (JSON Schema patterns have no flags). */
const RATE_PATTERN = /^\s*\d+(?:\.\d+)?\s*(?:[bB]|[kKmMgG][iI]?[bB]|[kKmMgG][bB][iI][tT])\/[sS]\s*$/

const RATE = 'a rate like 4MB/s, 100MiB/s or 1Gbit/s (a bare number is bytes per second)'

/** A rate; its output is bytes per second. */
export function rate(what = RATE) {
  return expecting(
    v.pipe(
      v.union([v.pipe(v.number(what), v.finite(what), v.minValue(0, what)), v.pipe(v.string(what), v.regex(RATE_PATTERN, what))], what),
      v.description(`A rate: B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s, Kbit/s, Mbit/s, Gbit/s; a bare number is bytes per second.`),
      v.transform((x): number => {
        if (typeof x === 'number') return x
        const m = /^\s*(\d+(?:\.\d+)?)\s*(\S+)\s*$/.exec(x)!
        return Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]!
      }),
    ),
    what,
  )
}

const seconds = (what: string, bounds: {min?: number; above?: number}) => number(what, bounds)

const phase = mapping({
  cpu: number('a number from 0 to 1 (the share of its vCPUs it wants)', {min: 0, max: 1}),
  memory: v.optional(size()),
  traffic: v.optional(byName(rate(), 'a mapping of peers (VM names, or outside) to rates')),
  dirty_rate: v.optional(rate()),
  work: v.optional(seconds('a number of CPU-seconds > 0', {above: 0})),
  duration_s: v.optional(seconds('a number of seconds > 0', {above: 0})),
})

const vm = mapping({
  name: v.optional(text('a VM name')),
  host: v.optional(text('a host name')),
  hosts: v.optional(list(text('a host name'), 'a non-empty list of host names', 1)),
  role: v.optional(oneOf(ROLES)),
  vcpus: v.optional(positiveWhole('a whole number of vCPUs > 0')),
  memory: v.optional(size()),
  max_memory: v.optional(size()),
  phases: list(phase, 'a non-empty list of phases', 1),
})

const environment = mapping({
  name: text('an environment name'),
  head_site: v.optional(text('a site name')),
  start_s: v.optional(seconds('a number of seconds >= 0', {min: 0})),
  sync: v.optional(flag()),
  vms: list(vm, 'a non-empty list of VMs', 1),
})

const host = mapping({
  name: text('a host name'),
  site: v.optional(text('a site name')),
  cores: positiveWhole('a whole number of cores > 0'),
  memory: size(),
  nic: v.optional(rate()),
})

const policyOptions = mapping(
  Object.fromEntries(Object.keys(DEFAULT_POLICY_OPTIONS).map((k) => [k, v.optional(number('a number >= 0', {min: 0}))])) as Record<
    string,
    v.OptionalSchema<ReturnType<typeof number>, undefined>
  >,
  'a mapping of policy options',
)

/**
 * A placement rule, as `violin rule list --json` gives it: pin and exclude make one rule per
 * VM (named pin-VM, exclude-VM unless named); a pin takes host or site.
 */
const rule = mapping({
  name: v.optional(matching(RULE_NAME, 'a rule name (letters, digits, . _ -)')),
  kind: oneOf(RULE_KINDS),
  vms: list(text('a VM name'), 'a non-empty list of VM names', 1),
  host: v.optional(text('a host name')),
  site: v.optional(text('a site name')),
})

export const scenarioSchema = v.pipe(
  mapping({
    name: v.optional(text('a scenario name')),
    description: v.optional(text('a description')),
    step_s: v.optional(seconds('a number of seconds > 0', {above: 0})),
    interval_s: v.optional(seconds('a number of seconds > 0', {above: 0})),
    max_time_s: v.optional(seconds('a number of seconds > 0', {above: 0})),
    migration: v.optional(
      mapping({
        bandwidth: v.optional(rate()),
        downtime_s: v.optional(seconds('a number of seconds >= 0', {min: 0})),
        slowdown: v.optional(number('a number from 0 to 0.99', {min: 0, max: 0.99})),
      }),
    ),
    memory: v.optional(mapping({swap: v.optional(flag()), swap_writes_per_mib: v.optional(number('a number >= 0', {min: 0}))})),
    policy_options: v.optional(policyOptions),
    hosts: list(host, 'a non-empty list of hosts', 1),
    environments: list(environment, 'a non-empty list of environments', 1),
    rules: v.optional(list(rule, 'a list of placement rules')),
  }),
  v.title('violin simulation scenario'),
  v.description('Hosts, and environments whose VMs go through phases of CPU, memory and traffic demand, for `violin simulate FILE`.'),
)
