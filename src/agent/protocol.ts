import type {Member} from '../mesh/control.js'
import type {Endpoint} from '../mesh/daemon.js'
import {requestSchema} from '../schema/agent.js'
import {checkMessage} from '../schema/check.js'

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

/** What a checked spec may still get wrong across its fields, as `FIELD: expected ..., found ...`. */
export function specProblem(s: SwitchSpec, at = 'spec'): string | undefined {
  if (s.authData && s.key === undefined)
    return `${at}.authData: expected false without ${at}.key (data frames are signed with the key), found true`
  const seen = new Set<string>()
  for (const [i, vm] of s.vms.entries()) {
    if (seen.has(vm.id)) return `${at}.vms[${i}].id: expected a VM not listed before, found ${JSON.stringify(vm.id)}`
    seen.add(vm.id)
  }
  return undefined
}

/** Parses one request line; the error names the field, what was expected and what was found, for the CLI to show. */
export function parseRequest(line: string): {ok: true; request: AgentRequest} | {ok: false; error: string} {
  let r: unknown
  try {
    r = JSON.parse(line)
  } catch {
    return {ok: false, error: 'request is not JSON'}
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return {ok: false, error: 'request must be a JSON object'}
  const checked = checkMessage(requestSchema, r)
  if (!checked.ok) return checked
  const request = checked.value as AgentRequest
  const problem = request.op === 'apply' ? specProblem(request.spec) : undefined
  return problem ? {ok: false, error: problem} : {ok: true, request}
}
