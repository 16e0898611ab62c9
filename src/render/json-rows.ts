import type {ActionOutcome} from '../adapt/execute.js'
import type {PassResult} from '../adapt/pass.js'
import type {Action} from '../policy/cluster-view.js'
import type {MigrationResult, VmInfo, VmSample} from '../hypervisor/driver.js'
import type {MigrationRecord} from '../monitor/migration-history.js'
import type {Calibration, CommandCalibration, CommandTimes, ModeCalibration} from '../predict/calibration.js'
import type {VacatePrediction} from '../predict/vacate-time.js'
import type {Drift, HostCheck, SyncResult} from '../services/hosts.js'
import type {StoreStatusReport} from '../services/store-admin.js'
import type {EnvironmentResult} from '../sim/engine.js'
import type {TimelineEvent} from '../sim/world.js'
import type {SwitchHostResult, SwitchStatus} from '../services/switch-status.js'
import type {StoreMember} from '../store/store.js'
import type {HostRecord} from '../inventory/host.js'
import type {MigrationPlan} from '../services/migration.js'
import type {VacateOutcome} from '../services/vacate-hosts.js'
import type {HostFailure, SetMemResult, VmListing, VmRow} from '../services/vms.js'
import {type KeysOf, dataKeyed, withEveryKey} from './output.js'

/*
 * The rows of the commands' --json whose types have optional fields: printed with every
 * key (null when not known), so a script finds the same keys on every row. The key lists
 * are checked by the compiler against the types.
 */

const VM_ROW: KeysOf<VmRow> = {host: true, site: true, id: true, name: true, state: true}
const HOST_FAILURE: KeysOf<HostFailure> = {host: true, error: true, exitCode: true}

/** `list`: every VM with its id (null when shut off), the hosts that failed. */
export function listingJson(l: VmListing): VmListing {
  return {asked: l.asked, vms: l.vms.map((v) => withEveryKey(v, VM_ROW)), failed: l.failed.map((f) => withEveryKey(f, HOST_FAILURE))}
}

const VM_INFO: KeysOf<VmInfo & {host: string; site: string}> = {
  name: true,
  host: true,
  site: true,
  id: true,
  uuid: true,
  state: true,
  vcpus: true,
  cpuTimeSec: true,
  maxMemoryMiB: true,
  memoryMiB: true,
  persistent: true,
  autostart: true,
}

export const vmInfoJson = (info: VmInfo & {host: string; site: string}) => withEveryKey(info, VM_INFO)

import type {VmStateReading} from '../services/vm-state.js'
type VmStats = VmSample & {host: string; timeMs: number; migration?: MigrationStateJson | null}

/** What decides a VM's migration, as `domstats --dirty-rate` measured it. */
export interface MigrationStateJson {
  used_mib: number | null
  used_from: string | null
  dirty_rate_mibs: number | null
  dirty_rate_from: string
  measured_at: string
}
export const migrationStateJson = (r: VmStateReading): MigrationStateJson => ({
  used_mib: r.usedMiB === undefined ? null : Math.round(r.usedMiB * 10) / 10,
  used_from: r.usedFrom ?? null,
  dirty_rate_mibs: r.dirtyRateMiBs === undefined ? null : Math.round(r.dirtyRateMiBs * 10) / 10,
  dirty_rate_from: r.dirtyRateFrom,
  measured_at: r.measuredAt,
})
const VM_STATS: KeysOf<VmStats> = {
  name: true,
  host: true,
  timeMs: true,
  state: true,
  vcpus: true,
  cpuTimeNs: true,
  cpuWaitNs: true,
  memoryMiB: true,
  maxMemoryMiB: true,
  memoryUsedMiB: true,
  swapOutKiB: true,
  netRxBytes: true,
  netTxBytes: true,
  raw: true,
  migration: true,
}

/** `domstats`: the parsed counters (null when the hypervisor gave none) and the raw ones under their own names. */
export const vmStatsJson = (s: VmStats) => withEveryKey({...s, raw: dataKeyed({...s.raw}), migration: s.migration ?? null}, VM_STATS)

const SET_MEM: KeysOf<SetMemResult> = {host: true, name: true, memoryMiB: true, live: true, config: true, balloonMiB: true, balloon: true}
export const setMemJson = (r: SetMemResult) => withEveryKey(r, SET_MEM)

const PLAN: KeysOf<MigrationPlan> = {
  name: true,
  from: true,
  to: true,
  destinationUri: true,
  live: true,
  offline: true,
  copyStorage: true,
  peerToPeer: true,
  outliveClient: true,
  bandwidthMiBs: true,
  timeoutSec: true,
  autoConverge: true,
  postCopy: true,
  memoryMiB: true,
  copiedDisks: true,
}

const RESULT: KeysOf<MigrationResult> = {
  wallMs: true,
  totalMs: true,
  downtimeMs: true,
  dataBytes: true,
  memoryBytes: true,
  iterations: true,
  raw: true,
}

/** `migrate`: the plan, and what the hypervisor measured (null where it measured nothing; no result for --dry-run). */
export function migrationJson(dryRun: boolean, plan: MigrationPlan, result?: MigrationResult) {
  const measured = result && withEveryKey({...result, raw: result.raw && dataKeyed({...result.raw})}, RESULT)
  return {dryRun, plan: withEveryKey(plan, PLAN), result: measured ?? null}
}

const VACATE_OUTCOME: KeysOf<VacateOutcome> = {
  vm: true,
  from: true,
  to: true,
  memoryMiB: true,
  ok: true,
  error: true,
  seconds: true,
  notStarted: true,
}

/** A move of `vacate`: its error null when it moved, not_started false unless a signal stopped it first. */
export const vacateOutcomeJson = (o: VacateOutcome) =>
  withEveryKey({...o, notStarted: Boolean(o.notStarted)} as VacateOutcome, VACATE_OUTCOME)

const HOST_RECORD: KeysOf<HostRecord> = {
  name: true,
  site: true,
  transport: true,
  driver: true,
  uri: true,
  identity: true,
  domainType: true,
  cpuOvercommit: true,
  nic: true,
  maintenance: true,
  agent: true,
  discovered: true,
}

/** A host of the inventory (`host list`, `host add`, `host rm`): every field, null when not set; maintenance false unless drained. */
export const hostRecordJson = (h: HostRecord) =>
  withEveryKey(
    {
      ...h,
      maintenance: h.maintenance === true,
      agent: h.agent && withEveryKey(h.agent, AGENT),
      discovered: h.discovered && withEveryKey(h.discovered, DISCOVERED),
    },
    HOST_RECORD,
  )

const AGENT: KeysOf<NonNullable<HostRecord['agent']>> = {command: true, dir: true, store: true}
const DISCOVERED: KeysOf<NonNullable<HostRecord['discovered']>> = {
  cores: true,
  memoryMiB: true,
  hypervisor: true,
  hypervisorVersion: true,
  checkedAt: true,
}

const ACTION_OUTCOME: KeysOf<ActionOutcome> = {action: true, ok: true, error: true, seconds: true}
const UNANSWERED: KeysOf<PassResult['unanswered'][number]> = {host: true, error: true, exitCode: true}

/** One pass of `adapt`: every outcome with its error (null when it went well), every host that did not answer with its exit status. */
export function passJson(p: PassResult): PassResult {
  return {
    ...p,
    plan: {...p.plan, actions: p.plan.actions.map(actionJson)},
    outcomes: p.outcomes.map((o) => withEveryKey({...o, action: actionJson(o.action)}, ACTION_OUTCOME)),
    unanswered: p.unanswered.map((u) => withEveryKey(u, UNANSWERED)),
  }
}

/** An action's keys depend on its kind; a move's predicted_ms is null when nothing predicted it. */
export function actionJson(a: Action): Action {
  return a.kind === 'migrate' || a.kind === 'migrate-environment' ? {...a, predictedMs: a.predictedMs} : a
}

/** A scenario's environments by name (`simulate`, `adapt` on a scenario): `failed` null unless it failed. */
export function environmentResultsJson(environments: Record<string, EnvironmentResult>): Record<string, EnvironmentResult> {
  return dataKeyed(
    Object.fromEntries(Object.entries(environments).map(([name, e]) => [name, {...e, failed: e.failed ?? null} as EnvironmentResult])),
  )
}

const TIMELINE_EVENT: KeysOf<TimelineEvent> = {t_s: true, kind: true, environment: true, vm: true, text: true}
export const timelineJson = (events: TimelineEvent[]) => events.map((e) => withEveryKey(e, TIMELINE_EVENT))

const PREDICT_VACATE: KeysOf<VacatePrediction> = {
  strategy: true,
  max_parallel: true,
  total_wall_ms: true,
  interval: true,
  per_vm: true,
  converges: true,
  narrow_with: true,
  calibrated: true,
  by: true,
  start_by: true,
  late: true,
}
/** `predict vacate`: by, start_by and late null without --by. */
export const predictVacateJson = (p: VacatePrediction) => withEveryKey(p, PREDICT_VACATE)

const DRIFT: KeysOf<Drift> = {vm: true, kind: true, recorded: true, found: true}
/** `host sync`: recorded null for a VM the inventory did not know. */
export const syncJson = (r: SyncResult): SyncResult => ({
  ...r,
  drift: r.drift.map((d) => withEveryKey(d, DRIFT)),
  failed: r.failed.map((f) => withEveryKey(f, HOST_FAILURE)),
})

const STORE_MEMBER: KeysOf<StoreMember> = {name: true, endpoint: true, healthy: true, leader: true, error: true}
/** `store status`: revision null for the files; a member's leader and error null when not known. */
export const storeStatusJson = (r: StoreStatusReport): StoreStatusReport => ({
  ...withEveryKey(r, {backend: true, url: true, revision: true, members: true, from: true, healthy: true}),
  members: r.members.map((m) => withEveryKey(m, STORE_MEMBER)),
})

const MODE: KeysOf<ModeCalibration> = {
  hypervisor: true,
  wall: true,
  memoryMsPerMiB: true,
  memoryTerm: true,
  overheadMs: true,
  downtimeMs: true,
  sentMiB: true,
  bandwidthMiBs: true,
  resident: true,
  memoryRange: true,
  range: true,
  concurrency: true,
  points: true,
}
const TIMES: KeysOf<CommandCalibration> = {startupMs: true, gapMs: true, tailMs: true, points: true, byCommand: true}
const TIMES_OF_ONE: KeysOf<CommandTimes> = {startupMs: true, gapMs: true, tailMs: true, points: true}
const MEASUREMENT: KeysOf<MigrationRecord> = {
  at: true,
  vm: true,
  from: true,
  to: true,
  mode: true,
  memory_mib: true,
  used_mib: true,
  sent_mib: true,
  dirty_rate_mibs: true,
  bandwidth_mibs: true,
  concurrent: true,
  total_ms: true,
  downtime_ms: true,
  wall_ms: true,
  iterations: true,
  command: true,
  lead_ms: true,
  gap_ms: true,
}

/** `calibrate`: every mode's fit, violin's own times (null before any was recorded), each measurement with every column. */
export function calibrationJson(c: Calibration): Calibration {
  // The learnt dirtying response is null where the data did not support one.
  const withResident = (m: ModeCalibration) =>
    m.resident ? {...m, resident: {...m.resident, dirtySeconds: m.resident.dirtySeconds ?? null}} : m
  const modes = dataKeyed(
    Object.fromEntries(Object.entries(c.modes).map(([mode, m]) => [mode, withEveryKey(withResident(m) as ModeCalibration, MODE)])),
  )
  const byCommand =
    c.command?.byCommand &&
    dataKeyed(Object.fromEntries(Object.entries(c.command.byCommand).map(([name, t]) => [name, withEveryKey(t, TIMES_OF_ONE)])))
  const command = c.command && withEveryKey({...c.command, byCommand}, TIMES)
  return {
    ...withEveryKey(c, {version: true, created: true, source: true, modes: true, command: true, concurrentLeftOut: true, data: true}),
    modes,
    command,
    data: c.data.map((d) => withEveryKey(d as MigrationRecord, MEASUREMENT)),
  }
}

const HOST_CHECK: KeysOf<HostCheck> = {
  host: true,
  site: true,
  target: true,
  ok: true,
  cores: true,
  memoryMiB: true,
  hypervisor: true,
  hypervisorVersion: true,
  tools: true,
  error: true,
  exitCode: true,
}
/** `host check`: what was discovered (null for a host that did not answer) and why not. */
export const hostCheckJson = (c: HostCheck) => withEveryKey(c, HOST_CHECK)

const SWITCH_STATUS: KeysOf<SwitchStatus> = {
  host: true,
  up: true,
  peers: true,
  macs: true,
  rxPackets: true,
  txPackets: true,
  rxDropped: true,
  members: true,
  ports: true,
  drops: true,
}
/** A host's switch (`switch status`): the udp data plane's members, ports and drops null on a kernel (vxlan) switch, and its counters null where the switch keeps none. */
export const switchStatusJson = (s: SwitchStatus) => withEveryKey(s, SWITCH_STATUS)

const SWITCH_HOST: KeysOf<SwitchHostResult> = {
  host: true,
  address: true,
  device: true,
  bridge: true,
  agentPid: true,
  ports: true,
  created: true,
  added: true,
  removed: true,
}
/** A host's part of `switch start`: the kernel data plane's device and bridge, the udp one's agent PID and ports, null for the other. */
export const switchHostJson = (h: SwitchHostResult) => withEveryKey(h, SWITCH_HOST)
