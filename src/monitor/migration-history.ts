import {appendFile, mkdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import type {MigrationResult} from '../hypervisor/driver.js'
import type {Measurement} from '../predict/measurement.js'
import {stateDir} from '../inventory/store.js'

/**
 * One measured migration, in the columns the prediction work calibrates from (issue 6's
 * CSV): what the hypervisor measured and what the whole command took.
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

/** dir: the state dir (simulated runs pass simStateDir()). */
export function historyPath(dir = stateDir()): string {
  return join(dir, 'migrations.jsonl')
}

const PAGE_BYTES = 4096
const MiB = 1024 ** 2

export function toRecord(input: {vm: string; from: string; to: string; live: boolean; memoryMiB: number; concurrent: number; result: MigrationResult; at?: Date; command?: string; leadMs?: number; gapMs?: number}): MigrationRecord {
  const {result} = input
  const raw = result.raw ?? {}
  const dirtyPages = Number(raw.memory_dirty_rate)
  const pageSize = Number(raw.memory_page_size) || PAGE_BYTES
  const bps = Number(raw.memory_bps)
  const sent = result.dataBytes ?? result.memoryBytes
  const round = (x: number) => Math.round(x * 10) / 10
  return {
    at: (input.at ?? new Date()).toISOString(),
    vm: input.vm,
    from: input.from,
    to: input.to,
    mode: input.live ? 'live' : 'stop-and-copy',
    memory_mib: input.memoryMiB,
    ...(sent === undefined ? {} : {sent_mib: round(sent / MiB)}),
    ...(Number.isFinite(dirtyPages) && raw.memory_dirty_rate !== undefined ? {dirty_rate_mibs: round((dirtyPages * pageSize) / MiB)} : {}),
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

/** Appends records, one JSON line each: a crash mid-write costs at most the line being written. */
export async function recordMigrations(records: readonly MigrationRecord[], dir = stateDir()): Promise<void> {
  if (records.length === 0) return
  await mkdir(dir, {recursive: true})
  await appendFile(historyPath(dir), records.map((r) => JSON.stringify(r) + '\n').join(''))
}

export async function readMigrations(dir = stateDir()): Promise<MigrationRecord[]> {
  const path = historyPath(dir)
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw error
  })
  const records: MigrationRecord[] = []
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    try {
      records.push(JSON.parse(line) as MigrationRecord)
    } catch {
      throw new ConfigError(path, `line ${i + 1}`, 'is not a JSON record')
    }
  })
  return records
}
