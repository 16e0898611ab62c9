import pLimit from 'p-limit'

import {NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {HostSample, MigrationResult} from '../hypervisor/driver.js'
import type {EnvironmentRecord} from '../inventory/environment-record.js'
import {type HostRoom, place, PlacementError} from '../policy/placement.js'
import {fanout, type HostOutcome} from './fanout.js'
import {type MigrationPlan, planMigration, runMigration} from './migration.js'
import type {Session} from './session.js'
import {switchAfterLeaving, switchBeforeLanding} from './switch-service.js'
import {environmentStatus} from './environment-status.js'
import {roomOf} from './host-rooms.js'

export interface EnvMove {
  vm: string
  from: string
  to: string
  plan?: MigrationPlan
  result?: MigrationResult
  error?: Error
  /** Not begun: a signal asked to stop before its turn came. */
  notStarted?: true
}

/**
 * Chooses where each compute node of an environment goes in another site: spread over
 * the site's hosts that have room (as `env create --placement spread` would). The head
 * node stays where it is. VMs already in the site stay too.
 */
export async function planEnvironmentMove(session: Session, env: EnvironmentRecord, site: string): Promise<EnvMove[]> {
  const hosts = session.hosts.filter((h) => h.site === site)
  if (hosts.length === 0) throw new NotFoundError(`no host is in site "${site}"`, 'violin host list')
  const status = await environmentStatus(session, env)
  const missing = status.filter((v) => v.state === 'missing' || v.state === 'unknown')
  if (missing.length > 0)
    throw new ViolinError(
      `environment "${env.name}": ${missing.map((v) => `${v.name} is ${v.state}${v.error ? ` (${v.error})` : ''}`).join('; ')}`,
    )
  const moving = status.filter((v) => v.role === 'compute' && v.site !== site)
  if (moving.length === 0) return []
  const samples = await fanout(hosts, async (h) => (await session.driver(h)).sample())
  const rooms: HostRoom[] = []
  for (const o of samples) if (o.ok) rooms.push(roomOf(hosts.find((x) => x.name === o.host)!, o.value))
  let placed: Map<string, string>
  try {
    placed = place(
      moving.map((v) => ({name: v.name, role: 'compute', vcpus: v.vcpus, memoryMiB: v.memoryMiB})),
      rooms,
      {placement: 'spread', headSite: site, rules: session.rules(), running: runningBesides(moving, status, samples)},
    )
  } catch (error) {
    if (!(error instanceof PlacementError)) throw error
    const down = samples.filter((o) => !o.ok).map((o) => (o.ok ? '' : `${o.host} (${o.error.message})`))
    throw new ViolinError(
      `environment "${env.name}" does not fit in site "${site}": ${error.message}${down.length > 0 ? `; not asked, unreachable: ${down.join(', ')}` : ''}`,
    )
  }
  return moving.map((v) => ({vm: v.name, from: v.host, to: placed.get(v.name)!}))
}

/** Where the VMs that stay run (the site's, and the environment's own), for the rules that name the moving ones. */
function runningBesides(
  moving: ReadonlyArray<{name: string}>,
  status: ReadonlyArray<{name: string; host: string}>,
  samples: ReadonlyArray<HostOutcome<HostSample>>,
): Map<string, string> {
  const running = new Map<string, string>()
  for (const v of status) running.set(v.name, v.host)
  for (const o of samples) if (o.ok) for (const vm of o.value.vms) running.set(vm.name, o.host)
  for (const v of moving) running.delete(v.name)
  return running
}

/**
 * Moves the planned VMs, at most maxParallel at once. Each move is planned (checked) and
 * run on its own: one that fails is reported and leaves its VM where it was; the others go on.
 */
export async function moveEnvironment(
  session: Session,
  moves: EnvMove[],
  options: {
    maxParallel: number
    live: boolean
    copyStorage: boolean
    outliveClient?: boolean
    onChange?: (moves: readonly EnvMove[]) => void
    timedFor?: string
    signal?: AbortSignal
  },
): Promise<EnvMove[]> {
  if (options.maxParallel < 1) throw new UsageError('--max-parallel must be at least 1')
  const env = session.inventory?.environmentOf(moves[0]?.vm ?? '')
  // The switch is extended once for every destination before the moves, and shrunk once after.
  if (env)
    await switchBeforeLanding(
      session,
      env,
      moves.map((m) => ({vm: m.vm, host: m.to})),
    )
  const gate = pLimit(options.maxParallel)
  const concurrent = Math.min(options.maxParallel, moves.length)
  await Promise.all(
    moves.map((move) =>
      gate(async () => {
        // Once a signal asks to stop, the moves in flight finish and no new one begins.
        if (options.signal?.aborted) {
          move.notStarted = true
          return
        }
        const release = session.holdSimulatedTime()
        try {
          const planned = await planMigration(
            session,
            move.vm,
            move.to,
            {live: options.live, copyStorage: options.copyStorage, ...(options.outliveClient ? {outliveClient: true} : {})},
            {hosts: [move.from]},
          )
          move.plan = planned.plan
          options.onChange?.(moves)
          move.result = await runMigration(session, planned, {concurrent, switchReady: true, timedFor: options.timedFor})
        } catch (error) {
          move.error = error as Error
        } finally {
          release()
        }
        options.onChange?.(moves)
      }),
    ),
  )
  if (env) {
    const moved = moves.filter((m) => m.result)
    await switchAfterLeaving(
      session,
      env,
      [...new Set(moved.map((m) => m.from))],
      moved.map((m) => ({vm: m.vm, host: m.to})),
    )
  }
  return moves
}
