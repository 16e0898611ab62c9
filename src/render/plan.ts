/**
 * A plan as a person reviews it (`violin plan`, `plan show`): each action with its figures,
 * its reason whole (the reason is what is reviewed), and the state it was chosen on.
 */
import type {PlanDocument} from '../adapt/plan-document.js'
import {actionJson} from './json-rows.js'
import {dataKeyed, type JsonValue, toJsonValue} from './output.js'
import type {Refusal} from '../adapt/plan-check.js'
import {hostsOf} from '../adapt/execute.js'
import type {Action} from '../policy/cluster-view.js'
import {describe, stamp} from './adapt-lines.js'

export function planLines(plan: PlanDocument): string[] {
  const n = plan.actions.length
  const lines = [
    `Plan by policy ${plan.policy} at ${stamp(plan.createdAtMs)} (${plan.by}): ${n === 0 ? 'nothing to do' : `${n} action${n === 1 ? '' : 's'}`}.`,
  ]
  for (const [i, a] of plan.actions.entries()) lines.push(`  ${i + 1}. ${describe(a)}`, `     why: ${a.reason}`)
  const involved = new Set(plan.actions.flatMap(hostsOf))
  if (involved.size > 0) {
    lines.push('Assumed:')
    for (const name of [...involved].sort()) {
      const h = plan.hosts[name]
      if (!h) continue
      const vms = Object.entries(plan.vms)
        .filter(([, vm]) => vm.host === name)
        .map(([vm]) => vm)
        .sort()
      lines.push(
        `  ${name} (${h.site}${h.maintenance ? ', in maintenance' : ''}): CPU demand ${h.demandPercent}% of ${h.cores} cores, ${Math.floor(h.freeMemoryMiB)} of ${h.memoryMiB} MiB free; VMs: ${vms.join(', ') || 'none'}`,
      )
    }
  }
  for (const note of plan.notes) lines.push(`note: ${note}`)
  return lines
}

export function refusalLine(r: Refusal, index: number): string {
  return `refused: ${index + 1}. ${describe(r.action)}: ${r.why}`
}

export function acceptedLine(a: Action, index: number): string {
  return `  ${index + 1}. ${describe(a)}`
}

/** The plan as it is printed and saved: snake_case, every key present, host and VM names kept. */
export function planJson(plan: PlanDocument): JsonValue {
  return toJsonValue({
    ...plan,
    hosts: dataKeyed({...plan.hosts}),
    vms: dataKeyed({...plan.vms}),
    actions: plan.actions.map(actionJson),
  })
}
