import pLimit from 'p-limit'

import {clusterView} from '../adapt/view.js'
import {NotFoundError} from '../errors.js'
import {History, sampleFromReport} from '../monitor/history.js'
import {pollUsage} from '../monitor/poll.js'
import {DEFAULT_POLICY_OPTIONS} from '../policy/view.js'
import {planVacate, type VacatePlan} from '../policy/vacate.js'
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

/** Reads every host once (over `intervalMs`) and plans moving every VM off `hosts`. */
export async function planHostVacate(session: Session, hosts: string[], intervalMs: number, signal?: AbortSignal): Promise<VacatePlan & {unanswered: string[]}> {
  for (const h of hosts) session.host(h) // unknown names are an error
  const all = session.select()
  const {report} = await pollUsage(session, all, intervalMs, undefined, signal)
  const silent = report.hosts.filter((h) => h.status !== 'ok').map((h) => h.host)
  const leaving = silent.filter((h) => hosts.includes(h))
  if (leaving.length > 0) throw new NotFoundError(`cannot see the VMs of ${leaving.join(', ')}: the host did not answer`, `violin host check ${leaving[0]}`)
  const history = new History()
  history.record(sampleFromReport(report), DEFAULT_POLICY_OPTIONS)
  const view = clusterView({report, history, hosts: all, environments: session.inventory?.environments() ?? []})
  return {...planVacate(view, hosts), unanswered: silent}
}

/**
 * Carries out a vacate plan, at most `maxParallel` live migrations at once; one failure does
 * not stop the others. Once `signal` aborts, the moves in flight finish and no new one begins.
 */
export async function runVacate(session: Session, plan: VacatePlan, maxParallel: number, onDone?: (o: VacateOutcome) => void, signal?: AbortSignal): Promise<VacateOutcome[]> {
  const gate = pLimit(maxParallel)
  const concurrent = Math.min(maxParallel, plan.moves.length)
  return Promise.all(
    plan.moves.map((m) =>
      gate(async () => {
        if (signal?.aborted) return {...m, ok: false, error: 'not started: stopped by a signal', seconds: 0, notStarted: true} as VacateOutcome
        const started = Date.now()
        let outcome: VacateOutcome
        try {
          const planned = await planMigration(session, m.vm, m.to, {live: true}, {hosts: [m.from]})
          await runMigration(session, planned, {concurrent, timedFor: 'vacate'})
          outcome = {...m, ok: true, seconds: (Date.now() - started) / 1000}
        } catch (error) {
          outcome = {...m, ok: false, error: (error as Error).message, seconds: (Date.now() - started) / 1000}
        }
        onDone?.(outcome)
        return outcome
      }),
    ),
  )
}
