/**
 * The predicted duration of each move of an adaptation plan (issue 6: "the plans carry the
 * predicted duration of each move"): a single move alone, an environment's moves as the
 * executor runs them (4 at once, sharing the link). Pure.
 */
import {type Action, ENVIRONMENT_MOVES_AT_ONCE, type VmView} from '../policy/view.js'
import type {Calibration} from './calibration.js'
import {limited} from './parallel.js'
import {DEFAULTS, predictMigration} from './predict.js'

export function withPredictions(actions: Action[], vms: VmView[], calibration: Calibration | undefined): Action[] {
  const memoryOf = new Map(vms.map((v) => [v.name, v.memoryMiB]))
  const fixedMs = calibration?.modes.live?.hypervisor ? Math.max(0, calibration.modes.live.hypervisor.a) : DEFAULTS.fixedMs
  const cost = (vm: string) => {
    const memoryMiB = memoryOf.get(vm)
    if (memoryMiB === undefined || memoryMiB <= 0) return undefined
    const p = predictMigration(calibration, {mode: 'live', memoryMiB})
    const copyMs = Math.max(0, p.total_ms - fixedMs)
    return {fixedMs: p.wall_ms - copyMs, copyMs}
  }
  return actions.map((a) => {
    if (a.kind === 'migrate') {
      const c = cost(a.vm)
      return c ? {...a, predictedMs: Math.round(c.fixedMs + c.copyMs)} : a
    }
    if (a.kind === 'migrate-environment') {
      const costs = a.moves.map((m) => cost(m.vm))
      if (costs.some((c) => c === undefined)) return a
      return {...a, predictedMs: Math.round(limited(costs as Array<{fixedMs: number; copyMs: number}>, ENVIRONMENT_MOVES_AT_ONCE).totalMs)}
    }
    return a
  })
}
