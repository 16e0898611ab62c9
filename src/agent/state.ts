import {readFileSync, renameSync, writeFileSync} from 'node:fs'

import {parseRequest, type SwitchSpec} from './protocol.js'

/**
 * The agent's state file: the switches it runs, as last applied, with the members each
 * knew. A restarted agent rebuilds them from it and rejoins through those members.
 */
export interface AgentState {
  version: 1
  address?: string
  switches: SwitchSpec[]
}

export const emptyState = (): AgentState => ({version: 1, switches: []})

/** Reads the state file; a missing one is an empty state, a damaged one an error naming the file (never overwritten). */
export function loadState(file: string): AgentState {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
    throw error
  }
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}; move it aside to start with no switches`)
  }
  let state: AgentState
  try {
    state = JSON.parse(text) as AgentState
  } catch {
    return fail('not JSON')
  }
  if (state?.version !== 1 || !Array.isArray(state.switches)) fail('not a violin agent state file (version 1)')
  if (state.address !== undefined && typeof state.address !== 'string') fail('address must be a string')
  for (const spec of state.switches) {
    // A switch spec in the state file obeys the same rules as one from the CLI.
    const checked = parseRequest(JSON.stringify({op: 'apply', spec}))
    if (!checked.ok) fail(`switch ${JSON.stringify((spec as {vni?: unknown})?.vni)}: ${checked.error}`)
  }
  return state
}

/** Writes the state file whole or not at all (rename over it). */
export function saveState(file: string, state: AgentState): void {
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, {mode: 0o600})
  renameSync(temp, file)
}
