import {readFileSync, renameSync, writeFileSync} from 'node:fs'

import {ConfigError} from '../errors.js'
import {agentStateSchema} from '../schema/agent.js'
import {check} from '../schema/check.js'
import {parseJson} from '../schema/json.js'
import {specProblem, type SwitchSpec} from './protocol.js'

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

/** Reads the state file; a missing one is an empty state, a damaged one a ConfigError at its line and column (never overwritten). */
export function loadState(file: string): AgentState {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
    throw error
  }
  const {value, source} = parseJson(file, text)
  const state = check(agentStateSchema, value, source) as unknown as AgentState
  for (const [i, spec] of state.switches.entries()) {
    // A switch spec in the state file obeys the same rules as one from the CLI.
    const problem = specProblem(spec, `switches[${i}]`)
    if (problem) throw new ConfigError(file, undefined, problem, source.position(['switches', i], false))
  }
  return state
}

/** Writes the state file whole or not at all (rename over it). */
export function saveState(file: string, state: AgentState): void {
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, {mode: 0o600})
  renameSync(temp, file)
}
