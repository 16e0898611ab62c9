import {existsSync, realpathSync} from 'node:fs'
import {resolve} from 'node:path'

import {ExitCode, StoreUnavailableError, UsageError, ViolinError} from '../errors.js'
import {openStore, openStoreAt, storeLocation} from '../store/open.js'
import {type Doc, DOCS, type DocSpec, LOGS, type LogName, type Store, type StoreStatus} from '../store/store.js'
import {displayUrl, parseStoreUrl, type StoreLocation} from '../store/url.js'

export interface StoreStatusReport extends StoreStatus {
  /** Where the store URL came from: VIOLIN_STORE, the config file, or "default" (the files). */
  from: string
  healthy: boolean
}

/**
 * The store in force and the health of each member. A cluster of which no member answers
 * with a leader is unreachable (exit 5), not a partial answer: nothing can be read or written.
 */
export async function storeStatus(): Promise<StoreStatusReport> {
  const {from} = storeLocation()
  const store = await openStore()
  const status = await store.status().catch((error: unknown) => {
    // Its usual hint is this very command: say where the URL came from instead.
    if (error instanceof StoreUnavailableError)
      Object.assign(error, {
        hint: `check the store URL (from ${from}), and that etcd runs there; VIOLIN_STORE_TIMEOUT=SECONDS waits longer`,
      })
    throw error
  })
  if (status.members.length > 0 && status.members.every((m) => !m.healthy)) {
    const detail = status.members.map((m) => `${m.name || '(unstarted)'} ${m.endpoint}: ${m.error ?? 'unhealthy'}`).join('; ')
    throw new StoreUnavailableError(status.members.map((m) => m.endpoint).join(','), `no member is healthy (${detail})`)
  }
  return {...status, from, healthy: status.members.every((m) => m.healthy)}
}

export interface CopyReport {
  from: string
  to: string
  /** Documents copied, by name; a document the source does not have is not listed. */
  documents: string[]
  /** Records copied, per log. */
  logs: Record<LogName, number>
  /** With --force: what the target held before, now replaced. */
  replaced: string[]
  /** Lines of the source's logs that are not JSON (a line torn by a crash as it was written): not copied. */
  skipped: Record<LogName, number>
}

/** What a store holds: its non-empty documents and logs. */
async function contents(store: Store): Promise<{docs: Map<string, Doc>; logs: Map<LogName, string[]>}> {
  const docs = new Map<string, Doc>()
  for (const spec of Object.values(DOCS)) {
    const value = await store.read(spec)
    if (value !== undefined) docs.set(spec.name, value)
  }
  const logs = new Map<LogName, string[]>()
  for (const log of LOGS)
    logs.set(
      log,
      (await store.readLog(log)).map((r) => r.text),
    )
  return {docs, logs}
}

function describe(held: {docs: Map<string, Doc>; logs: Map<LogName, string[]>}): string[] {
  return [
    ...held.docs.keys(),
    ...[...held.logs]
      .filter(([, lines]) => lines.length > 0)
      .map(([log, lines]) => `${lines.length} ${log} record${lines.length === 1 ? '' : 's'}`),
  ]
}

/** JSON with sorted keys, collections present even when empty: how two backends' reads of one document compare. */
function canonical(spec: DocSpec, doc: Doc | undefined): string {
  if (doc === undefined) return 'absent'
  const filled: Doc = {...doc}
  for (const c of spec.collections) filled[c] ??= {}
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v
  return JSON.stringify(sort(filled))
}

/**
 * Whether writing `b` could change `a`: the same directories (either way round), or etcd
 * prefixes on a shared endpoint where one holds the other (PREFIX/sim is the source's own
 * simulated part).
 */
function overlaps(a: StoreLocation, b: StoreLocation): boolean {
  const real = (dir: string) => (existsSync(dir) ? realpathSync(dir) : resolve(dir))
  if (a.kind === 'file' && b.kind === 'file') {
    const dirs = new Set([a.configDir, a.stateDir].map(real))
    return [b.configDir, b.stateDir].some((d) => dirs.has(real(d)))
  }
  if (a.kind === 'etcd' && b.kind === 'etcd') {
    const within = (x: string, y: string) => x === y || x.startsWith(`${y}/`)
    return a.endpoints.some((e) => b.endpoints.includes(e)) && (within(a.prefix, b.prefix) || within(b.prefix, a.prefix))
  }
  return false
}

/**
 * Copies every document and log of the store in force into the store at `to`, then reads
 * the target back and compares. The source is only read. Agents' samples (they expire)
 * and locks are not copied.
 */
export async function copyStore(options: {to: string; force: boolean}): Promise<CopyReport> {
  const {location: fromLocation} = storeLocation()
  const toLocation = parseStoreUrl(options.to, '--to')
  if (overlaps(fromLocation, toLocation)) {
    throw new UsageError(
      `--to ${displayUrl(toLocation)} is the store in force itself, or shares its directories or key prefix`,
      'name another store: file:///DIR of its own, or an etcd URL with a prefix apart from this one',
    )
  }
  const source = await openStore()
  const target = await openStoreAt(toLocation)
  try {
    const held = await contents(source)
    const there = describe(await contents(target))
    if (there.length > 0 && !options.force) {
      throw new ViolinError(
        `${target.url} is not empty: it holds ${there.join(', ')}`,
        ExitCode.usage,
        `copy into an empty store, or add --force to replace what it holds`,
      )
    }
    for (const spec of Object.values(DOCS)) {
      const value = held.docs.get(spec.name)
      if (value === undefined) await target.remove(spec)
      else await target.write(spec, value)
    }
    const skipped = Object.fromEntries(LOGS.map((log) => [log, 0])) as Record<LogName, number>
    for (const log of LOGS) {
      const records = held.logs.get(log)!.flatMap((line): object[] => {
        try {
          return [JSON.parse(line) as object]
        } catch {
          skipped[log]++
          return []
        }
      })
      held.logs.set(
        log,
        records.map((r) => JSON.stringify(r)),
      )
      await target.clearLog(log)
      await target.append(log, records)
    }
    await verify(held, target)
    return {
      from: source.url,
      to: target.url,
      documents: [...held.docs.keys()],
      logs: Object.fromEntries(LOGS.map((log) => [log, held.logs.get(log)!.length])) as Record<LogName, number>,
      replaced: there,
      skipped,
    }
  } finally {
    await target.close()
  }
}

/** Reads the target back: every document and log must equal the source's. */
async function verify(held: {docs: Map<string, Doc>; logs: Map<LogName, string[]>}, target: Store): Promise<void> {
  const differ: string[] = []
  for (const spec of Object.values(DOCS)) {
    if (canonical(spec, held.docs.get(spec.name)) !== canonical(spec, await target.read(spec)))
      differ.push(`document ${spec.name} (${target.where(spec)})`)
  }
  for (const log of LOGS) {
    const want = held.logs.get(log)!
    const got = (await target.readLog(log)).map(({text: line}) => {
      try {
        return JSON.stringify(JSON.parse(line))
      } catch {
        return line
      }
    })
    const first = want.findIndex((line, i) => got[i] !== line)
    if (first >= 0 || got.length !== want.length)
      differ.push(
        `log ${log} (${want.length} records copied, ${got.length} read back${first >= 0 ? `, first difference at record ${first + 1}` : ''})`,
      )
  }
  if (differ.length > 0)
    throw new ViolinError(
      `the copy in ${target.url} differs from the source: ${differ.join('; ')}`,
      ExitCode.failure,
      'run the copy again with --force; if it differs again, report it',
    )
}
