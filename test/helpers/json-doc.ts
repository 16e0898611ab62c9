import {readFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * docs/json.md as data: per section (`## violin list`, `## violin usage --watch`, `## Errors`), the key
 * paths of its ```keys blocks with their types. A path is keys joined by dots, `[]` for
 * the items of a list and `*` for the keys of a record keyed by names (a VM's, a
 * counter's): `vms[].memory_mib: number|null`, `raw.*: string`.
 */
export type Shape = Map<string, Set<string>>

export function readJsonDoc(root: string): Map<string, Shape> {
  const text = readFileSync(join(root, 'docs', 'json.md'), 'utf8')
  const sections = new Map<string, Shape>()
  let current: Shape | undefined
  let inKeys = false
  for (const [i, line] of text.split('\n').entries()) {
    const heading = /^## (?:violin (.+)|(Errors))$/.exec(line)
    if (heading) {
      current = new Map()
      sections.set((heading[1] ?? heading[2])!.trim(), current)
      continue
    }
    if (line.startsWith('## ')) current = undefined
    if (line.trim() === '```keys') {
      inKeys = true
      continue
    }
    if (inKeys && line.trim() === '```') {
      inKeys = false
      continue
    }
    if (!inKeys || line.trim().startsWith('#')) continue
    const entry = /^(\S+): (\S+)(\s+#.*)?$/.exec(line.trim())
    if (!current || !entry) throw new Error(`docs/json.md line ${i + 1}: not "path: type" in a section: ${line}`)
    current.set(entry[1]!, new Set(entry[2]!.split('|')))
  }
  return sections
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `${typeOf(v[0])}[]`
  if (typeof v === 'object') return 'object'
  return typeof v
}

/**
 * The key paths of a JSON value with the type of each leaf (a scalar, a list of scalars,
 * an empty list or object, or null). Where the documented shape has `P.*`, the keys of
 * the record at P are names and all read as `*`.
 */
export function keyPaths(
  value: unknown,
  documented: Shape,
  prefix = '',
  out: Map<string, Set<string>> = new Map(),
): Map<string, Set<string>> {
  const leaf = (type: string) => {
    if (!out.has(prefix)) out.set(prefix, new Set())
    out.get(prefix)!.add(type)
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || value.every((v) => v === null || typeof v !== 'object')) {
      leaf(typeOf(value))
      return out
    }
    for (const item of value) keyPaths(item, documented, `${prefix}[]`, out)
    return out
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) {
      leaf('object')
      return out
    }
    const named = [...documented.keys()].some((p) => p.startsWith(`${prefix ? `${prefix}.` : ''}*`))
    for (const [k, v] of entries) keyPaths(v, documented, `${prefix ? `${prefix}.` : ''}${named ? '*' : k}`, out)
    return out
  }
  leaf(typeOf(value))
  return out
}

/**
 * What differs between a command's output and its documented shape: keys printed but not
 * documented, or printed with a type the documentation does not give.
 */
export function undocumented(observed: Map<string, Set<string>>, documented: Shape): string[] {
  const problems: string[] = []
  for (const [path, types] of observed) {
    const doc = documented.get(path)
    // An empty list, or null in place of a record, stands for documented keys below it.
    const below = [...documented.keys()].some((p) => p.startsWith(`${path}[]`) || p.startsWith(`${path}.`))
    for (const t of types) {
      if (doc?.has(t)) continue
      if (doc === undefined && below && (t === '[]' || t === 'null' || t === 'object')) continue
      if (t === '[]' && doc && [...doc].some((d) => d.endsWith('[]'))) continue
      problems.push(doc ? `${path}: ${t}, documented as ${[...doc].join('|')}` : `${path}: printed, not documented`)
    }
  }
  return problems
}
