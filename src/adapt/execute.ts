import type {History} from '../monitor/history.js'
import {type Action, ENVIRONMENT_MOVES_AT_ONCE} from '../policy/view.js'
import {moveEnvironment} from '../services/env-migrate.js'
import {planMigration, runMigration} from '../services/migration.js'
import type {Session} from '../services/session.js'
import {schedInfo, setVmMemory} from '../services/vms.js'

export interface ActionOutcome {
  action: Action
  ok: boolean
  error?: string
  seconds: number
}

/** How long a host counts as "in a migration" (not judged) if violin dies during one. */
const MIGRATION_MARK_MS = 10 * 60_000
async function migrate(session: Session, history: History, vm: string, from: string, to: string): Promise<void> {
  const now = session.clock.now()
  history.markMigrating([from, to], now + MIGRATION_MARK_MS)
  // runMigration starts and joins the environment's switch on the destination first (issue 4).
  try {
    const planned = await planMigration(session, vm, to, {live: true}, {hosts: [from]})
    await runMigration(session, planned)
    history.recordMigration(vm, session.clock.now())
  } finally {
    // The long mark only covers a violin that dies mid-move; the next reading is after it.
    history.endMigrating([from, to], session.clock.now())
  }
}

/** An environment's compute nodes move together, as `violin env migrate` moves them. */
async function migrateEnvironment(session: Session, history: History, moves: Array<{vm: string; from: string; to: string}>): Promise<void> {
  const hosts = [...new Set(moves.flatMap((m) => [m.from, m.to]))]
  history.markMigrating(hosts, session.clock.now() + MIGRATION_MARK_MS)
  const done = await moveEnvironment(session, moves.map((m) => ({...m})), {maxParallel: ENVIRONMENT_MOVES_AT_ONCE, live: true, copyStorage: false}).finally(() => history.endMigrating(hosts, session.clock.now()))
  for (const m of done) if (m.result) history.recordMigration(m.vm, session.clock.now())
  const failed = done.filter((m) => m.error)
  if (failed.length > 0) throw new Error(`${failed.length} of ${done.length} moves failed: ${failed.map((m) => `${m.vm}: ${m.error!.message}`).join('; ')}`)
}

async function perform(session: Session, history: History, action: Action): Promise<void> {
  switch (action.kind) {
    case 'set-shares':
      // Policies count libvirt's cpu_shares (default 1024); drivers take Xen's weight (default 256).
      await schedInfo(session, action.vm, {weight: Math.round(action.to / 4)}, {hosts: [action.host]})
      history.recordShares(action.vm, action.to)
      return
    case 'set-memory':
      await setVmMemory(session, action.vm, action.toMiB, {live: true, config: false, verifyMs: 15_000}, {hosts: [action.host]})
      return
    case 'migrate':
      await migrate(session, history, action.vm, action.from, action.to)
      return
    case 'migrate-environment':
      await migrateEnvironment(session, history, action.moves)
  }
}

/**
 * Carries out a plan's actions in order. One that fails is reported and the rest go on;
 * once `signal` is aborted (SIGINT/SIGTERM) the action in flight finishes and no new one
 * starts (a live migration is not cut in half).
 */
export async function executePlan(session: Session, history: History, actions: Action[], signal?: AbortSignal, onDone?: (o: ActionOutcome) => void): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = []
  for (const action of actions) {
    if (signal?.aborted) break
    const started = session.clock.now()
    let outcome: ActionOutcome
    try {
      await perform(session, history, action)
      outcome = {action, ok: true, seconds: (session.clock.now() - started) / 1000}
    } catch (error) {
      outcome = {action, ok: false, error: (error as Error).message, seconds: (session.clock.now() - started) / 1000}
    }
    outcomes.push(outcome)
    onDone?.(outcome)
  }
  return outcomes
}
