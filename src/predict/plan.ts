/**
 * The predicted duration of each move of an adaptation plan: a single move alone,
 * an environment's moves as the executor runs them (4 at once, sharing the link and the CPUs). Pure.
 */
import {type Action, ENVIRONMENT_MOVES_AT_ONCE, type VmView} from '../policy/cluster-view.js'
import type {Calibration} from './calibration.js'
import {limited, type MigrationCost} from './parallel.js'
import {migrationCost} from './predict.js'

export function withPredictions(actions: Action[], vms: VmView[], calibration: Calibration | undefined): Action[] {
  const memoryOf = new Map(vms.map((v) => [v.name, v.memoryMiB]))
  const cost = (vm: string) => {
    const memoryMiB = memoryOf.get(vm)
    return memoryMiB === undefined || memoryMiB <= 0 ? undefined : migrationCost(calibration, memoryMiB)
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
