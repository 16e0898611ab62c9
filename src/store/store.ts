/**
 * Everything violin persists goes through a Store: files on this machine (the embedded
 * default) or an etcd cluster shared by several admin machines (VIOLIN_STORE=etcd://...).
 * Commands and services never touch the files or etcd themselves.
 */

/**
 * A JSON document: small fields, and collections (objects keyed by name) that etcd keeps
 * one key per entry, so a document of 10,000 hosts is never one oversized value.
 */
export interface DocSpec {
  readonly name: string
  readonly collections: readonly string[]
  /** The file backend keeps it beside the inventory (config) or with the measurements (state). */
  readonly home: 'config' | 'state'
}

export const DOCS = {
  inventory: {name: 'inventory', collections: ['hosts', 'vms', 'environments', 'rules'], home: 'config'},
  history: {name: 'history', collections: ['vms', 'hosts'], home: 'state'},
  calibration: {name: 'calibration', collections: [], home: 'state'},
  /** When the last adaptation pass ran, and where (adapt --once --min-gap). */
  passes: {name: 'passes', collections: [], home: 'state'},
  /** Actions announced before they start and not yet finished (see src/adapt/intents.ts). */
  intents: {name: 'intents', collections: ['open'], home: 'state'},
} as const satisfies Record<string, DocSpec>

export type Doc = Record<string, unknown>

/** Append-only record streams (JSON lines in the file backend). */
export type LogName = 'migrations' | 'commands' | 'actions'

export interface LogRecord {
  text: string
  where: string
  /** Its line in the file (the file store), for errors that name a line and column. */
  line?: number
}

export const LOGS: readonly LogName[] = ['migrations', 'commands', 'actions']

export interface StoreMember {
  name: string
  endpoint: string
  healthy: boolean
  leader?: boolean
  error?: string
}

export interface StoreStatus {
  backend: 'file' | 'etcd'
  url: string
  /** The etcd revision, or undefined for files. */
  revision?: string
  members: StoreMember[]
}

/** Who holds something (the pass lock, the leadership): "host pid N". */
export interface Holder {
  identity: string
  pid?: number
}

export interface Leadership {
  /** Aborted when leadership is lost (the lease expired, etcd unreachable). */
  readonly lost: AbortSignal
  resign(): Promise<void>
}

export interface Store {
  readonly backend: 'file' | 'etcd'
  /** Shown to people: no password. */
  readonly url: string
  /** Where a document lives (a path, or URL and key), for error messages. */
  where(doc: DocSpec): string
  read(doc: DocSpec): Promise<Doc | undefined>
  /**
   * Read, change, write, with no lost update: if another writer changed the document
   * in between, the change runs again on what it wrote. `change` may run more than once.
   */
  update<T>(doc: DocSpec, change: (current: Doc | undefined) => {value: Doc; result: T}): Promise<T>
  /** Writes a document whole, for a writer that holds the pass lock (the history). */
  write(doc: DocSpec, value: Doc): Promise<void>
  /** Removes a document whole (store copy --force onto a store that has one the source lacks). */
  remove(doc: DocSpec): Promise<void>
  append(log: LogName, records: readonly object[]): Promise<void>
  /** Where a log lives (a path, or URL and key prefix), for messages. */
  whereLog(log: LogName): string
  /** Empties a log (store copy --force onto a store with records of its own). */
  clearLog(log: LogName): Promise<void>
  /** The log's records as their JSON text, oldest first, each with where it is ("line 4", "key ..."). */
  readLog(log: LogName): Promise<LogRecord[]>
  /** One host's latest usage sample, gone by itself after ttlMs unless written again. */
  putSample(host: string, sample: object, ttlMs: number): Promise<void>
  /** Every fresh sample, in one read. */
  readSamples(): Promise<Map<string, unknown>>
  /**
   * etcd with auth: a user (with a new random password) whose only right is to read and
   * write this host's sample key. Absent from the file store.
   */
  agentUser?(host: string): Promise<{user: string; password: string; key: string}>
  /** One adaptation pass at a time across everyone sharing this store; PassLockedError names the holder. */
  lockPass(): Promise<() => Promise<void>>
  /**
   * Waits to lead (the foreground adapt loop); onStandby is told who leads while it waits.
   * The file backend leads at once or throws PassLockedError, as its pass lock does.
   */
  lead(options: {ttlS: number; signal: AbortSignal; onStandby: (leader: string | undefined) => void}): Promise<Leadership | undefined>
  /** Who leads now, if anyone. */
  leader(): Promise<string | undefined>
  /** The part of the store simulated runs use, apart from real measurements. */
  scope(name: 'sim'): Store
  status(): Promise<StoreStatus>
  close(): Promise<void>
}

/** "host pid N": how violin names itself to others sharing a store. */
export async function identity(): Promise<string> {
  const {hostname} = await import('node:os')
  return `${hostname()} pid ${process.pid}`
}
