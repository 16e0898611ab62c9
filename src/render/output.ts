/**
 * Machine output: one convention for every command's payload, printed as JSON, JSON
 * Lines, CSV or YAML. Commands keep their own (camelCase) objects; this module turns them
 * into what scripts read: snake_case keys with the unit in the key (memoryMiB becomes
 * memory_mib, totalMs total_ms), `null` for a value not known, dates as ISO times.
 * docs/json.md documents the result for every command (test/cli/json-shapes.test.ts
 * holds the two together).
 */

/** Objects whose keys are data (VM, environment or counter names), never renamed. */
const dataKeyedObjects = new WeakSet<object>()

/** Marks a record whose keys are names (a VM's, a counter's): toJsonValue keeps them as they are. */
export function dataKeyed<T extends object>(record: T): T {
  dataKeyedObjects.add(record)
  return record
}

// Units written as one word in a key: memoryMiB is memory_mib, not memory_mi_b.
const UNIT_WORDS: [RegExp, string][] = [
  [/([KMGT])iBs(?![a-z])/g, '$1ibs'],
  [/([KMGT])iB(?![a-z])/g, '$1ib'],
]

/** A camelCase key in snake_case; a key that is not an identifier in camelCase is kept. */
export function snakeKey(key: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key) || !/[A-Z]/.test(key)) return key
  let k = key
  for (const [from, to] of UNIT_WORDS) k = k.replaceAll(from, to)
  return k
    .replaceAll(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replaceAll(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

/** An instant in ms since the epoch (timeMs, startedAtMs) is printed as an ISO time under the name without Ms. */
const INSTANT_KEY = /^(time|[a-z][a-zA-Z0-9]*At)Ms$/

/** Every key of T, each listed once: the compiler says when T gains a key the list lacks. */
export type KeysOf<T> = {[K in keyof Required<T>]: true}

/**
 * The object with every key of its type present, in the type's order: an optional field
 * left out (not known) is printed as null rather than missing.
 */
export function withEveryKey<T extends object>(value: T, keys: KeysOf<T>): T {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(keys)) out[k] = (value as Record<string, unknown>)[k]
  for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = v
  return out as T
}

// A payload repeats the same few keys over thousands of rows: each is converted once.
const printedKeys = new Map<string, {name: string; instant?: string}>()

function printedKey(key: string): {name: string; instant?: string} {
  let printed = printedKeys.get(key)
  if (!printed) {
    printed = {name: snakeKey(key), ...(INSTANT_KEY.test(key) ? {instant: snakeKey(key.slice(0, -2))} : {})}
    // Names of things (a VM's) may be keys too: the cache stays bounded.
    if (printedKeys.size < 10_000) printedKeys.set(key, printed)
  }
  return printed
}

export type JsonValue = null | boolean | number | string | JsonValue[] | {[key: string]: JsonValue}

/**
 * A payload as it is printed: keys in snake_case (but those of dataKeyed records),
 * undefined as null (a key is never missing because its value is unknown), NaN and
 * infinities as null, Dates as ISO times.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined || value === null) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v))
  if (typeof value === 'object') {
    const keep = dataKeyedObjects.has(value)
    const out: {[key: string]: JsonValue} = {}
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue
      const v = (value as Record<string, unknown>)[k]
      if (typeof v === 'function') continue
      if (keep) {
        out[k] = toJsonValue(v)
        continue
      }
      const key = printedKey(k)
      if (key.instant !== undefined && (typeof v === 'number' || v === undefined))
        out[key.instant] = v === undefined ? null : toJsonValue(new Date(v))
      else out[key.name] = toJsonValue(v)
    }
    return out
  }
  return null
}

/** One JSON Lines record: the payload on one line. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(toJsonValue(value))
}

/** The payload as YAML (the `yaml` package, loaded only when asked for). */
export async function renderYaml(value: unknown): Promise<string> {
  const {stringify} = await import('../yaml-lib.js')
  return stringify(toJsonValue(value), {aliasDuplicateObjects: false, lineWidth: 0}).trimEnd()
}

/** Under --watch, a YAML document per reading: `---` between them. */
export async function renderYamlDocument(value: unknown, first: boolean): Promise<string> {
  return `${first ? '' : '---\n'}${await renderYaml(value)}`
}

type Scalar = null | boolean | number | string

function isScalar(v: JsonValue): v is Scalar {
  return v === null || typeof v !== 'object'
}

/**
 * A row's fields, in order: nested objects flattened with a dot (interval.low_ms), a list
 * of values joined with ";", a list of records as its JSON in one cell, an empty list an
 * empty cell (so a command's header is the same whatever its rows hold).
 */
export function csvFields(row: JsonValue, prefix = ''): [string, Scalar][] {
  if (isScalar(row) || Array.isArray(row)) return [[prefix || 'value', Array.isArray(row) ? scalarList(row) : row]]
  const out: [string, Scalar][] = []
  for (const [k, v] of Object.entries(row)) {
    const name = prefix ? `${prefix}.${k}` : k
    if (isScalar(v)) out.push([name, v])
    else if (Array.isArray(v)) out.push([name, v.length === 0 ? null : v.every((x) => isScalar(x)) ? scalarList(v) : JSON.stringify(v)])
    else out.push(...csvFields(v, name))
  }
  return out
}

function scalarList(list: JsonValue[]): string {
  return list
    .filter((x) => isScalar(x))
    .map((x) => (x === null ? '' : String(x)))
    .join(';')
}

function csvCell(v: Scalar): string {
  const text = v === null ? '' : String(v)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The header of a CSV table: every row's fields, in the order they first appear. */
export function csvHeader(rows: JsonValue[]): string[] {
  const names: string[] = []
  const seen = new Set<string>()
  for (const row of rows)
    for (const [name] of csvFields(row))
      if (!seen.has(name)) {
        seen.add(name)
        names.push(name)
      }
  return names
}

/**
 * Rows as CSV: raw values (numbers as numbers, unknown as an empty cell), the header the
 * JSON keys. `columns` fixes the header (for a table that may have no row yet).
 */
export function renderCsvRows(rows: JsonValue[], options: {header?: boolean; columns?: string[]} = {}): string {
  const columns = options.columns ?? csvHeader(rows)
  const lines = options.header === false ? [] : [columns.map((c) => csvCell(c)).join(',')]
  for (const row of rows) {
    const fields = new Map(csvFields(row))
    lines.push(columns.map((c) => csvCell(fields.get(c) ?? null)).join(','))
  }
  return lines.join('\n')
}

/** Which rows of a payload make its CSV table: by default a list payload's items, or the object as one row. */
export type CsvRows = (json: JsonValue) => JsonValue[]

export const defaultCsvRows: CsvRows = (json) => (Array.isArray(json) ? json : [json])

/** The rows of a list under `key` (list --format csv: the VMs). */
export function csvRowsAt(key: string): CsvRows {
  return (json) => {
    const v = json !== null && typeof json === 'object' && !Array.isArray(json) ? json[key] : undefined
    return Array.isArray(v) ? v : []
  }
}

/** The rows of a record keyed by names (simulate's policies, calibrate's modes): each with its name under `nameKey`. */
export function rowsByName(nameKey: string, key: string): CsvRows {
  return (json) => {
    const v = json !== null && typeof json === 'object' && !Array.isArray(json) ? json[key] : undefined
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return []
    return Object.entries(v).map(([name, row]) => ({
      [nameKey]: name,
      ...(row !== null && typeof row === 'object' && !Array.isArray(row) ? row : {value: row}),
    }))
  }
}
