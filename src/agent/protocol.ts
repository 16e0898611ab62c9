import {isMember, type Member} from '../mesh/control.js'
import type {Endpoint} from '../mesh/daemon.js'
import {parseMac} from '../mesh/mac.js'

/**
 * What the CLI asks the agent, one JSON object per line on the agent's Unix socket (the
 * CLI reaches it through an SSH direct-streamlocal channel), one request per connection.
 * Every request is checked here before the agent acts: the socket is root's only, but a
 * bad request must still be an answer, never a crash.
 */

/** A VM's port on its host's switch: the daemon listens at `listen`, the VM's UDP NIC at `vm`. */
export interface AgentVm {
  id: string
  mac: string
  listen: Endpoint
  vm: Endpoint
}

/** One environment's switch on one host, as the CLI wants it. Applying it again is harmless. */
export interface SwitchSpec {
  vni: number
  /** Pre-shared key, hex: control messages (and with authData, data frames) carry its HMAC. */
  key?: string
  authData?: boolean
  /** Members to join through (other hosts' switches); empty for the first. */
  known: Member[]
  /**
   * Kernel VXLAN devices of the environment (a host on the kernel data plane): peers on the
   * data plane only, since they have no control plane. Never dropped for silence.
   */
  vteps?: Endpoint[]
  /** Exactly the VM ports this host should have: others are closed. */
  vms: AgentVm[]
}

export type AgentRequest =
  | {op: 'hello'}
  | {op: 'apply'; spec: SwitchSpec}
  | {op: 'remove'; vni: number}
  | {op: 'status'; vni?: number}
  | {op: 'fdb'; vni: number}
  | {op: 'traffic'; vni?: number}
  | {op: 'announce'; vni: number; vm: string}

export type AgentResponse = {ok: true; result: unknown} | {ok: false; error: string}

/** Longest request line the agent reads; a spec for a thousand VMs is well under it. */
export const MAX_REQUEST_BYTES = 1 << 20

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
const HEX_KEY = /^[0-9a-f]{32,128}$/i

const isVni = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) < 1 << 24
const isPort = (x: unknown): x is number => Number.isInteger(x) && (x as number) > 0 && (x as number) < 65536

function isEndpoint(x: unknown): x is Endpoint {
  const e = x as Endpoint
  return typeof e === 'object' && e !== null && typeof e.address === 'string' && e.address.length > 0 && e.address.length < 64 && isPort(e.port)
}

function isMacText(x: unknown): x is string {
  try {
    parseMac(x as string)
    return true
  } catch {
    return false
  }
}

function checkSpec(x: unknown): string | undefined {
  const s = x as SwitchSpec
  if (typeof s !== 'object' || s === null) return 'spec must be an object'
  if (!isVni(s.vni)) return 'spec.vni must be an integer from 1 to 16777215'
  if (s.key !== undefined && !(typeof s.key === 'string' && HEX_KEY.test(s.key))) return 'spec.key must be 32 to 128 hex digits'
  if (s.authData !== undefined && typeof s.authData !== 'boolean') return 'spec.authData must be true or false'
  if (s.authData && s.key === undefined) return 'spec.authData needs spec.key'
  if (!Array.isArray(s.known) || s.known.length > 1024 || !s.known.every(isMember)) return 'spec.known must be a list of members {address, dataPort, controlPort}'
  if (s.vteps !== undefined && !(Array.isArray(s.vteps) && s.vteps.length <= 1024 && s.vteps.every(isEndpoint))) return 'spec.vteps must be a list of {address, port}'
  if (!Array.isArray(s.vms) || s.vms.length > 4096) return 'spec.vms must be a list'
  for (const [i, vm] of s.vms.entries()) {
    if (typeof vm !== 'object' || vm === null || typeof vm.id !== 'string' || !ID.test(vm.id)) return `spec.vms[${i}].id must be a VM name`
    if (!isMacText(vm.mac)) return `spec.vms[${i}].mac must be a MAC address`
    if (!isEndpoint(vm.listen) || !isEndpoint(vm.vm)) return `spec.vms[${i}]: listen and vm must be {address, port}`
  }
  if (new Set(s.vms.map((v) => v.id)).size !== s.vms.length) return 'spec.vms: a VM is listed twice'
  return undefined
}

/** Parses one request line; the error names the field, for the CLI to show. */
export function parseRequest(line: string): {ok: true; request: AgentRequest} | {ok: false; error: string} {
  let r: Record<string, unknown>
  try {
    r = JSON.parse(line) as Record<string, unknown>
  } catch {
    return {ok: false, error: 'request is not JSON'}
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return {ok: false, error: 'request must be a JSON object'}
  const fail = (error: string) => ({ok: false as const, error})
  switch (r.op) {
    case 'hello':
      return {ok: true, request: {op: 'hello'}}
    case 'apply': {
      const problem = checkSpec(r.spec)
      return problem ? fail(problem) : {ok: true, request: {op: 'apply', spec: r.spec as SwitchSpec}}
    }
    case 'remove':
    case 'fdb':
      return isVni(r.vni) ? {ok: true, request: {op: r.op, vni: r.vni}} : fail('vni must be an integer from 1 to 16777215')
    case 'status':
    case 'traffic':
      if (r.vni !== undefined && !isVni(r.vni)) return fail('vni must be an integer from 1 to 16777215')
      return {ok: true, request: {op: r.op, vni: r.vni as number | undefined}}
    case 'announce':
      if (!isVni(r.vni)) return fail('vni must be an integer from 1 to 16777215')
      return typeof r.vm === 'string' && ID.test(r.vm) ? {ok: true, request: {op: 'announce', vni: r.vni, vm: r.vm}} : fail('vm must be a VM name')
    default:
      return fail(`unknown op ${JSON.stringify(r.op)}; known: hello, apply, remove, status, fdb, traffic, announce`)
  }
}
