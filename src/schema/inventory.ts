/** The inventory (inventory.json in the config dir, or the store's): written by violin, checked on every read. */
import * as v from 'valibot'

import {DATAPLANES, FIRST_VM_PORT, LAST_VM_PORT, ROLES} from '../inventory/environment-record.js'
import {DOMAIN_TYPES, DRIVERS, HOST_NAME, NIC_NAME} from '../inventory/host.js'
import {RULE_KINDS, RULE_NAME} from '../policy/rules.js'
import {absolutePath, byName, expecting, flag, list, matching, number, oneOf, record, text} from './fields.js'

const TRANSPORT = 'a transport: {kind: local} or {kind: ssh, user, address, port}'

const transport = v.variant(
  'kind',
  [
    record({kind: v.literal('local', TRANSPORT)}),
    record({
      kind: v.literal('ssh', TRANSPORT),
      user: text('a user name'),
      address: text('a host address'),
      port: number('a port number (1 to 65535)', {min: 1, max: 65_535, whole: true}),
    }),
  ],
  TRANSPORT,
)

const host = record({
  name: text('a host name'),
  site: text('a site name'),
  driver: oneOf(DRIVERS),
  uri: v.optional(v.string('a string')),
  identity: v.optional(v.string('a string')),
  cpuOvercommit: v.optional(number('a positive number', {above: 0})),
  domainType: v.optional(oneOf(DOMAIN_TYPES)),
  maintenance: v.optional(flag()),
  nic: v.optional(matching(NIC_NAME, 'a network interface name such as eth0')),
  agent: v.optional(
    record({
      command: v.optional(list(text('a word'), 'a non-empty list of words', 1)),
      dir: v.optional(absolutePath('an absolute path')),
      store: v.optional(flag()),
    }),
  ),
  transport,
})

const positive = number('a positive number', {above: 0})

const environmentVm = record({
  name: matching(HOST_NAME, 'a VM name'),
  role: oneOf(ROLES),
  host: text('a host name'),
  mac: v.string('a MAC address'),
  vcpus: positive,
  memoryMiB: positive,
  maxMemoryMiB: positive,
  port: v.optional(number(`a port from ${FIRST_VM_PORT} to ${LAST_VM_PORT}`, {min: FIRST_VM_PORT, max: LAST_VM_PORT, whole: true})),
})

const network = record({
  vni: number('a whole number from 1 to 16777215', {min: 1, max: 0xff_ffff, whole: true}),
  dataplane: oneOf(DATAPLANES),
  key: v.optional(matching(/^[0-9a-f]{64}$/, '64 hex digits')),
  authData: v.optional(flag()),
  underlayMtu: v.optional(number('a whole number from 1280 to 65535', {min: 1280, max: 65_535, whole: true})),
})

const environment = record({
  name: text('an environment name'),
  headSite: text('a site name'),
  vms: list(environmentVm, 'a list of VMs'),
  network: v.optional(network),
})

const RULE_KIND = `a rule kind: ${RULE_KINDS.join(', ')}`
const ruleName = matching(RULE_NAME, 'a rule name (letters, digits, . _ -)')
const vmName = matching(HOST_NAME, 'a VM name')
const VM_GROUP = 'a list of two or more different VM names'
const vmGroup = expecting(
  v.pipe(
    list(vmName, VM_GROUP, 2),
    v.check((vms) => new Set(vms).size === vms.length, VM_GROUP),
  ),
  VM_GROUP,
)

/** A placement rule (src/policy/rules.ts); that a pin names a host or a site, not both, is checked by validateDoc. */
export const ruleSchema = v.variant(
  'kind',
  [
    record({
      kind: v.literal('pin', RULE_KIND),
      name: ruleName,
      vm: vmName,
      host: v.optional(matching(HOST_NAME, 'a host name')),
      site: v.optional(matching(HOST_NAME, 'a site name')),
    }),
    record({kind: v.literal('exclude', RULE_KIND), name: ruleName, vm: vmName}),
    record({kind: v.literal('anti-affinity', RULE_KIND), name: ruleName, vms: vmGroup}),
    record({kind: v.literal('affinity', RULE_KIND), name: ruleName, vms: vmGroup}),
  ],
  RULE_KIND,
)

export const inventorySchema = record(
  {
    version: v.optional(v.literal(1, 'version 1 (the only one this violin reads)')),
    hosts: v.optional(byName(host, 'an object keyed by host name')),
    vms: v.optional(byName(record({host: text('a host name')}), 'an object keyed by VM name')),
    environments: v.optional(byName(environment, 'an object keyed by environment name')),
    rules: v.optional(byName(ruleSchema, 'an object keyed by rule name')),
  },
  'a JSON object',
)
