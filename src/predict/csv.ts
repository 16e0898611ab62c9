/**
 * The measured-migrations CSV of `violin calibrate --csv FILE` and `--export`: a
 * header row naming its columns in any order, empty cells where unknown. A bad row is
 * reported by its line and skipped, never used. Pure.
 */
import type {MigrationMode, Measurement} from './measurement.js'

export const CSV_COLUMNS = [
  'mode',
  'memory_mib',
  'used_mib',
  'sent_mib',
  'dirty_rate_mibs',
  'bandwidth_mibs',
  'concurrent',
  'total_ms',
  'downtime_ms',
  'wall_ms',
  'lead_ms',
  'gap_ms',
] as const
type Column = (typeof CSV_COLUMNS)[number]

export interface CsvResult {
  rows: Measurement[]
  skipped: Array<{line: number; reason: string}>
}

/** Splits one line on commas, with "double quoted" cells ("" for a quote). */
function cells(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

export function parseMigrationsCsv(text: string): CsvResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const headerAt = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
  if (headerAt < 0) throw new RangeError('the CSV is empty: it needs a header row naming its columns, then one row per migration')
  const header = cells(lines[headerAt]!).map((h) => h.toLowerCase())
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h))
  if (unknown.length > 0)
    throw new RangeError(
      `line ${headerAt + 1}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} (known: ${CSV_COLUMNS.join(', ')})`,
    )
  const twice = header.find((h, i) => header.indexOf(h) !== i)
  if (twice) throw new RangeError(`line ${headerAt + 1}: column "${twice}" is named twice`)
  if (!header.includes('memory_mib')) throw new RangeError(`line ${headerAt + 1}: the header needs a memory_mib column`)
  const result: CsvResult = {rows: [], skipped: []}
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const values = cells(line)
    if (values.length !== header.length) {
      result.skipped.push({line: i + 1, reason: `${values.length} cells, the header has ${header.length}`})
      continue
    }
    const row = Object.fromEntries(header.map((h, k) => [h, values[k]!])) as Partial<Record<Column, string>>
    const parsed = toMeasurement(row)
    if (typeof parsed === 'string') result.skipped.push({line: i + 1, reason: parsed})
    else result.rows.push(parsed)
  }
  return result
}

/** A row as a measurement, or why it cannot be one. */
function toMeasurement(row: Partial<Record<Column, string>>): Measurement | string {
  const mode = (row.mode || 'live').toLowerCase()
  if (mode !== 'live' && mode !== 'stop-and-copy') return `mode must be live or stop-and-copy, got "${row.mode}"`
  const numbers: Partial<Record<Column, number>> = {}
  for (const column of CSV_COLUMNS) {
    if (column === 'mode') continue
    const cell = row[column]
    if (cell === undefined || cell === '') continue
    const n = Number(cell)
    if (!Number.isFinite(n) || n < 0) return `${column} must be a number >= 0, got "${cell}"`
    numbers[column] = n
  }
  if (numbers.memory_mib === undefined || numbers.memory_mib <= 0) return 'memory_mib is missing or 0'
  if (numbers.total_ms === undefined && numbers.wall_ms === undefined) return 'neither total_ms nor wall_ms: nothing to calibrate from'
  const concurrent = numbers.concurrent ?? 1
  if (!Number.isInteger(concurrent) || concurrent < 1) return `concurrent must be a whole number >= 1, got "${row.concurrent}"`
  return {
    mode: mode as MigrationMode,
    memory_mib: numbers.memory_mib,
    concurrent,
    ...pick(numbers, [
      'used_mib',
      'sent_mib',
      'dirty_rate_mibs',
      'bandwidth_mibs',
      'total_ms',
      'downtime_ms',
      'wall_ms',
      'lead_ms',
      'gap_ms',
    ]),
  }
}

function pick<K extends Column>(from: Partial<Record<Column, number>>, keys: K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {}
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k]
  return out
}

/** The same columns, for `violin calibrate --export`. */
export function toMigrationsCsv(rows: readonly Measurement[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(','))
  return `${lines.join('\n')}\n`
}
