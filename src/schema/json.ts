import {createRequire} from 'node:module'

import {ConfigError} from '../errors.js'
import {type PathKey, positionAt, remember, type Source} from './source.js'

type JsoncParser = typeof import('jsonc-parser')

/** Loaded only when an error needs a position: a document that reads cleanly never pays for it. */
let jsonc: JsoncParser | undefined
const parser = (): JsoncParser => (jsonc ??= createRequire(import.meta.url)('jsonc-parser') as JsoncParser)

/**
 * Parses a JSON document (a file, or one line of a JSON-lines log starting at firstLine);
 * bad JSON is a ConfigError at its line and column. The document is remembered with its
 * source, so a validator reading it later can name the line of a bad field.
 */
export function parseJson(where: string, text: string, firstLine = 1): {value: unknown; source: Source} {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const {parse, printParseErrorCode} = parser()
    const errors: import('jsonc-parser').ParseError[] = []
    parse(text, errors, {disallowComments: true, allowTrailingComma: false, allowEmptyContent: false})
    const first = errors[0]
    const detail = first
      ? printParseErrorCode(first.error)
          .replace(/([a-z])([A-Z])/g, '$1 $2')
          .toLowerCase()
      : (error as Error).message
    throw new ConfigError(where, undefined, `not valid JSON: ${detail}`, first ? positionAt(text, first.offset, firstLine) : undefined)
  }
  const source = jsonSource(where, text, firstLine)
  return {value: remember(value, source), source}
}

/** A JSON text as a source of positions. */
export function jsonSource(where: string, text: string, firstLine = 1): Source {
  return {
    where,
    position(path: readonly PathKey[], key: boolean) {
      const {parseTree, findNodeAtLocation} = parser()
      const root = parseTree(text)
      if (!root) return undefined
      // The deepest node that exists: a missing key is reported at the object that lacks it.
      for (let n = path.length; n >= 0; n--) {
        const node = findNodeAtLocation(root, [...path.slice(0, n)])
        if (!node) continue
        const keyNode = key && n === path.length && node.parent?.type === 'property' ? node.parent.children?.[0] : undefined
        return positionAt(text, (keyNode ?? node).offset, firstLine)
      }
      return undefined
    },
  }
}
