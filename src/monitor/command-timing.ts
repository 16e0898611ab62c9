import {join} from 'node:path'

import {openStore} from '../store/open.js'
import {stateDir} from '../store/dirs.js'
import type {Store} from '../store/store.js'

/*
 * What a one-shot violin command spends besides its migrations, for `predict vacate`: the
 * lead before its first move and the gaps between moves go with each migration's record
 * (src/services/migration.ts); the tail after its last move (the history, the switch,
 * closing connections) is known only at its end and goes to the store's commands log
 * (commands.jsonl in the state dir). When the last move ended is the session's
 * (Session.lastTimedMigrationEndMs): it lives and dies with the command's session.
 */

/** The file backend's log; dir: the state dir (simulated runs use its sim/). */
export function commandsPath(dir = stateDir()): string {
  return join(dir, 'commands.jsonl')
}

/** Called as a command ends: a line with its tail, when it migrated anything (lastEndMs: when its last timed move ended). */
export async function recordCommandTail(command: string, lastEndMs: number | undefined, nowMs: number, store?: Store): Promise<void> {
  if (lastEndMs === undefined) return
  const s = store ?? (await openStore())
  await s.append('commands', [{at: new Date().toISOString(), command, tail_ms: Math.round(nowMs - lastEndMs)}])
}

export interface CommandTail {
  command: string
  tailMs: number
}

/** The recorded tails; lines that are not such records (a torn last line) are passed over. */
export async function readCommandTails(store?: Store): Promise<CommandTail[]> {
  const s = store ?? (await openStore())
  const tails: CommandTail[] = []
  for (const {text: line} of await s.readLog('commands')) {
    try {
      const {command, tail_ms: tail} = JSON.parse(line) as {command?: unknown; tail_ms?: unknown}
      if (typeof tail === 'number' && Number.isFinite(tail) && tail >= 0)
        tails.push({command: typeof command === 'string' ? command : 'violin', tailMs: tail})
    } catch {
      // not a record
    }
  }
  return tails
}
