import pLimit from 'p-limit'

import {clusterView} from '../adapt/build-cluster-view.js'
import {NotFoundError} from '../errors.js'
import type {VmState} from '../hypervisor/driver.js'
import {History, sampleFromReport} from '../monitor/history.js'
import {pollUsage} from '../monitor/poll.js'
import {DEFAULT_POLICY_OPTIONS} from '../policy/cluster-view.js'
import {planVacate, type VacatePlan} from '../policy/vacate-plan.js'
import {readMigrations} from '../monitor/migration-history.js'
import {planMigration, runMigration} from './migration.js'
import {measureVmStates, type VmStateReading} from './vm-state.js'
import type {Session} from './session.js'

/** domdirtyrate-calc measures over 1 to 60 seconds. */
const MAX_DIRTY_RATE_SECONDS = 60

export interface VacateOutcome {
  vm: string
  from: string
  to: string
  memoryMiB: number
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

/** A planned move with what its VM held and dirtied when planned. */
export type MeasuredMove = VacatePlan['moves'][number] & {state?: VmStateReading}

/**
 * Reads every host once (over `intervalMs`) and plans moving every running VM off `hosts`;
 * the others on them are listed as left behind, never dropped in silence. Meanwhile the
 * hosts being vacated measure each VM's memory in use and dirty rate (src/services/vm-state.ts).
 */
export async function planHostVacate(
  session: Session,
  hosts: string[],
  intervalMs: number,
  signal?: AbortSignal,
): Promise<Omit<VacatePlan, 'moves'> & {moves: MeasuredMove[]; unanswered: string[]; leftBehind: LeftBehind[]; warnings: string[]}> {
  for (const h of hosts) session.host(h) // unknown names are an error
  const all = session.select()
  const warnings: string[] = []
  // The history only stands in for rates the hypervisor cannot measure: a damaged log is said, and does not stop a vacate.
  const migrations = await readMigrations(await session.store()).catch((error: Error) => {
    warnings.push(`dirty rates not taken from the migrations log: ${error.message}`)
    return []
  })
  const seconds = Math.max(1, Math.min(MAX_DIRTY_RATE_SECONDS, Math.floor(intervalMs / 1000)))
  const [polled, measured] = await Promise.allSettled([
    pollUsage(session, all, intervalMs, undefined, signal),
    measureVmStates(session, new Map(hosts.map((h) => [h, undefined])), seconds, {history: migrations, ...(signal ? {signal} : {})}),
  ])
  if (polled.status === 'rejected') throw polled.reason
  const {report} = polled.value
  const silent = report.hosts.filter((h) => h.status !== 'ok').map((h) => h.host)
  const leaving = silent.filter((h) => hosts.includes(h))
  if (leaving.length > 0)
    throw new NotFoundError(`cannot see the VMs of ${leaving.join(', ')}: the host did not answer`, `violin host check ${leaving[0]}`)
  const history = new History()
  history.record(sampleFromReport(report), DEFAULT_POLICY_OPTIONS)
  const view = clusterView({
    report,
    history,
    hosts: all,
    environments: session.inventory?.environments() ?? [],
    rules: session.rules(),
  })
  const leftBehind = report.vms
    .filter((v) => hosts.includes(v.host) && v.state !== 'running')
    .map((v) => ({vm: v.name, host: v.host, state: v.state}))
  if (measured.status === 'rejected') throw measured.reason
  const plan = planVacate(view, hosts)
  return {...plan, moves: plan.moves.map((m) => ({...m, state: measured.value.get(m.vm)})), unanswered: silent, leftBehind, warnings}
}

/**
 * Carries out a vacate plan, at most `maxParallel` live migrations at once; one failure does
 * not stop the others. Once `signal` aborts, the moves in flight finish and no new one begins.
 */
export async function runVacate(
  session: Session,
  plan: {moves: MeasuredMove[]},
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
          return {
            vm: m.vm,
            from: m.from,
            to: m.to,
            memoryMiB: m.memoryMiB,
            ok: false,
            error: 'not started: stopped by a signal',
            seconds: 0,
            notStarted: true,
          } as VacateOutcome
        const started = Date.now()
        let outcome: VacateOutcome
        const release = session.holdSimulatedTime()
        try {
          const planned = await planMigration(session, m.vm, m.to, {live: true}, {hosts: [m.from]})
          await runMigration(session, planned, {concurrent, timedFor: 'vacate', ...(m.state ? {state: m.state} : {})})
          outcome = {vm: m.vm, from: m.from, to: m.to, memoryMiB: m.memoryMiB, ok: true, seconds: (Date.now() - started) / 1000}
        } catch (error) {
          outcome = {
            vm: m.vm,
            from: m.from,
            to: m.to,
            memoryMiB: m.memoryMiB,
            ok: false,
            error: (error as Error).message,
            seconds: (Date.now() - started) / 1000,
          }
        } finally {
          release()
        }
        onDone?.(outcome)
        return outcome
      }),
    ),
  )
}
