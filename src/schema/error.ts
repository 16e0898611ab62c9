/** The one form of every file error (no schema library here: the store's readers use it too). */
import {ConfigError} from '../errors.js'
import type {PathKey, Source} from './source.js'

/** `hosts[0].memory`, `hosts.e1.site`: a field as a person names it. */
export function fieldName(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('') || '(top level)'
}

/** A value as the error shows it was found. */
export function found(x: unknown): string {
  if (x === undefined) return 'nothing'
  if (typeof x === 'string') return JSON.stringify(x.length > 60 ? `${x.slice(0, 57)}...` : x)
  if (x === null || typeof x === 'number' || typeof x === 'boolean') return String(x)
  if (Array.isArray(x)) return x.length === 0 ? 'an empty list' : `a list of ${x.length}`
  return 'a mapping'
}

/** The one error every reader throws: `FILE:LINE:COL: FIELD: expected ..., found ...`, exit 3. */
export function fileError(
  source: Source,
  path: readonly PathKey[],
  expected: string,
  input: unknown,
  options: {key?: boolean; found?: string} = {},
): ConfigError {
  return new ConfigError(
    source.where,
    fieldName(path),
    `expected ${expected}, found ${options.found ?? found(input)}`,
    source.position(path, options.key ?? false),
  )
}
