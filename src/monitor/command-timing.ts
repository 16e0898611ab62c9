import {appendFile, mkdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {stateDir} from '../inventory/store.js'

/**
 * What a one-shot violin command spends besides its migrations, for `predict vacate`: the
 * lead before its first move and the gaps between moves go with each migration's record
 * (src/services/migration.ts); the tail after its last move (the history, the switch,
 * closing connections) is known only at its end and goes to commands.jsonl in the state dir.
 */
let lastTimedEndMs: number | undefined

/** When this process's last timed migration ended (ms since it started), if it ran one. */
export function lastMigrationEnd(): number | undefined {
  return lastTimedEndMs
}

export function migrationEnded(atMs: number): void {
  lastTimedEndMs = atMs
}

export function commandsPath(): string {
  return join(stateDir(), 'commands.jsonl')
}

/** Called as a command ends: a line with its tail, when it migrated anything. */
export async function recordCommandTail(command: string, nowMs: number): Promise<void> {
  if (lastTimedEndMs === undefined) return
  await mkdir(stateDir(), {recursive: true})
  await appendFile(commandsPath(), JSON.stringify({at: new Date().toISOString(), command, tail_ms: Math.round(nowMs - lastTimedEndMs)}) + '\n')
}

/** The recorded tails, ms; lines that are not such records (a torn last line) are passed over. */
export async function readCommandTails(): Promise<number[]> {
  const text = await readFile(commandsPath(), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw error
  })
  const tails: number[] = []
  for (const line of text.split('\n')) {
    try {
      const tail = (JSON.parse(line) as {tail_ms?: unknown}).tail_ms
      if (typeof tail === 'number' && Number.isFinite(tail) && tail >= 0) tails.push(tail)
    } catch {
      // not a record
    }
  }
  return tails
}
