import {join} from 'node:path'

import type {MigrationResult, VmMigrationState} from '../hypervisor/driver.js'
import type {Measurement} from '../predict/measurement.js'
import {check} from '../schema/check.js'
import {parseJson} from '../schema/json.js'
import {migrationRecordSchema} from '../schema/measurements.js'
import {unplaced} from '../schema/source.js'
import {openStore} from '../store/open.js'
import {stateDir} from '../store/dirs.js'
import type {Store} from '../store/store.js'

/**
 * One measured migration, in the columns the prediction work calibrates from (those of
 * `violin calibrate --csv`): what the hypervisor measured and what the whole command took.
 */
export interface MigrationRecord extends Measurement {
  at: string
  vm: string
  from: string
  to: string
  /** The whole command always has a time. */
  wall_ms: number
  iterations?: number
}

/** The file backend's log; dir: the state dir (simulated runs use its sim/). */
export function historyPath(dir = stateDir()): string {
  return join(dir, 'migrations.jsonl')
}

const PAGE_BYTES = 4096
const MiB = 1024 ** 2

export function toRecord(input: {
  vm: string
  from: string
  to: string
  live: boolean
  memoryMiB: number
  concurrent: number
  result: MigrationResult
  at?: Date
  command?: string
  leadMs?: number
  gapMs?: number
  /** What the VM held and dirtied just before it moved, when the command measured it. */
  state?: VmMigrationState
}): MigrationRecord {
  const {result} = input
  const raw = result.raw ?? {}
  const dirtyPages = Number(raw.memory_dirty_rate)
  const pageSize = Number(raw.memory_page_size) || PAGE_BYTES
  const bps = Number(raw.memory_bps)
  const sent = result.dataBytes ?? result.memoryBytes
  const round = (x: number) => Math.round(x * 10) / 10
  // The rate measured before the move is the guest's; the job's is QEMU's last round's, 0 when that round was short.
  const jobRate = Number.isFinite(dirtyPages) && raw.memory_dirty_rate !== undefined ? (dirtyPages * pageSize) / MiB : undefined
  const dirtyRate = input.state?.dirtyRateMiBs ?? jobRate
  const used = input.state?.usedMiB
  return {
    at: (input.at ?? new Date()).toISOString(),
    vm: input.vm,
    from: input.from,
    to: input.to,
    mode: input.live ? 'live' : 'stop-and-copy',
    memory_mib: input.memoryMiB,
    ...(used === undefined ? {} : {used_mib: round(used)}),
    ...(sent === undefined ? {} : {sent_mib: round(sent / MiB)}),
    ...(dirtyRate === undefined ? {} : {dirty_rate_mibs: round(dirtyRate)}),
    ...(Number.isFinite(bps) && bps > 0 ? {bandwidth_mibs: round(bps / MiB)} : {}),
    concurrent: input.concurrent,
    ...(result.totalMs === undefined ? {} : {total_ms: result.totalMs}),
    ...(result.downtimeMs === undefined ? {} : {downtime_ms: result.downtimeMs}),
    wall_ms: Math.round(result.wallMs),
    ...(result.iterations === undefined ? {} : {iterations: result.iterations}),
    ...(input.command === undefined ? {} : {command: input.command}),
    ...(input.leadMs === undefined ? {} : {lead_ms: Math.round(input.leadMs)}),
    ...(input.gapMs === undefined ? {} : {gap_ms: Math.round(input.gapMs)}),
  }
}

async function storeOf(store?: Store): Promise<Store> {
  return store ?? openStore()
}

/** Appends records (one JSON line each in files: a crash mid-write costs at most the line being written). */
export async function recordMigrations(records: readonly MigrationRecord[], store?: Store): Promise<void> {
  if (records.length === 0) return
  await (await storeOf(store)).append('migrations', records)
}

export async function readMigrations(store?: Store): Promise<MigrationRecord[]> {
  const s = await storeOf(store)
  const records: MigrationRecord[] = []
  const log = s.whereLog('migrations')
  for (const {text, where, line} of await s.readLog('migrations')) {
    // A file's line is named as FILE:LINE:COL; an etcd record by its key.
    const {value, source} = parseJson(line === undefined ? `${log} ${where}` : log, text, line ?? 1)
    records.push(check(migrationRecordSchema, value, line === undefined ? unplaced(source.where) : source) as MigrationRecord)
  }
  return records
}

/** Each VM's dirty rate as its latest recorded migration had it, MiB/s. */
export function lastDirtyRates(records: readonly MigrationRecord[]): Map<string, number> {
  const rates = new Map<string, number>()
  for (const r of records) if (r.dirty_rate_mibs !== undefined) rates.set(r.vm, r.dirty_rate_mibs)
  return rates
}

/** Where the migrations log of a store is, as a person would look for it. */
export function migrationsWhere(store: Store): string {
  return store.whereLog('migrations')
}
