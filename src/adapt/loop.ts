import {History} from '../monitor/history.js'
import type {Samples} from '../monitor/poll.js'
import {realClock, type Session} from '../services/session.js'
import {DOCS, identity, type Store} from '../store/store.js'
import type {Journal} from './execute.js'
import {whileLeading} from './leadership.js'
import type {LoopEvent, LoopTotals, StopReason} from './loop-events.js'
import {adaptationPass, type PassOptions, type PassResult} from './pass.js'

export type {LoopEvent, LoopTotals, StopReason} from './loop-events.js'

/** Real time between two passes on a simulated cluster (its own clock runs ahead at once). */
export const SIM_PASS_PAUSE_MS = 250

export interface AdaptLoopOptions {
  pass: PassOptions
  /** One pass, then stop (cron). */
  once: boolean
  /** With once on the inventory: skip the pass when anyone sharing the store ran one less than this ago. */
  minGapS?: number
  /** In the foreground on the inventory: seconds a dead leader keeps the leadership. */
  leaseTtlS: number
  /** A second signal: stop at once, abandoning what is in flight (the first is the loop's `signal`). */
  force?: AbortSignal
  /** Real time between passes on a simulated cluster file [SIM_PASS_PAUSE_MS]. */
  simPauseMs?: number
}

/** What the loop did, across leaderships. */
export interface LoopRun {
  passes: PassResult[]
  totals: LoopTotals
  stopped: StopReason
}

/**
 * The adaptation loop: passes until `signal` aborts (the action in flight finishes, no new
 * pass starts), the scenario is over, or after one pass with `once`; `options.force`
 * stops it at once. On the inventory one pass runs at a time (the pass lock) and in the
 * foreground one violin leads; a --connect target keeps its history in memory and takes
 * no lock. Everything it does is told to `onEvent`, in order, ending with `stopped`.
 */
export async function adaptLoop(
  session: Session,
  options: AdaptLoopOptions,
  signal: AbortSignal,
  onEvent: (e: LoopEvent) => void = () => {},
): Promise<LoopRun> {
  const run: LoopRun = {passes: [], totals: {actions: 0, failed: 0}, stopped: 'aborted'}
  let over = false
  // Nothing is said after `stopped`, also by work a forced stop left running.
  const emit = (e: LoopEvent): void => {
    if (!over) onEvent(e)
  }
  const force = options.force ?? new AbortController().signal
  const stopping = () => emit({type: 'stopping', forced: false})
  signal.addEventListener('abort', stopping, {once: true})
  try {
    const work = loop(session, options, AbortSignal.any([signal, force]), run, emit)
    run.stopped = await untilForced(work, force)
    if (run.stopped === 'forced') emit({type: 'stopping', forced: true})
    emit({type: 'stopped', why: run.stopped})
    return run
  } finally {
    over = true
    signal.removeEventListener('abort', stopping)
  }
}

/** The work's own end, or 'forced' as soon as `force` aborts (the work then goes on unawaited). */
async function untilForced(work: Promise<StopReason>, force: AbortSignal): Promise<StopReason> {
  if (force.aborted) {
    work.catch(() => undefined)
    return 'forced'
  }
  let onForce = (): void => {}
  const forced = new Promise<StopReason>((resolve) => {
    onForce = () => {
      work.catch(() => undefined)
      resolve('forced')
    }
    force.addEventListener('abort', onForce, {once: true})
  })
  try {
    return await Promise.race([work, forced])
  } finally {
    force.removeEventListener('abort', onForce)
  }
}

async function loop(
  session: Session,
  options: AdaptLoopOptions,
  signal: AbortSignal,
  run: LoopRun,
  emit: (e: LoopEvent) => void,
): Promise<StopReason> {
  // A --connect target (a sim file, one libvirt URI) is not the inventory's cluster: its
  // history stays in memory, and it takes no part in the pass lock or leadership.
  const store = session.inventory ? await session.store() : undefined
  if (!store || options.once) {
    // The pass lock: one at a time across everyone sharing the store.
    const release = store ? await store.lockPass() : async () => {}
    try {
      if (store && options.minGapS !== undefined && (await tooSoon(store, options.minGapS, emit))) return 'skipped'
      const history = store ? await History.load({}, store) : new History()
      return await passes(session, history, options, signal, run, emit, store && {store, by: await identity()})
    } finally {
      await release()
    }
  }
  const me = await identity()
  await whileLeading(store, me, options.leaseTtlS, signal, emit, async (leading, mayAct) => {
    // Loaded once elected: a takeover goes on from the previous leader's history.
    const history = await History.load({}, store)
    await passes(session, history, options, leading, run, emit, {store, by: me, mayAct})
  })
  return 'aborted'
}

/** --min-gap: another pass (by anyone sharing the store) ran less than that ago: this one is skipped. */
async function tooSoon(store: Store, minGapS: number, emit: (e: LoopEvent) => void): Promise<boolean> {
  const last = (await store.read(DOCS.passes))?.last as {atMs?: number; by?: string} | undefined
  if (typeof last?.atMs !== 'number') return false
  const agoS = (Date.now() - last.atMs) / 1000
  if (agoS >= minGapS) return false
  emit({type: 'skipped', by: last.by, agoS, minGapS})
  return true
}

/** Passes until `signal` aborts (one with once), each told as it goes. */
async function passes(
  session: Session,
  history: History,
  options: AdaptLoopOptions,
  signal: AbortSignal,
  run: LoopRun,
  emit: (e: LoopEvent) => void,
  journal: Journal | undefined,
): Promise<StopReason> {
  const world = session.scenario
  let shown = 0
  let previous: Samples | undefined
  let seen: Samples | undefined
  do {
    const n = run.passes.length + 1
    emit({type: 'pass-started', pass: n, intervalMs: options.pass.intervalMs})
    const pass = await adaptationPass(session, history, options.pass, {
      previous,
      seen,
      signal,
      onPlan: (plan, timeMs) => {
        if (world && world.timeline.length > shown) emit({type: 'scenario', events: world.timeline.slice(shown)})
        shown = world?.timeline.length ?? 0
        emit({type: 'decision', pass: n, plan, timeMs})
      },
      onDone: (outcome) => emit({type: 'action-done', pass: n, outcome}),
      journal,
      onRecovered: (recovered) => emit({type: 'recovered', recovered}),
      onUnanswered: (vm, why) => emit({type: 'not-recovered', vm, why}),
    }).catch((error: Error) => {
      if (signal.aborted && error.name === 'AbortError') return undefined
      throw error
    })
    if (!pass) return 'aborted'
    // After actions the last samples describe a cluster that no longer exists: measure afresh.
    previous = pass.result.outcomes.length > 0 ? undefined : pass.samples
    // Hosts whose agents report are read again only once their agents sampled anew.
    seen = pass.samples
    run.passes.push(pass.result)
    run.totals.actions += pass.result.outcomes.length
    run.totals.failed += pass.result.outcomes.filter((o) => !o.ok).length
    emit({type: 'pass-done', pass: n, result: pass.result, totals: {...run.totals}})
    // One dry pass (--once --dry-run) asks what a pass would do and changes nothing, the
    // history included; a foreground dry run keeps it, as an observer building its windows.
    if (session.inventory && !(options.once && options.pass.dryRun))
      await history.save().catch((error: Error) => emit({type: 'history-not-saved', error}))
    // When and by whom the last pass ran: adapt --once --min-gap on another machine skips its own.
    if (journal && !options.pass.dryRun) {
      const last = {atMs: Date.now(), by: journal.by}
      await journal.store
        .update(DOCS.passes, (current) => ({value: {...current, last}, result: undefined}))
        .catch((error: Error) => emit({type: 'pass-not-recorded', error}))
    }
    if (world?.over) return 'done'
    if (options.once) return 'once'
    if (signal.aborted) return 'aborted'
    await pause(session, options, signal, emit)
  } while (!signal.aborted)
  return 'aborted'
}

/**
 * Between foreground passes. A simulated cluster's clock does not wait: without a turn of
 * the event loop SIGINT/SIGTERM would never be handled. A cluster file (which never ends)
 * is paced for a person to follow; a scenario runs as fast as it can, to its end.
 */
async function pause(session: Session, options: AdaptLoopOptions, signal: AbortSignal, emit: (e: LoopEvent) => void): Promise<void> {
  const simulated = session.hosts.every((h) => h.driver === 'sim')
  const ms = session.scenario || !simulated ? 0 : (options.simPauseMs ?? SIM_PASS_PAUSE_MS)
  emit({type: 'waiting', untilMs: Date.now() + ms})
  if (session.scenario) await new Promise((resolve) => setImmediate(resolve))
  else await realClock.sleep(ms, signal).catch(() => undefined)
}
