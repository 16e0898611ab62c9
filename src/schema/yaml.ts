import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'

import {ConfigError} from '../errors.js'
import {type PathKey, remember, type Source} from './source.js'

/**
 * Parses a YAML file (env file, scenario, cluster) with the `yaml` package's document API:
 * bad YAML is a ConfigError at its line and column, and the source it returns names the
 * line and column of any field for the validator. Imported only by the readers of YAML files, which commands load when they need them.
 */
export function parseYaml(file: string, text: string): {value: unknown; source: Source} {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  const at = (offset: number) => {
    const {line, col} = lines.linePos(offset)
    return {line, column: col}
  }
  const error = doc.errors[0]
  if (error) throw new ConfigError(file, undefined, `not valid YAML: ${error.message.split('\n')[0]!.replace(/\.$/, '')}`, at(error.pos[0]))
  let value: unknown
  try {
    value = doc.toJS({maxAliasCount: 1000})
  } catch (e) {
    throw new ConfigError(file, undefined, `not valid YAML: ${(e as Error).message}`, {line: 1, column: 1})
  }
  const keyText = (k: unknown) => (isScalar(k) ? String(k.value) : String(k))
  const source: Source = {
    where: file,
    position(path: readonly PathKey[], key: boolean) {
      let node: unknown = doc.contents
      let keyNode: unknown
      for (const step of path) {
        keyNode = undefined
        if (isMap(node)) {
          const pair = node.items.find((p) => keyText(p.key) === String(step))
          if (!pair) break
          keyNode = pair.key
          node = pair.value ?? pair.key
        } else if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
          node = node.items[step]
        } else break
      }
      const target = (key && keyNode) || node
      const range = (target as {range?: [number, number, number]} | null)?.range
      return range ? at(range[0]) : undefined
    },
  }
  return {value: remember(value, source), source}
}
