import type {FilePosition} from '../errors.js'

/** A step into a document: a mapping's key or a list's index. */
export type PathKey = string | number

/** Where a parsed document came from, so an error can name the line and column of a field. */
export interface Source {
  /** The file (or, for the shared store, the URL and key; for a message, the peer). */
  readonly where: string
  /** The position of the value at path, or of its key when `key`; undefined when not known. */
  position(path: readonly PathKey[], key: boolean): FilePosition | undefined
}

/** A document with no text to point into (etcd's, one already parsed). */
export function unplaced(where: string): Source {
  return {where, position: () => undefined}
}

const sources = new WeakMap<object, Source>()

/** Remembers where a document was read from, for its validator to name lines (the store reads, a reader validates). */
export function remember<T>(value: T, source: Source): T {
  if (value !== null && typeof value === 'object') sources.set(value, source)
  return value
}

/** Where a document was read from, if remember() was told; else a source with no lines. */
export function sourceOf(value: unknown, where: string): Source {
  return (value !== null && typeof value === 'object' && sources.get(value)) || unplaced(where)
}

/** The 1-based line and column of an offset into text. */
export function positionAt(text: string, offset: number, firstLine = 1): FilePosition {
  let line = firstLine
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return {line, column: offset - lineStart + 1}
}
