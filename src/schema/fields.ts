/**
 * The building blocks of every file's schema. Each says, as its message, what it expects
 * ("a whole number from 1 to 65535"): the formatter prints it as `expected ...`. Each
 * remembers that phrase (`expects`), for a key that is missing altogether.
 */
import * as v from 'valibot'

import {BARE_SIZE, MAX_SIZE_MIB, parseSizeMiB, SIZE_PATTERN} from '../units.js'

type Expecting<S> = S & {expects: string}

export function expecting<S extends object>(schema: S, phrase: string): Expecting<S> {
  return Object.assign(schema, {expects: phrase})
}

/**
 * valibot's objects take an array too (typeof [] is 'object'): a list where a mapping
 * belongs is refused as what it is, not as a mapping that lacks its keys.
 */
function refusingLists<S extends v.GenericSchema>(schema: S): S {
  const run = schema['~run'].bind(schema)
  const own = schema as unknown as {'~run': typeof run}
  own['~run'] = (dataset, config) => {
    if (!Array.isArray(dataset.value)) return run(dataset, config)
    v._addIssue(schema, 'type', dataset, config)
    return dataset as unknown as ReturnType<typeof run>
  }
  return schema
}

/** A mapping with exactly these keys: any other is an error naming it (a typo is never ignored). */
export function mapping<E extends v.ObjectEntries>(entries: E, what = 'a mapping') {
  const keys = Object.keys(entries).join(', ')
  return expecting(
    refusingLists(
      v.strictObject(entries, (issue) => {
        if (issue.expected === 'never') return `a known key (${keys})`
        const key = issue.path?.at(-1)?.key as string | undefined
        if (issue.expected?.startsWith('"') && key !== undefined)
          return (entries[key] as {expects?: string} | undefined)?.expects ?? 'a value'
        return what
      }),
    ),
    what,
  )
}

/**
 * A record violin writes itself (the inventory, the history): these keys are checked, and
 * keys it does not know are kept as they are (written by a newer violin).
 */
export function record<E extends v.ObjectEntries>(entries: E, what = 'an object') {
  return expecting(
    refusingLists(
      v.looseObject(entries, (issue) => {
        const key = issue.path?.at(-1)?.key as string | undefined
        if (issue.expected?.startsWith('"') && key !== undefined)
          return (entries[key] as {expects?: string} | undefined)?.expects ?? 'a value'
        return what
      }),
    ),
    what,
  )
}

/**
 * A mapping keyed by names (the inventory's hosts): each value checked, no key refused.
 * valibot's record passes over "__proto__" and "constructor"; a VM may be called that, so
 * every own key is checked and kept (in an object without a prototype).
 */
export function byName<S extends v.GenericSchema>(value: S, what: string) {
  const schema = v.record(v.string(), value, what)
  const own = schema as unknown as {'~run': (typeof schema)['~run']}
  own['~run'] = (dataset, config) => {
    const input = dataset.value
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      v._addIssue(schema, 'type', dataset, config)
      return dataset as unknown as ReturnType<(typeof schema)['~run']>
    }
    const out = Object.create(null) as Record<string, unknown>
    const issues: v.BaseIssue<unknown>[] = []
    let typed = true
    for (const [key, item] of Object.entries(input)) {
      const checked = value['~run']({value: item}, config)
      if (checked.issues) {
        const step = {type: 'record', origin: 'value', input, key, value: item} as unknown as v.IssuePathItem
        for (const issue of checked.issues) {
          ;(issue as {path?: v.IssuePathItem[]}).path = [step, ...(issue.path ?? [])]
          issues.push(issue)
        }
        if (!checked.typed) typed = false
        if (config.abortEarly) break
      }
      out[key] = checked.value
    }
    return {typed, value: out, ...(issues.length > 0 ? {issues} : {})} as unknown as ReturnType<(typeof schema)['~run']>
  }
  return expecting(schema, what)
}

export function text(what = 'a non-empty string') {
  return expecting(
    v.pipe(
      v.string(what),
      v.check((s) => s.trim() !== '', what),
    ),
    what,
  )
}

export function matching(pattern: RegExp, what: string) {
  return expecting(v.pipe(v.string(what), v.regex(pattern, what)), what)
}

export function absolutePath(what = 'an absolute path on the hosts') {
  return matching(/^\//, what)
}

export function oneOf<const T extends readonly string[]>(values: T, what = `one of ${values.join(', ')}`) {
  return expecting(v.picklist(values, what), what)
}

export function flag(what = 'true or false') {
  return expecting(v.boolean(what), what)
}

/** A number; bounds inclusive unless `above` (exclusive); `whole` for integers. */
export function number(what: string, bounds: {min?: number; max?: number; above?: number; whole?: boolean} = {}) {
  let schema: v.GenericSchema<number> = v.pipe(v.number(what), v.finite(what))
  if (bounds.whole) schema = v.pipe(schema, v.integer(what))
  if (bounds.min !== undefined) schema = v.pipe(schema, v.minValue(bounds.min, what))
  if (bounds.above !== undefined) schema = v.pipe(schema, v.gtValue(bounds.above, what))
  if (bounds.max !== undefined) schema = v.pipe(schema, v.maxValue(bounds.max, what))
  return expecting(schema, what)
}

export const positiveWhole = (what = 'a positive whole number') => number(what, {min: 1, whole: true})

export function list<S extends v.GenericSchema>(item: S, what: string, minItems = 0) {
  return expecting(minItems > 0 ? v.pipe(v.array(item, what), v.minLength(minItems, what)) : v.array(item, what), what)
}

const SIZE = `a size like 512M or 2GiB (${BARE_SIZE})`

/**
 * A size, read by parseSizeMiB as every size flag is: a number (MiB) or text with a unit.
 * Its output is MiB. The JSON Schema has the same grammar (the pattern) for editors.
 */
export function size(what = SIZE) {
  return expecting(
    v.pipe(
      v.union([v.number(what), v.pipe(v.string(what), v.regex(SIZE_PATTERN, what))], what),
      v.description(`A size: a number with a unit (512M, 768MiB, 2GiB, 1.5G; M, G are binary, MB, GB decimal); ${BARE_SIZE}.`),
      v.rawTransform(({dataset, addIssue, NEVER}) => {
        try {
          return parseSizeMiB(String(dataset.value))
        } catch {
          addIssue({message: `a size above 0 and at most ${MAX_SIZE_MIB / 1024 ** 3} PiB`})
          return NEVER
        }
      }),
    ),
    what,
  )
}
