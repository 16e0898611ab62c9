/**
 * Pure parsers for the text Xen's `xl` and `xentop` print. Formats follow xl(1), xentop(1) and
 * the printf formats in xen's tools/xl; tests run them on recorded output (test/fixtures/xl).
 */
import {ViolinError} from '../../errors.js'
import type {VmState} from '../driver.js'

interface DomainFlags {
  running: boolean
  blocked: boolean
  paused: boolean
  shutdown: boolean
  crashed: boolean
  dying: boolean
  suspended: boolean
}

function stateOf(f: DomainFlags): VmState {
  if (f.crashed) return 'crashed'
  if (f.suspended) return 'suspended'
  if (f.shutdown || f.dying) return 'shutdown'
  if (f.paused) return 'paused'
  if (f.blocked && !f.running) return 'idle'
  // 'r', or no flag at all: runnable and waiting for a CPU
  return 'running'
}

/** `xl list` State: r b p s, then the shutdown reason letter (- r s c w S ?), then d. */
export function xlListState(flags: string): VmState {
  const reason = flags[4]
  return stateOf({
    running: flags[0] === 'r',
    blocked: flags[1] === 'b',
    paused: flags[2] === 'p',
    shutdown: flags[3] === 's',
    crashed: reason === 'c',
    suspended: flags[3] === 's' && reason === 's',
    dying: flags[5] === 'd',
  })
}

/** xentop STATE is in another order: d s b c p r (e.g. `--b---` blocked, `-----r` running). */
export function xentopState(flags: string): VmState {
  return stateOf({
    dying: flags[0] === 'd',
    shutdown: flags[1] === 's',
    blocked: flags[2] === 'b',
    crashed: flags[3] === 'c',
    paused: flags[4] === 'p',
    running: flags[5] === 'r',
    suspended: false,
  })
}

function unreadable(tool: string, detail: string): ViolinError {
  return new ViolinError(`cannot read the output of ${tool}: ${detail}`)
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
}

export interface XlListRow {
  name: string
  id: number
  memMiB: number
  vcpus: number
  flags: string
  state: VmState
  timeSec: number
}

const XL_LIST_ROW = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([r-][b-][p-][s-][-rscwS?][d-])\s+(\d+(?:\.\d+)?)(?:\s|$)/

/** `xl list`: `"%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"` under a `Name ID Mem VCPUs State Time(s)` header. */
export function parseXlList(text: string): XlListRow[] {
  const rows: XlListRow[] = []
  for (const line of lines(text)) {
    if (/^Name\s+ID\s+Mem\b/.test(line)) continue
    const m = XL_LIST_ROW.exec(line)
    if (!m) throw unreadable('xl list', `unexpected line "${line.trim()}"`)
    const flags = m[5]!
    rows.push({
      name: m[1]!.trim(),
      id: Number(m[2]),
      memMiB: Number(m[3]),
      vcpus: Number(m[4]),
      flags,
      state: xlListState(flags),
      timeSec: Number(m[6]),
    })
  }
  return rows
}

export interface XlDomainConfig {
  domid: number
  name: string
  uuid?: string
  /** pv, hvm or pvh */
  type?: string
  maxVcpus?: number
  maxMemKiB?: number
  /** The balloon target; libxl refreshes it from the running domain. */
  targetMemKiB?: number
  weight?: number
  cap?: number
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** `xl list -l`: a JSON array of `{"domid": N, "config": <libxl_domain_config>}`. */
export function parseXlListLong(json: string): XlDomainConfig[] {
  if (json.trim() === '') return []
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch (error) {
    throw unreadable('xl list -l', `not JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(doc)) throw unreadable('xl list -l', 'expected a JSON array')
  return doc.map((item, i) => {
    const entry = record(item)
    const config = record(entry?.config)
    const cInfo = record(config?.c_info)
    const bInfo = record(config?.b_info)
    const sched = record(bInfo?.sched_params)
    const domid = num(entry?.domid)
    const name = str(cInfo?.name)
    if (domid === undefined || name === undefined) {
      throw unreadable('xl list -l', `entry ${i} has no domid or config.c_info.name`)
    }
    return {
      domid,
      name,
      uuid: str(cInfo?.uuid),
      type: str(cInfo?.type),
      maxVcpus: num(bInfo?.max_vcpus),
      maxMemKiB: num(bInfo?.max_memkb),
      targetMemKiB: num(bInfo?.target_memkb),
      weight: num(sched?.weight),
      cap: num(sched?.cap),
    }
  })
}

export interface XlInfo {
  host?: string
  nrCpus: number
  /** MiB, as xl prints them. */
  totalMemoryMiB: number
  freeMemoryMiB?: number
  cpuMhz?: number
  xenVersion?: string
  scheduler?: string
  /** Every `key : value` line. */
  fields: Record<string, string>
}

/** `xl info`: `key                    : value` lines. */
export function parseXlInfo(text: string): XlInfo {
  const fields: Record<string, string> = {}
  for (const line of lines(text)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const key = line.slice(0, colon).trim()
    if (/^[a-z_]+$/.test(key) && !(key in fields)) fields[key] = line.slice(colon + 1).trim()
  }
  const count = (key: string): number | undefined => {
    const value = fields[key]
    return value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined
  }
  const nrCpus = count('nr_cpus')
  const totalMemoryMiB = count('total_memory')
  if (nrCpus === undefined || totalMemoryMiB === undefined) {
    throw unreadable('xl info', 'no nr_cpus or total_memory line')
  }
  const {xen_major: major, xen_minor: minor, xen_extra: extra} = fields
  return {
    host: fields.host || undefined,
    nrCpus,
    totalMemoryMiB,
    freeMemoryMiB: count('free_memory'),
    cpuMhz: count('cpu_mhz'),
    // xl before 4.3 prints only xen_major/xen_minor/xen_extra
    xenVersion: fields.xen_version || (major && minor ? `${major}.${minor}${extra ?? ''}` : undefined),
    scheduler: fields.xen_scheduler || undefined,
    fields,
  }
}

export interface XentopRow {
  name: string
  flags: string
  state: VmState
  cpuSec: number
  memKiB: number
  /** Undefined for `no limit`. */
  maxMemKiB?: number
  vcpus: number
  netTxKiB?: number
  netRxKiB?: number
  /** Every column by its header name, as printed. */
  raw: Record<string, string>
}

const XENTOP_HEADER = /^\s*NAME\s+STATE\s/
const XENTOP_ROW = /^\s*(.+?)\s+([d-][s-][b-][c-][p-][r-])\s+(\S.*)$/

type XentopItem = {kind: 'header'; columns: string[]} | {kind: 'row'; row: XentopRow}

function xentopRow(line: string, columns: string[]): XentopRow | undefined {
  const m = XENTOP_ROW.exec(line)
  if (!m) return undefined
  const values = m[3]!.replace(/\bno limit\b/g, 'no_limit').split(/\s+/)
  const names = columns.slice(2)
  if (values.length !== names.length) {
    throw unreadable('xentop', `${values.length} values under ${names.length} columns in "${line.trim()}"`)
  }
  const raw: Record<string, string> = {NAME: m[1]!.trim(), STATE: m[2]!}
  for (const [i, column] of names.entries()) raw[column] = values[i]!.replace('no_limit', 'no limit')
  const int = (column: string): number | undefined => {
    const value = raw[column]
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
  }
  const cpuSec = int('CPU(sec)')
  const memKiB = int('MEM(k)')
  const vcpus = int('VCPUS')
  if (cpuSec === undefined || memKiB === undefined || vcpus === undefined) {
    throw unreadable('xentop', `no CPU(sec), MEM(k) or VCPUS in "${line.trim()}"`)
  }
  const flags = m[2]!
  return {
    name: raw.NAME!,
    flags,
    state: xentopState(flags),
    cpuSec,
    memKiB,
    maxMemKiB: int('MAXMEM(k)'),
    vcpus,
    netTxKiB: int('NETTX(k)'),
    netRxKiB: int('NETRX(k)'),
    raw,
  }
}

/**
 * `xentop -b`: a header and one row per domain, per iteration; returns the last iteration's
 * rows. Summary lines (interactive screens) and the -n/-v/-x detail lines are skipped.
 */
export function parseXentopBatch(text: string): XentopRow[] {
  const items: XentopItem[] = []
  let columns: string[] | undefined
  for (const line of lines(text)) {
    if (XENTOP_HEADER.test(line)) {
      columns = line.trim().split(/\s+/)
      items.push({kind: 'header', columns})
      continue
    }
    const row = columns && xentopRow(line, columns)
    if (row) items.push({kind: 'row', row})
  }
  if (!columns) throw unreadable('xentop', 'no NAME STATE header line')

  // With -r a header precedes every row, so iterations show only as a name coming round again.
  const repeatHeader = items.every((item, i) => item.kind === 'header' || items[i - 1]?.kind === 'header')
  let current: XentopRow[] = []
  let last: XentopRow[] = []
  for (const item of items) {
    const newIteration = item.kind === 'header' ? !repeatHeader : repeatHeader && current.some((r) => r.name === item.row.name)
    if (newIteration && current.length > 0) {
      last = current
      current = []
    }
    if (item.kind === 'row') current.push(item.row)
  }
  return current.length > 0 ? current : last
}

export interface SchedCreditRow {
  name: string
  domid: number
  weight: number
  cap: number
}

/** `xl sched-credit [-d DOM]` and `xl sched-credit2`: `"%-33s %4d %6d %4d"` rows under a Name ID Weight Cap header. */
export function parseSchedCredit(text: string): SchedCreditRow[] {
  const rows: SchedCreditRow[] = []
  for (const line of lines(text)) {
    if (line.startsWith('Cpupool ') || /^Name\s+ID\s+Weight\s+Cap\s*$/.test(line)) continue
    const m = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line)
    if (!m) throw unreadable('xl sched-credit', `unexpected line "${line.trim()}"`)
    rows.push({name: m[1]!.trim(), domid: Number(m[2]), weight: Number(m[3]), cap: Number(m[4])})
  }
  return rows
}

export interface XlMigrateReport {
  succeeded: boolean
  /** "Migration failed during final handshake": the domain may now run on both hosts, or neither. */
  stateUndefined: boolean
  /** Lines that say what went wrong, in order. */
  problems: string[]
  raw: Record<string, string>
}

/** What `xl migrate` says on stderr (both ends' messages end up there). */
export function parseXlMigrate(stderr: string): XlMigrateReport {
  const all = lines(stderr).map((l) => l.trim())
  const raw: Record<string, string> = {}
  for (const line of all) {
    let m = /^Saving to migration stream (.+?) \(info (\S+)\)/.exec(line)
    if (m) raw.stream = `${m[1]} ${m[2]}`
    m = /^xc: info: Saving domain \d+, type (.+)$/.exec(line)
    if (m) raw.domainType = m[1]!
    m = /^xc: info: Found .+ domain from Xen (\S+)$/.exec(line)
    if (m) raw.sourceXen = m[1]!
  }
  return {
    succeeded: all.includes('Migration successful.'),
    stateUndefined: all.some((l) => l.includes('Migration failed during final handshake')),
    problems: all.filter((l) => /fail|error|cannot|invalid|undefined/i.test(l)),
    raw,
  }
}
