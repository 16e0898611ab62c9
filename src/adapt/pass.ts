import {lastDirtyRates, readMigrations} from '../monitor/migration-history.js'
import {type History, sampleFromReport} from '../monitor/history.js'
import {pollUsage, type Samples} from '../monitor/poll.js'
import {POLICIES} from '../policy/policies.js'
import {withPredictions} from '../predict/plan.js'
import {loadCalibration} from '../predict/calibration-store.js'
import type {ClusterView, Plan, PolicyOptions} from '../policy/cluster-view.js'
import type {Session} from '../services/session.js'
import {readVmTraffic, vmTrafficRates} from '../services/traffic-poll.js'
import {type ActionOutcome, executePlan, type Journal} from './execute.js'
import {type Recovered, recoverIntents} from './intents.js'
import {clusterView} from './build-cluster-view.js'

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
  /** What the policy saw: hosts, running VMs, and VM pairs with traffic (udp data plane). */
  seen: {hosts: number; vms: number; trafficPairs: number}
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
  run: {
    previous?: Samples
    /** The previous pass's samples, also after actions: agents' samples must be newer. */
    seen?: Samples
    signal?: AbortSignal
    onPlan?: (plan: Plan, timeMs: number) => void
    onDone?: (o: ActionOutcome) => void
    /** A pass on the inventory: intents written before each action, and those left open recovered first. */
    journal?: Journal
    onRecovered?: (r: Recovered) => void
    onUnanswered?: (vm: string, why: string) => void
  } = {},
): Promise<{result: PassResult; samples: Samples; view: ClusterView}> {
  const policy = POLICIES[options.policy]
  if (!policy) throw new Error(`no policy "${options.policy}"`)
  // What a violin that died mid-action left open is settled before anything new starts.
  const journal = options.dryRun ? undefined : run.journal
  const recovered = journal
    ? await recoverIntents(session, journal.store, {history, by: journal.by, onRecovered: run.onRecovered, onUnanswered: run.onUnanswered})
    : []
  const untouchable = new Set(recovered.map((r) => r.vm))
  const hosts = session.select()
  const notes: string[] = []
  const where = new Map<string, string[]>()
  const trafficBefore = await readVmTraffic(session, where, notes)
  const {report, samples} = await pollUsage(session, hosts, options.intervalMs, run.previous, run.signal, run.seen ?? run.previous)
  const world = session.scenario
  // A scenario's VMs say what they send; real ones are counted by their switches.
  const traffic = world ? world.traffic() : vmTrafficRates(trafficBefore, await readVmTraffic(session, where, notes), report.intervalSec)
  history.record(sampleFromReport(report), options.policyOptions)
  const environments = world ? world.runningEnvironments() : (session.inventory?.environments() ?? [])
  const view = clusterView({
    report,
    history,
    hosts,
    environments,
    traffic,
    rules: session.rules(),
    ...(world ? {netBytesPerSecond: world.netOf()} : {}),
  })
  const chosen = policy(view, options.policyOptions)
  // Never the same migration twice: a VM whose last move was just recovered waits a pass.
  const held = chosen.actions.filter((a) => vmsOf(a).some((vm) => untouchable.has(vm)))
  const planned = {
    ...chosen,
    actions: chosen.actions.filter((a) => !held.includes(a)),
    notes: [
      ...chosen.notes,
      ...held.map(
        (a) =>
          `${vmsOf(a)
            .filter((vm) => untouchable.has(vm))
            .join(', ')}: not moved this pass: its last action was just recovered`,
      ),
    ],
  }
  // Each move carries its predicted duration (violin calibrate's fit, else the defaults).
  const calibration = await loadCalibration().catch((error: Error) => {
    notes.push(`moves not estimated: ${error.message}`)
    return undefined
  })
  // What each moving VM dirtied when it last moved (measuring it now would cost the pass a second per VM).
  const moving = planned.actions.some((a) => a.kind === 'migrate' || a.kind === 'migrate-environment')
  const rates = moving
    ? await readMigrations(await session.store())
        .then(lastDirtyRates)
        .catch((error: Error) => {
          notes.push(`moves estimated without dirty rates: ${error.message}`)
          return new Map<string, number>()
        })
    : new Map<string, number>()
  const plan = {...planned, actions: withPredictions(planned.actions, view.vms, calibration, rates), notes: [...notes, ...planned.notes]}
  run.onPlan?.(plan, report.timeMs)
  const outcomes = options.dryRun ? [] : await executePlan(session, history, plan.actions, run.signal, run.onDone, journal)
  const unanswered = report.hosts
    .filter((h) => h.status !== 'ok')
    .map((h) => ({host: h.host, error: h.error ?? h.status, ...(h.exitCode === undefined ? {} : {exitCode: h.exitCode})}))
  const seen = {hosts: view.hosts.length, vms: view.vms.length, trafficPairs: view.traffic.length}
  return {result: {timeMs: report.timeMs, policy: options.policy, dryRun: options.dryRun, plan, outcomes, unanswered, seen}, samples, view}
}

function vmsOf(a: Plan['actions'][number]): string[] {
  return a.kind === 'migrate-environment' ? a.moves.map((m) => m.vm) : [a.vm]
}
