import type {History} from '../monitor/history.js'
import {type Action, ENVIRONMENT_MOVES_AT_ONCE} from '../policy/cluster-view.js'
import {moveEnvironment} from '../services/env-migrate.js'
import {planMigration, runMigration} from '../services/migration.js'
import type {Session} from '../services/session.js'
import {schedInfo, setVmMemory} from '../services/vms.js'
import type {Store} from '../store/store.js'
import {closeIntent, openIntent} from './intents.js'

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
  // runMigration starts and joins the environment's switch on the destination first, so the VM lands on its Ethernet.
  try {
    // A migration finishes even if this violin dies during it: the next leader finds it done.
    const planned = await planMigration(session, vm, to, {live: true, outliveClient: true}, {hosts: [from]})
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
  const done = await moveEnvironment(
    session,
    moves.map((m) => ({...m})),
    {maxParallel: ENVIRONMENT_MOVES_AT_ONCE, live: true, copyStorage: false, outliveClient: true},
  ).finally(() => history.endMigrating(hosts, session.clock.now()))
  for (const m of done) if (m.result) history.recordMigration(m.vm, session.clock.now())
  const failed = done.filter((m) => m.error)
  if (failed.length > 0)
    throw new Error(`${failed.length} of ${done.length} moves failed: ${failed.map((m) => `${m.vm}: ${m.error!.message}`).join('; ')}`)
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

/** Where a pass on the inventory announces its actions (./intents.ts), and whether it may still act. */
export interface Journal {
  store: Store
  /** "host pid N". */
  by: string
  /** Asked before each action (the leader: does it still lead?); false: no further action starts. */
  mayAct?: () => Promise<boolean>
}

/** The hosts an action touches: actions on one host keep the plan's order. */
export function hostsOf(action: Action): string[] {
  switch (action.kind) {
    case 'set-shares':
    case 'set-memory':
      return [action.host]
    case 'migrate':
      return [action.from, action.to]
    case 'migrate-environment':
      return [...new Set(action.moves.flatMap((m) => [m.from, m.to]))]
  }
}

export type ActionState = 'waiting' | 'running' | 'done'

/**
 * The waiting actions that may start now, in the plan's order, with `maxParallel` at once:
 * one whose hosts no earlier action not yet done touches.
 */
export function startable(hosts: readonly string[][], state: readonly ActionState[], maxParallel: number): number[] {
  const out: number[] = []
  let running = state.filter((s) => s === 'running').length
  const busy = new Set<string>()
  for (let i = 0; i < hosts.length && running < Math.max(1, maxParallel); i++) {
    const mine = hosts[i]!
    if (state[i] === 'waiting' && !mine.some((h) => busy.has(h))) {
      out.push(i)
      running++
    }
    if (state[i] !== 'done') for (const h of mine) busy.add(h)
  }
  return out
}

/**
 * Carries out a plan's actions, in order: with `maxParallel` above 1, an action starts
 * beside others only when no action before it that touches one of its hosts is still to
 * run or running (the plan counted each host's capacity in that order). One that fails is
 * reported and the rest go on; once `signal` is aborted (SIGINT/SIGTERM, the leadership
 * lost) the actions in flight finish and no new one starts (a live migration is not cut in
 * half). With a journal each action's intent is written to the store before it starts,
 * and its outcome after. Outcomes come back in the plan's order, for the actions started.
 */
export async function executePlan(
  session: Session,
  history: History,
  actions: Action[],
  signal?: AbortSignal,
  onDone?: (o: ActionOutcome) => void,
  journal?: Journal,
  maxParallel = 1,
): Promise<ActionOutcome[]> {
  const outcomes: Array<ActionOutcome | undefined> = actions.map(() => undefined)
  const hosts = actions.map(hostsOf)
  const state: ActionState[] = actions.map(() => 'waiting')
  let stopped = false
  const running = new Set<Promise<void>>()
  const run = async (i: number): Promise<void> => {
    const action = actions[i]!
    const started = session.clock.now()
    let outcome: ActionOutcome
    let intent: Awaited<ReturnType<typeof openIntent>> | undefined
    try {
      // No intent written, no action: an action the store does not know of could be repeated.
      if (journal) intent = await openIntent(journal.store, action, journal.by, Date.now())
      await perform(session, history, action)
      outcome = {action, ok: true, seconds: (session.clock.now() - started) / 1000}
    } catch (error) {
      outcome = {action, ok: false, error: (error as Error).message, seconds: (session.clock.now() - started) / 1000}
    }
    // An outcome not recorded leaves the intent open: the next pass finds out what happened.
    if (journal && intent) await closeIntent(journal.store, intent, outcome).catch(() => undefined)
    outcomes[i] = outcome
    state[i] = 'done'
    onDone?.(outcome)
  }
  // The leader is asked before each action it starts.
  const mayStart = async () => !signal?.aborted && (!journal?.mayAct || (await journal.mayAct().catch(() => false)))
  for (;;) {
    for (const i of stopped ? [] : startable(hosts, state, maxParallel)) {
      if (!(await mayStart())) {
        stopped = true
        break
      }
      state[i] = 'running'
      const p: Promise<void> = run(i).finally(() => running.delete(p))
      running.add(p)
    }
    if (running.size === 0) break
    await Promise.race(running)
  }
  return outcomes.filter((o): o is ActionOutcome => o !== undefined)
}
