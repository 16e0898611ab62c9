/**
 * The agent's protocol (one JSON request per line on its socket) and its state file: the
 * same schemas and formatter as files, so a bad request is answered with
 * `FIELD: expected ..., found ...`, never a crash.
 */
import * as v from 'valibot'

import {parseMac} from '../mesh/mac.js'
import {flag, list, matching, number, record} from './fields.js'

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
const HEX_KEY = /^[0-9a-f]{32,128}$/i
const VNI = 'an integer from 1 to 16777215'

export const vniSchema = number(VNI, {min: 1, max: 0xff_ffff, whole: true})
const port = number('a port number (1 to 65535)', {min: 1, max: 65_535, whole: true})
const address = v.pipe(v.string('an address'), v.minLength(1, 'an address'), v.maxLength(63, 'an address of at most 63 characters'))

function isMac(x: string): boolean {
  try {
    parseMac(x)
    return true
  } catch {
    return false
  }
}

const endpoint = record({address, port}, 'an endpoint {address, port}')
const member = record({address, dataPort: port, controlPort: port}, 'a member {address, dataPort, controlPort}')
const vmName = matching(ID, 'a VM name')

const agentVm = record({
  id: vmName,
  mac: v.pipe(v.string('a MAC address'), v.check(isMac, 'a MAC address')),
  listen: endpoint,
  vm: endpoint,
})

export const switchSpecSchema = record(
  {
    vni: vniSchema,
    key: v.optional(matching(HEX_KEY, '32 to 128 hex digits')),
    authData: v.optional(flag()),
    known: v.pipe(list(member, 'a list of members {address, dataPort, controlPort}'), v.maxLength(1024, 'at most 1024 members')),
    vteps: v.optional(v.pipe(list(endpoint, 'a list of {address, port}'), v.maxLength(1024, 'at most 1024 VTEPs'))),
    vms: v.pipe(list(agentVm, 'a list of VMs'), v.maxLength(4096, 'at most 4096 VMs')),
  },
  'a switch spec (an object)',
)

export const OPS = ['hello', 'apply', 'remove', 'status', 'fdb', 'traffic', 'announce'] as const
const OP = `one of the ops ${OPS.join(', ')}`

export const requestSchema = v.variant(
  'op',
  [
    record({op: v.literal('hello', OP)}),
    record({op: v.literal('apply', OP), spec: switchSpecSchema}),
    record({op: v.picklist(['remove', 'fdb'] as const, OP), vni: vniSchema}),
    record({op: v.picklist(['status', 'traffic'] as const, OP), vni: v.optional(vniSchema)}),
    record({op: v.literal('announce', OP), vni: vniSchema, vm: vmName}),
  ],
  OP,
)

export const agentStateSchema = record(
  {
    version: v.literal(1, 'version 1 (a violin agent state file)'),
    address: v.optional(v.string('an address')),
    switches: list(switchSpecSchema, 'a list of switch specs'),
  },
  'a JSON object (a violin agent state file)',
)
