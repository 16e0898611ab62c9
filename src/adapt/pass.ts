import {type History, sampleFromReport} from '../monitor/history.js'
import {pollUsage, type Samples} from '../monitor/poll.js'
import {POLICIES} from '../policy/policies.js'
import type {Plan, PolicyOptions} from '../policy/view.js'
import type {Session} from '../services/session.js'
import {type ActionOutcome, executePlan} from './execute.js'
import {clusterView} from './view.js'

export interface PassOptions {
  policy: string
  dryRun: boolean
  intervalMs: number
  policyOptions: PolicyOptions
}

export interface PassResult {
  timeMs: number
  policy: string
  dryRun: boolean
  plan: Plan
  outcomes: ActionOutcome[]
  /** Hosts that did not answer the poll: nothing was decided about them. */
  unanswered: Array<{host: string; error: string; exitCode?: number}>
}

/**
 * One adaptation pass: poll every host over one interval, fold the reading into the
 * history, build the cluster view, plan with the policy, and (unless a dry run) carry the
 * plan out. `previous` samples let a foreground loop take one interval per pass.
 */
export async function adaptationPass(
  session: Session,
  history: History,
  options: PassOptions,
  run: {previous?: Samples; signal?: AbortSignal; onDone?: (o: ActionOutcome) => void} = {},
): Promise<{result: PassResult; samples: Samples}> {
  const policy = POLICIES[options.policy]
  if (!policy) throw new Error(`no policy "${options.policy}"`)
  const hosts = session.select()
  const {report, samples} = await pollUsage(session, hosts, options.intervalMs, run.previous, run.signal)
  history.record(sampleFromReport(report), options.policyOptions)
  const view = clusterView({report, history, hosts, environments: session.inventory?.environments() ?? []})
  const plan = policy(view, options.policyOptions)
  const outcomes = options.dryRun ? [] : await executePlan(session, history, plan.actions, run.signal, run.onDone)
  const unanswered = report.hosts.filter((h) => h.status !== 'ok').map((h) => ({host: h.host, error: h.error ?? h.status, ...(h.exitCode === undefined ? {} : {exitCode: h.exitCode})}))
  return {result: {timeMs: report.timeMs, policy: options.policy, dryRun: options.dryRun, plan, outcomes, unanswered}, samples}
}
