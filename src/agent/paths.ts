import {join} from 'node:path'

import {VM_FILES_DIR} from '../inventory/environment-record.js'

/** Where the agent keeps its socket, PID file, log and state, unless told otherwise (--dir). */
export const DEFAULT_AGENT_DIR = `${VM_FILES_DIR}/agent`

/** The userspace data plane's UDP port (not 4789: a kernel VXLAN device of another environment may hold it). */
export const DEFAULT_DATA_PORT = 4790
export const DEFAULT_CONTROL_PORT = 4791

export interface AgentPaths {
  dir: string
  socket: string
  pid: string
  log: string
  state: string
}

export function agentPaths(dir = DEFAULT_AGENT_DIR): AgentPaths {
  return {dir, socket: join(dir, 'agent.sock'), pid: join(dir, 'agent.pid'), log: join(dir, 'agent.log'), state: join(dir, 'state.json')}
}
