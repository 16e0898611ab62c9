/**
 * Plans to review and apply (OpenStack Watcher's audit -> action plan -> start): `violin
 * plan` runs one pass without acting and keeps what it chose and the state it chose on;
 * `plan apply` checks every action against the cluster now, refuses those whose premise
 * no longer holds, and carries out the rest with the adaptation loop's executor.
 */
import {clusterView} from '../adapt/build-cluster-view.js'
import {type ActionOutcome, executePlan} from '../adapt/execute.js'
import {type Checked, checkPlan} from '../adapt/plan-check.js'
import {type PlanDocument, planDocument} from '../adapt/plan-document.js'
import {adaptationPass, type PassOptions} from '../adapt/pass.js'
import {ViolinError} from '../errors.js'
import {History} from '../monitor/history.js'
import {pollUsage} from '../monitor/poll.js'
import {identity} from '../store/store.js'
import type {Session} from './session.js'

/** One pass that plans and does nothing: no intent, no history written. */
export async function makePlan(session: Session, options: Omit<PassOptions, 'dryRun'>, signal?: AbortSignal): Promise<PlanDocument> {
  const store = session.inventory ? await session.store() : undefined
  const history = store ? await History.load({}, store) : new History()
  const {result, view} = await adaptationPass(session, history, {...options, dryRun: true}, {signal})
  return planDocument(result, view, options.policyOptions, {by: await identity(), createdAtMs: Date.now()})
}

/** How old a plan may be at `plan apply` [1 h]. */
export const DEFAULT_MAX_AGE_S = 3600

/** Refuses a plan made more than `maxAgeS` ago (or in the future, beyond clock skew): the cluster has moved on. */
export function checkAge(plan: PlanDocument, nowMs: number, maxAgeS: number): void {
  const ageS = (nowMs - plan.createdAtMs) / 1000
  const made = new Date(plan.createdAtMs).toISOString()
  if (ageS > maxAgeS)
    throw new ViolinError(
      `the plan was made at ${made}, ${formatAge(ageS)} ago: older than --max-age ${formatAge(maxAgeS)}`,
      undefined,
      'make a new one (violin plan --save FILE), or give a larger --max-age',
    )
  if (ageS < -300) throw new ViolinError(`the plan says it was made at ${made}, ${formatAge(-ageS)} from now: is a clock wrong?`)
}

export function formatAge(s: number): string {
  if (s < 120) return `${Math.round(s)} s`
  if (s < 3600) return `${Math.round(s / 60)} min`
  return `${Math.round((s / 3600) * 10) / 10} h`
}

export interface PlanApplyRun {
  checked: Checked
  outcomes: ActionOutcome[]
  unanswered: Array<{host: string; error: string}>
}

/**
 * Applies a saved plan: under the pass lock (no `adapt` pass runs meanwhile), reads the
 * hosts once over `intervalMs`, checks each action (`checkPlan`), asks `confirm` with what
 * will run and what is refused, then carries out what was accepted, `maxParallel` at once
 * (actions on one host in the plan's order), each intent and outcome recorded in the store
 * as `adapt` records them.
 */
export async function applyPlan(
  session: Session,
  plan: PlanDocument,
  options: {
    intervalMs: number
    maxParallel: number
    signal?: AbortSignal
    confirm: (checked: Checked) => Promise<boolean>
    onChecked?: (checked: Checked) => void
    onDone?: (o: ActionOutcome) => void
  },
): Promise<PlanApplyRun> {
  const store = session.inventory ? await session.store() : undefined
  const release = store ? await store.lockPass() : async () => {}
  try {
    const history = store ? await History.load({}, store) : new History()
    const hosts = session.select()
    const {report} = await pollUsage(session, hosts, options.intervalMs, undefined, options.signal)
    const view = clusterView({
      report,
      history,
      hosts,
      environments: session.scenario ? session.scenario.runningEnvironments() : (session.inventory?.environments() ?? []),
      rules: session.rules(),
    })
    const unanswered = report.hosts.filter((h) => h.status !== 'ok').map((h) => ({host: h.host, error: h.error ?? h.status}))
    const checked = checkPlan(plan.actions, view, new Set(unanswered.map((u) => u.host)))
    checked.refused.sort((a, b) => plan.actions.indexOf(a.action) - plan.actions.indexOf(b.action))
    options.onChecked?.(checked)
    if (checked.accepted.length === 0 || !(await options.confirm(checked))) return {checked, outcomes: [], unanswered}
    const journal = store ? {store, by: await identity()} : undefined
    const outcomes = await executePlan(session, history, checked.accepted, options.signal, options.onDone, journal, options.maxParallel)
    if (store) await history.save()
    return {checked, outcomes, unanswered}
  } finally {
    await release()
  }
}
