import {randomUUID} from 'node:crypto'

import type {History} from '../monitor/history.js'
import type {Action} from '../policy/cluster-view.js'
import type {Session} from '../services/session.js'
import {DOCS, type Store} from '../store/store.js'

/**
 * Write-ahead intents: before an action starts its intent is written to the store
 * (DOCS.intents, collection `open`); after, the intent is removed and the outcome appended
 * to the 'actions' log. An intent still open at the start of a pass is one whose writer
 * died (or lost the leadership) mid-action: the next pass asks the hypervisors where the
 * VM is now, records what happened, and never starts that migration again in the same pass.
 */
export interface Intent {
  id: string
  action: Action
  /** "host pid N" of the violin that started it. */
  by: string
  startedMs: number
}

/** What a pass found of an intent left open: one per VM it names. */
export interface Recovered {
  vm: string
  /** True when the move is known to have happened, or known not to have. */
  known: boolean
  /** "completed by the previous leader (east1 → west1)", "not done (...)", "unknown: ...". */
  text: string
  intent: Intent
}

/** How often and how long to wait for a migration still running (the VM on both hosts). */
export interface SettleOptions {
  pollMs: number
  timeoutMs: number
}

export const SETTLE: SettleOptions = {pollMs: 2000, timeoutMs: 120_000}

/** Writes the intent before its action starts. */
export async function openIntent(store: Store, action: Action, by: string, nowMs: number): Promise<Intent> {
  const intent: Intent = {id: `${nowMs}-${randomUUID().slice(0, 8)}`, action, by, startedMs: nowMs}
  await store.update(DOCS.intents, (current) => ({value: {...current, open: {...openOf(current), [intent.id]: intent}}, result: undefined}))
  return intent
}

/** After the action: its outcome in the 'actions' log, then the intent removed. */
export async function closeIntent(
  store: Store,
  intent: Intent,
  outcome: {ok: boolean; error?: string; seconds: number; by?: string},
): Promise<void> {
  await store.append('actions', [
    {
      at: new Date().toISOString(),
      id: intent.id,
      action: intent.action,
      by: outcome.by ?? intent.by,
      ok: outcome.ok,
      ...(outcome.error ? {error: outcome.error} : {}),
      seconds: outcome.seconds,
    },
  ])
  await removeIntent(store, intent.id)
}

export async function openIntents(store: Store): Promise<Intent[]> {
  return Object.values(openOf(await store.read(DOCS.intents))).sort((a, b) => a.startedMs - b.startedMs)
}

async function removeIntent(store: Store, id: string): Promise<void> {
  await store.update(DOCS.intents, (current) => {
    const open = {...openOf(current)}
    delete open[id]
    return {value: {...current, open}, result: undefined}
  })
}

function openOf(doc: Record<string, unknown> | undefined): Record<string, Intent> {
  return (doc?.open ?? {}) as Record<string, Intent>
}

type Place = {on: 'source' | 'destination' | 'both' | 'neither'} | {unanswered: string}

/** Where a VM is now: asked of the source's and the destination's hypervisors. A shut-off definition left behind does not count. */
async function place(session: Session, vm: string, from: string, to: string): Promise<Place> {
  const where: boolean[] = []
  for (const name of [from, to]) {
    try {
      const host = session.host(name)
      const vms = await (await session.driver(host)).listVms()
      where.push(vms.some((v) => v.name === vm && v.state !== 'shutoff'))
    } catch (error) {
      return {unanswered: `${name} did not answer (${(error as Error).message})`}
    }
  }
  const [onSource, onDestination] = where
  return {on: onSource && onDestination ? 'both' : onDestination ? 'destination' : onSource ? 'source' : 'neither'}
}

/** Where a migrated VM ended up; on both hosts the migration still runs: wait for it to settle. */
async function settle(session: Session, vm: string, from: string, to: string, options: SettleOptions): Promise<Place> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const p = await place(session, vm, from, to)
    if (!('on' in p) || p.on !== 'both' || Date.now() >= deadline) return p
    await new Promise((resolve) => setTimeout(resolve, options.pollMs))
  }
}

async function recoverMove(
  session: Session,
  history: History | undefined,
  intent: Intent,
  move: {vm: string; from: string; to: string},
  options: SettleOptions,
): Promise<Recovered | {unanswered: string}> {
  const p = await settle(session, move.vm, move.from, move.to, options)
  const base = {vm: move.vm, intent}
  if (!('on' in p)) return p
  switch (p.on) {
    case 'destination':
      history?.recordMigration(move.vm, session.clock.now())
      return {...base, known: true, text: `completed by the previous leader (${move.from} → ${move.to})`}
    case 'source':
      return {...base, known: true, text: `not done (still on ${move.from}, not moved to ${move.to})`}
    case 'neither':
      return {...base, known: false, text: `unknown: VM on neither ${move.from} nor ${move.to}`}
    case 'both':
      return {
        ...base,
        known: false,
        text: `unknown: still on both ${move.from} and ${move.to} after ${Math.round(options.timeoutMs / 1000)} s`,
      }
  }
}

/**
 * The intents left open by a violin that died (or lost the leadership) mid-action: each
 * migration's VM is looked for on its source and destination and what happened is
 * recorded (the 'actions' log, and the history for a completed move); the intent is
 * removed. A migration whose hosts do not answer stays open, for the next pass to ask
 * again. `onRecovered` hears each VM's finding as it is made.
 */
export async function recoverIntents(
  session: Session,
  store: Store,
  options: {
    history?: History
    by?: string
    settle?: SettleOptions
    onRecovered?: (r: Recovered) => void
    onUnanswered?: (vm: string, why: string) => void
  } = {},
): Promise<Recovered[]> {
  const found: Recovered[] = []
  for (const intent of await openIntents(store)) {
    const a = intent.action
    const results: Recovered[] = []
    let pending = false
    if (a.kind === 'migrate' || a.kind === 'migrate-environment') {
      const moves = a.kind === 'migrate' ? [{vm: a.vm, from: a.from, to: a.to}] : a.moves
      for (const move of moves) {
        const r = await recoverMove(session, options.history, intent, move, options.settle ?? SETTLE)
        if ('unanswered' in r) {
          pending = true
          options.onUnanswered?.(move.vm, r.unanswered)
        } else results.push(r)
      }
    } else {
      results.push({vm: a.vm, known: false, text: `${a.kind} (${a.host}): not known whether done; the next pass measures again`, intent})
    }
    for (const r of results) options.onRecovered?.(r)
    found.push(...results)
    // Still pending: the VMs it names stay out of this pass all the same.
    if (pending) {
      found.push(
        ...(a.kind === 'migrate' ? [a.vm] : a.kind === 'migrate-environment' ? a.moves.map((m) => m.vm) : [])
          .filter((vm) => !results.some((r) => r.vm === vm))
          .map((vm) => ({vm, known: false, text: 'pending: its hosts did not answer', intent})),
      )
      continue
    }
    await store.append(
      'actions',
      results.map((r) => ({
        at: new Date().toISOString(),
        id: intent.id,
        action: intent.action,
        by: intent.by,
        recoveredBy: options.by,
        vm: r.vm,
        recovered: r.text,
        ok: r.known,
      })),
    )
    await removeIntent(store, intent.id)
  }
  return found
}
