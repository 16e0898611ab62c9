import type {Action} from '../policy/cluster-view.js'

/**
 * The adaptation loop's printed lines, for a sysadmin reading them (or a cron mail): one
 * line per decision, under LINE_MAX characters; the whole reasons and notes are in --json.
 */
export const LINE_MAX = 160

/** A pass's time to the second: the loop measures over seconds, not milliseconds. */
export function stamp(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const predicted = (ms: number | undefined) => (ms === undefined ? '' : `~${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s predicted`)

/** What an action does and to what, with no figures: how its outcome names it. */
export function subject(a: Action): string {
  switch (a.kind) {
    case 'set-shares':
    case 'set-memory':
      return `${a.kind} ${a.vm} on ${a.host}`
    case 'migrate':
      return `migrate ${a.vm}: ${a.from} -> ${a.to}`
    case 'migrate-environment':
      return `migrate-environment ${a.environment}: ${a.fromSite} -> ${a.toSite}`
  }
}

/** The action with its figures; an environment's VM by VM moves are in --json. */
export function describe(a: Action): string {
  switch (a.kind) {
    case 'set-shares':
      return `${subject(a)}: ${a.from} -> ${a.to}`
    case 'set-memory':
      return `${subject(a)}: ${a.fromMiB} -> ${a.toMiB} MiB`
    case 'migrate':
      return `${subject(a)}${a.predictedMs === undefined ? '' : `, ${predicted(a.predictedMs)}`}`
    case 'migrate-environment':
      return `${subject(a)} (${a.moves.length} VM${a.moves.length === 1 ? '' : 's'}${a.predictedMs === undefined ? '' : `, ${predicted(a.predictedMs)}`})`
  }
}

/**
 * `head` then `text`, within max characters: a policy's reason is clauses joined by "; "
 * (the cause, with its figures, first), so whole clauses are kept while they fit; the rest
 * becomes " …".
 */
export function fitLine(head: string, text: string, max = LINE_MAX): string {
  if (head.length + text.length <= max) return head + text
  const room = max - head.length - 2
  const clauses = text.split('; ')
  let kept = ''
  for (const c of clauses) {
    const next = kept ? `${kept}; ${c}` : c
    if (next.length > room) break
    kept = next
  }
  if (!kept) {
    const cut = text.slice(0, Math.max(0, room))
    kept = cut.includes(' ') ? cut.slice(0, cut.lastIndexOf(' ')) : cut
  }
  return `${head}${kept} …`
}

/**
 * Notes that say one thing of several hosts ("d1-h1 is hot (...)", "d1-h2 is hot (...)")
 * become one: "d1-h1, d1-h2 and 8 more hosts: is hot (...)". Order is kept.
 */
export function groupNotes(notes: readonly string[], hosts: ReadonlySet<string>): string[] {
  const groups = new Map<string, string[]>()
  const order: string[] = []
  for (const n of notes) {
    const space = n.indexOf(' ')
    const first = space > 0 ? n.slice(0, space) : ''
    const key = hosts.has(first) ? n.slice(space + 1) : `\0${n}`
    const names = groups.get(key)
    if (names) names.push(first)
    else {
      groups.set(key, [first])
      order.push(key)
    }
  }
  return order.map((key) => {
    const names = groups.get(key)!
    if (key.startsWith('\0')) return key.slice(1)
    if (names.length === 1) return `${names[0]} ${key}`
    const shown = names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more hosts`
    return `${shown}: ${key}`
  })
}
