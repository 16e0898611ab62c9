import pLimit from 'p-limit'

import {clusterView} from '../adapt/build-cluster-view.js'
import {NotFoundError} from '../errors.js'
import type {VmState} from '../hypervisor/driver.js'
import {History, sampleFromReport} from '../monitor/history.js'
import {pollUsage} from '../monitor/poll.js'
import {DEFAULT_POLICY_OPTIONS} from '../policy/cluster-view.js'
import {planVacate, type VacatePlan} from '../policy/vacate-plan.js'
import {planMigration, runMigration} from './migration.js'
import type {Session} from './session.js'

export interface VacateOutcome {
  vm: string
  from: string
  to: string
  ok: boolean
  error?: string
  seconds: number
  /** Not begun: a signal asked to stop before its turn came. */
  notStarted?: true
}

/** A VM on a vacated host that no live migration can move: shut off (or paused). */
export interface LeftBehind {
  vm: string
  host: string
  state: VmState
}

/**
 * Reads every host once (over `intervalMs`) and plans moving every running VM off `hosts`;
 * the others on them are listed as left behind, never dropped in silence.
 */
export async function planHostVacate(
  session: Session,
  hosts: string[],
  intervalMs: number,
  signal?: AbortSignal,
): Promise<VacatePlan & {unanswered: string[]; leftBehind: LeftBehind[]}> {
  for (const h of hosts) session.host(h) // unknown names are an error
  const all = session.select()
  const {report} = await pollUsage(session, all, intervalMs, undefined, signal)
  const silent = report.hosts.filter((h) => h.status !== 'ok').map((h) => h.host)
  const leaving = silent.filter((h) => hosts.includes(h))
  if (leaving.length > 0)
    throw new NotFoundError(`cannot see the VMs of ${leaving.join(', ')}: the host did not answer`, `violin host check ${leaving[0]}`)
  const history = new History()
  history.record(sampleFromReport(report), DEFAULT_POLICY_OPTIONS)
  const view = clusterView({report, history, hosts: all, environments: session.inventory?.environments() ?? []})
  const leftBehind = report.vms
    .filter((v) => hosts.includes(v.host) && v.state !== 'running')
    .map((v) => ({vm: v.name, host: v.host, state: v.state}))
  return {...planVacate(view, hosts), unanswered: silent, leftBehind}
}

/**
 * Carries out a vacate plan, at most `maxParallel` live migrations at once; one failure does
 * not stop the others. Once `signal` aborts, the moves in flight finish and no new one begins.
 */
export async function runVacate(
  session: Session,
  plan: VacatePlan,
  maxParallel: number,
  onDone?: (o: VacateOutcome) => void,
  signal?: AbortSignal,
): Promise<VacateOutcome[]> {
  const gate = pLimit(maxParallel)
  const concurrent = Math.min(maxParallel, plan.moves.length)
  return Promise.all(
    plan.moves.map((m) =>
      gate(async () => {
        if (signal?.aborted)
          return {...m, ok: false, error: 'not started: stopped by a signal', seconds: 0, notStarted: true} as VacateOutcome
        const started = Date.now()
        let outcome: VacateOutcome
        const release = session.holdSimulatedTime()
        try {
          const planned = await planMigration(session, m.vm, m.to, {live: true}, {hosts: [m.from]})
          await runMigration(session, planned, {concurrent, timedFor: 'vacate'})
          outcome = {...m, ok: true, seconds: (Date.now() - started) / 1000}
        } catch (error) {
          outcome = {...m, ok: false, error: (error as Error).message, seconds: (Date.now() - started) / 1000}
        } finally {
          release()
        }
        onDone?.(outcome)
        return outcome
      }),
    ),
  )
}
