/**
 * A saved plan (`violin plan --save FILE`, read by `plan show` and `plan apply`): the
 * actions one pass chose, each with its reason and predicted duration, and the state they
 * were chosen on (each VM's host, each host's load and free memory), so that `plan apply`
 * can tell which premises still hold. Written as `plan --json` prints it (snake_case:
 * render/plan.ts `planJson`).
 */
import {readFileSync} from 'node:fs'

import type * as v from 'valibot'

import {UsageError, unreadableFile} from '../errors.js'
import type {Action, ClusterView, PolicyOptions} from '../policy/cluster-view.js'
import type {Rule} from '../policy/rules.js'
import {check} from '../schema/check.js'
import {planSchema} from '../schema/plan.js'
import {parseJson} from '../schema/json.js'
import {sourceOf} from '../schema/source.js'
import type {PassResult} from './pass.js'

export const PLAN_VERSION = 1

export interface PlanHost {
  site: string
  cores: number
  memoryMiB: number
  /** What the hypervisor reported free. */
  freeMemoryMiB: number
  /** CPU used, percent of all cores. */
  cpuPercent: number
  /** CPU its VMs want (their weighted demand x vCPUs), percent of its cores: what the policies balance. */
  demandPercent: number
  maintenance: boolean
}

export interface PlanVm {
  host: string
  vcpus: number
  memoryMiB: number
  cpuDemandPercent: number
}

export interface PlanDocument {
  version: typeof PLAN_VERSION
  createdAtMs: number
  /** "host pid N" of the violin that made it. */
  by: string
  policy: string
  settings: PolicySettingsJson
  hosts: Record<string, PlanHost>
  vms: Record<string, PlanVm>
  rules: Rule[]
  actions: Action[]
  notes: string[]
  unanswered: Array<{host: string; error: string}>
}

export interface PolicySettingsJson {
  high: number
  low: number
  maxMigrations: number
  cooldownS: number
  holdSamples: number
  cpuThreshold: number
  nicThreshold: number
  swapThreshold: number
  memoryStepMiB: number
  minImprovement: number
}

const pct = (x: number) => Math.round(x * 1000) / 10

/**
 * The document of one dry pass: its plan, and the view it planned on. `createdAtMs` is the
 * wall clock's (a simulated cluster's own clock may be anywhere): what --max-age is judged by.
 */
export function planDocument(
  result: PassResult,
  view: ClusterView,
  options: PolicyOptions,
  made: {by: string; createdAtMs: number},
): PlanDocument {
  const demand = new Map<string, number>()
  for (const vm of view.vms) demand.set(vm.host, (demand.get(vm.host) ?? 0) + vm.cpuDemand * vm.vcpus)
  const hosts: Record<string, PlanHost> = {}
  for (const h of view.hosts) {
    hosts[h.name] = {
      site: h.site,
      cores: h.cores,
      memoryMiB: h.memoryMiB,
      freeMemoryMiB: h.freeMemoryMiB,
      cpuPercent: pct(h.cpu),
      demandPercent: h.cores > 0 ? pct((demand.get(h.name) ?? 0) / h.cores) : 0,
      maintenance: Boolean(h.maintenance),
    }
  }
  const vms: Record<string, PlanVm> = {}
  for (const vm of view.vms) vms[vm.name] = {host: vm.host, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, cpuDemandPercent: pct(vm.cpuDemand)}
  return {
    version: PLAN_VERSION,
    createdAtMs: made.createdAtMs,
    by: made.by,
    policy: result.policy,
    settings: {
      high: options.high,
      low: options.low,
      maxMigrations: options.maxMigrations,
      cooldownS: options.cooldownMs / 1000,
      holdSamples: options.holdSamples,
      cpuThreshold: options.cpuThreshold,
      nicThreshold: options.nicThreshold,
      swapThreshold: options.swapThreshold,
      memoryStepMiB: options.memoryStepMiB,
      minImprovement: options.minImprovement,
    },
    hosts,
    vms,
    rules: view.rules ?? [],
    actions: result.plan.actions,
    notes: result.plan.notes,
    unanswered: result.unanswered.map((u) => ({host: u.host, error: u.error})),
  }
}

/** Reads a saved plan file; one that cannot be read, or is not a plan, is a ConfigError naming it (exit 3). */
export function loadPlan(file: string): PlanDocument {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw unreadableFile(file, error)
  }
  return readPlan(file, text)
}

/** Reads a saved plan; a file that is not one is a ConfigError naming the line (exit 3). */
export function readPlan(file: string, text: string): PlanDocument {
  const {value} = parseJson(file, text)
  const p = check(planSchema, value, sourceOf(value, file))
  if (p.version !== PLAN_VERSION)
    throw new UsageError(`${file} is a plan of version ${p.version}; this violin reads version ${PLAN_VERSION}`)
  return {
    version: PLAN_VERSION,
    createdAtMs: Date.parse(p.created_at),
    by: p.by,
    policy: p.policy,
    settings: {
      high: p.settings.high,
      low: p.settings.low,
      maxMigrations: p.settings.max_migrations,
      cooldownS: p.settings.cooldown_s,
      holdSamples: p.settings.hold_samples,
      cpuThreshold: p.settings.cpu_threshold,
      nicThreshold: p.settings.nic_threshold,
      swapThreshold: p.settings.swap_threshold,
      memoryStepMiB: p.settings.memory_step_mib,
      minImprovement: p.settings.min_improvement,
    },
    hosts: Object.fromEntries(
      Object.entries(p.hosts).map(([name, h]) => [
        name,
        {
          site: h.site,
          cores: h.cores,
          memoryMiB: h.memory_mib,
          freeMemoryMiB: h.free_memory_mib,
          cpuPercent: h.cpu_percent,
          demandPercent: h.demand_percent,
          maintenance: h.maintenance,
        },
      ]),
    ),
    vms: Object.fromEntries(
      Object.entries(p.vms).map(([name, vm]) => [
        name,
        {host: vm.host, vcpus: vm.vcpus, memoryMiB: vm.memory_mib, cpuDemandPercent: vm.cpu_demand_percent},
      ]),
    ),
    rules: p.rules as Rule[],
    actions: p.actions.map(actionOf),
    notes: p.notes,
    unanswered: p.unanswered,
  }
}

type SavedAction = v.InferOutput<typeof planSchema>['actions'][number]

function actionOf(a: SavedAction): Action {
  const predicted = (ms: number | null | undefined) => (ms === null || ms === undefined ? {} : {predictedMs: ms})
  switch (a.kind) {
    case 'set-shares':
      return {kind: a.kind, vm: a.vm, host: a.host, from: a.from, to: a.to, reason: a.reason}
    case 'set-memory':
      return {kind: a.kind, vm: a.vm, host: a.host, fromMiB: a.from_mib, toMiB: a.to_mib, reason: a.reason}
    case 'migrate':
      return {kind: a.kind, vm: a.vm, from: a.from, to: a.to, reason: a.reason, ...predicted(a.predicted_ms)}
    case 'migrate-environment':
      return {
        kind: a.kind,
        environment: a.environment,
        fromSite: a.from_site,
        toSite: a.to_site,
        moves: a.moves,
        reason: a.reason,
        ...predicted(a.predicted_ms),
      }
  }
}
