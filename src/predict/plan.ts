/**
 * The predicted duration of each move of an adaptation plan, from what each VM holds (its
 * balloon's report) and last dirtied: a single move alone,
 * an environment's moves as the executor runs them (4 at once, sharing the link and the CPUs). Pure.
 */
import {type Action, ENVIRONMENT_MOVES_AT_ONCE, type VmView} from '../policy/cluster-view.js'
import type {Calibration} from './calibration.js'
import {limited, type MigrationCost} from './parallel.js'
import {migrationCost} from './predict.js'

export function withPredictions(
  actions: Action[],
  vms: VmView[],
  calibration: Calibration | undefined,
  /** Each VM's dirty rate as last recorded, MiB/s. */
  dirtyRates: ReadonlyMap<string, number> = new Map(),
): Action[] {
  const byName = new Map(vms.map((v) => [v.name, v]))
  const cost = (name: string) => {
    const vm = byName.get(name)
    if (vm === undefined || vm.memoryMiB <= 0) return undefined
    return migrationCost(calibration, {
      memoryMiB: vm.memoryMiB,
      ...(vm.memoryUsedMiB === undefined ? {} : {usedMiB: vm.memoryUsedMiB}),
      ...(dirtyRates.has(name) ? {dirtyRateMiBs: dirtyRates.get(name)!} : {}),
    })
  }
  return actions.map((a) => {
    if (a.kind === 'migrate') {
      const c = cost(a.vm)
      return c ? {...a, predictedMs: c.prediction.wall_ms} : a
    }
    if (a.kind === 'migrate-environment') {
      const costs = a.moves.map((m) => cost(m.vm))
      if (costs.some((c) => c === undefined)) return a
      return {...a, predictedMs: Math.round(limited(costs as MigrationCost[], ENVIRONMENT_MOVES_AT_ONCE).totalMs)}
    }
    return a
  })
}
