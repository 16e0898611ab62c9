import {readFileSync} from 'node:fs'
import type {Etcd3, IOptions, Lease, Namespace} from 'etcd3'

import {ExitCode, PassLockedError, StoreUnavailableError, UsageError, ViolinError} from '../errors.js'
import {type Doc, type DocSpec, identity, type Leadership, type LogName, type LogRecord, type Store, type StoreMember, type StoreStatus} from './store.js'
import {displayUrl, type EtcdLocation} from './url.js'

/** Operations per batch of a write or append: under etcd's default --max-txn-ops of 128. */
const MAX_TXN_OPS = 120
/** Tries of a read-change-write before giving up (each retry means someone else wrote in between). */
const UPDATE_TRIES = 50
const MARKER = '_rev'
const WRITE_BATCHES_IN_FLIGHT = 8
/** How long the pass lock outlives a holder that died without releasing it. */
const PASS_LOCK_TTL_S = 30

/**
 * The store in etcd. Keys live under PREFIX/: docs/NAME/FIELD (a small field) and
 * docs/NAME/COLLECTION/ENTRY (one key per host, VM, environment...), docs/NAME/_rev (the
 * document's revision marker: every update is a transaction on the marker's revision it
 * read), logs/NAME/TIME-ID, samples/HOST (bound to the agent's lease), lock/adapt (the
 * pass lock, bound to its holder's lease), leader/ (the election).
 */
export class EtcdStore implements Store {
  readonly backend = 'etcd'
  private sampleLease?: {lease: Lease; ttlS: number}
  private appended = 0

  private constructor(
    private readonly client: Etcd3,
    private readonly location: EtcdLocation,
    /** Every key's prefix, ending in "/". */
    private readonly root: string,
    private readonly timeoutMs: number,
    private readonly owner: boolean,
  ) {}

  static async open(location: EtcdLocation, timeoutMs: number): Promise<EtcdStore> {
    const {Etcd3} = await import('etcd3')
    const options: IOptions = {
      hosts: location.endpoints.map((e) => `${location.tls ? 'https' : 'http'}://${e}`),
      dialTimeout: timeoutMs,
      defaultCallOptions: (context) => (context.isStream ? {} : {deadline: Date.now() + timeoutMs}),
    }
    if (location.tls) options.credentials = tlsCredentials()
    const user = location.user ?? process.env.VIOLIN_ETCD_USER
    const password = location.password ?? process.env.VIOLIN_ETCD_PASSWORD
    if (user) {
      if (password === undefined) throw new UsageError(`etcd user "${user}" has no password`, 'give it in the URL (etcd://USER:PASSWORD@HOST:PORT/PREFIX) or in VIOLIN_ETCD_PASSWORD')
      options.auth = {username: user, password, callOptions: {deadline: Date.now() + timeoutMs}}
    }
    const client = new Etcd3(options)
    return new EtcdStore(client, location, `${location.prefix}/`, timeoutMs, true)
  }

  get url(): string {
    return displayUrl(this.location)
  }

  where(doc: DocSpec): string {
    return `${this.url} key ${this.docPrefix(doc)}`
  }

  /**
   * Runs one etcd exchange within the timeout; every failure is a StoreUnavailableError
   * naming the endpoints (exit 5), never a hang and never a fall-back to local files.
   */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timed out'), {timedOut: true})), this.timeoutMs + 500)
    })
    try {
      return await Promise.race([run(), timeout])
    } catch (error) {
      if (error instanceof ViolinError) throw error
      throw this.explain(what, error as Error & {timedOut?: boolean})
    } finally {
      clearTimeout(timer)
    }
  }

  private explain(what: string, error: Error & {timedOut?: boolean}): StoreUnavailableError {
    const endpoints = this.location.endpoints.join(',')
    const message = error.message.replace(/\s+/g, ' ').trim()
    if (/too many operations in txn/i.test(message)) {
      return new StoreUnavailableError(endpoints, `${what}: ${message}: one change touched more keys than this etcd takes in one transaction (its --max-txn-ops, 128 by default); raise it, or make the change in smaller steps`, ExitCode.failure)
    }
    let detail: string
    if (error.timedOut || /deadline|timed out|timeout/i.test(message)) detail = `did not answer within ${Math.round(this.timeoutMs / 1000)} s (down, unreachable, or without a quorum of its members)`
    else if (/authentication failed|invalid auth|user name is empty|auth: /i.test(message) || error.name === 'EtcdAuthenticationFailedError') detail = `refused the credentials of "${this.location.user ?? process.env.VIOLIN_ETCD_USER ?? ''}" (${message})`
    else if (error.name === 'EtcdPermissionDeniedError' || /permission denied/i.test(message)) detail = `denied permission (${message})`
    else if (/ssl|tls|certificate|handshake|wrong version number/i.test(message)) detail = `TLS failed (${message})`
    else if (/ECONNREFUSED|No connection established|UNAVAILABLE|connect/i.test(message)) detail = `cannot connect (${/\b(E[A-Z]+ \S+?)\.?(?:\s|$)/.exec(message)?.[1] ?? message})`
    else detail = message
    return new StoreUnavailableError(endpoints, `${what}: ${detail}`)
  }

  private docPrefix(doc: DocSpec): string {
    return `${this.root}docs/${doc.name}/`
  }

  private async readEntries(doc: DocSpec): Promise<{entries: Map<string, string>; markerRevision: string}> {
    const prefix = this.docPrefix(doc)
    const response = await this.call(`reading ${doc.name}`, () => this.client.getAll().prefix(prefix).exec())
    const entries = new Map<string, string>()
    let markerRevision = '0'
    for (const kv of response.kvs) {
      const key = kv.key.toString().slice(prefix.length)
      if (key === MARKER) markerRevision = kv.mod_revision
      else entries.set(key, kv.value.toString())
    }
    return {entries, markerRevision}
  }

  private assemble(doc: DocSpec, entries: Map<string, string>, exists: boolean): Doc | undefined {
    if (!exists && entries.size === 0) return undefined
    const value: Doc = {}
    // Without a prototype: an entry named "__proto__" is an entry like any other.
    for (const c of doc.collections) value[c] = Object.create(null) as Record<string, unknown>
    for (const [key, text] of entries) {
      const slash = key.indexOf('/')
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new StoreUnavailableError(this.location.endpoints.join(','), `${this.url} key ${this.docPrefix(doc)}${key} is not JSON: written by something other than violin`, ExitCode.config)
      }
      if (slash >= 0 && doc.collections.includes(key.slice(0, slash))) (value[key.slice(0, slash)] as Record<string, unknown>)[decodeURIComponent(key.slice(slash + 1))] = parsed
      else value[key] = parsed
    }
    return value
  }

  private flatten(doc: DocSpec, value: Doc): Map<string, string> {
    const out = new Map<string, string>()
    for (const [field, v] of Object.entries(value)) {
      if (doc.collections.includes(field) && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [name, entry] of Object.entries(v)) out.set(`${field}/${encodeURIComponent(name)}`, JSON.stringify(entry))
      } else if (v !== undefined) out.set(field, JSON.stringify(v))
    }
    return out
  }

  async read(doc: DocSpec): Promise<Doc | undefined> {
    const {entries, markerRevision} = await this.readEntries(doc)
    return this.assemble(doc, entries, markerRevision !== '0')
  }

  private changes(doc: DocSpec, before: Map<string, string>, after: Map<string, string>): {puts: Array<[string, string]>; deletes: string[]} {
    const prefix = this.docPrefix(doc)
    const puts = [...after].filter(([k, v]) => before.get(k) !== v).map(([k, v]): [string, string] => [prefix + k, v])
    const deletes = [...before.keys()].filter((k) => !after.has(k)).map((k) => prefix + k)
    return {puts, deletes}
  }

  async update<T>(doc: DocSpec, change: (current: Doc | undefined) => {value: Doc; result: T}): Promise<T> {
    for (let attempt = 1; attempt <= UPDATE_TRIES; attempt++) {
      const {entries, markerRevision} = await this.readEntries(doc)
      const {value, result} = change(this.assemble(doc, entries, markerRevision !== '0'))
      const {puts, deletes} = this.changes(doc, entries, this.flatten(doc, value))
      const marker = this.docPrefix(doc) + MARKER
      const ops = [...puts.map(([k, v]) => this.client.put(k).value(v)), ...deletes.map((k) => this.client.delete().key(k)), this.client.put(marker).value(String(Date.now()))]
      const committed = await this.call(`writing ${doc.name}`, () =>
        this.client
          .if(marker, 'Mod', '==', Number(markerRevision))
          .then(...ops)
          .commit(),
      )
      if (committed.succeeded) return result
      // Someone else wrote since our read: run the change again on what they wrote.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt))
    }
    throw new ViolinError(`${this.url}: ${doc.name} kept changing under this update (${UPDATE_TRIES} tries)`, ExitCode.failure, 'try again')
  }

  /** Not one transaction: written in batches by the pass holder only (the history of 10,000 hosts is more than one). */
  async write(doc: DocSpec, value: Doc): Promise<void> {
    const {entries} = await this.readEntries(doc)
    const {puts, deletes} = this.changes(doc, entries, this.flatten(doc, value))
    const ops = [...puts.map(([k, v]) => () => this.client.put(k).value(v)), ...deletes.map((k) => () => this.client.delete().key(k))]
    const batches: Array<typeof ops> = []
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) batches.push(ops.slice(i, i + MAX_TXN_OPS))
    // A few batches in flight: the history of 10,000 hosts is about 900 of them.
    const next = async (): Promise<void> => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const b = batch.map((op) => op())
        // A transaction whose condition always holds: etcd3's way to send many operations at once.
        await this.call(`writing ${doc.name}`, () => this.client.if(this.docPrefix(doc) + MARKER, 'Mod', '>', -1).then(...b).commit())
      }
    }
    await Promise.all(Array.from({length: WRITE_BATCHES_IN_FLIGHT}, next))
    await this.call(`writing ${doc.name}`, () => this.client.put(this.docPrefix(doc) + MARKER).value(String(Date.now())).exec())
  }

  async append(log: LogName, records: readonly object[]): Promise<void> {
    const stamp = String(Date.now()).padStart(15, '0')
    const keys = records.map((r) => [`${this.root}logs/${log}/${stamp}-${process.pid}-${String(++this.appended).padStart(6, '0')}`, JSON.stringify(r)] as const)
    for (let i = 0; i < keys.length; i += MAX_TXN_OPS) {
      const batch = keys.slice(i, i + MAX_TXN_OPS).map(([k, v]) => this.client.put(k).value(v))
      await this.call(`appending to ${log}`, () => this.client.if(`${this.root}logs/${log}/`, 'Mod', '>', -1).then(...batch).commit())
    }
  }

  whereLog(log: LogName): string {
    return `${this.url} key ${this.root}logs/${log}/`
  }

  async readLog(log: LogName): Promise<LogRecord[]> {
    const response = await this.call(`reading ${log}`, () => this.client.getAll().prefix(`${this.root}logs/${log}/`).sort('Key', 'Ascend').exec())
    return response.kvs.map((kv) => ({text: kv.value.toString(), where: `key ${kv.key.toString()}`}))
  }

  /** The agent's lease: granted once, kept alive by each sample; a new one if it was lost. */
  async putSample(host: string, sample: object, ttlMs: number): Promise<void> {
    const ttlS = Math.max(2, Math.ceil(ttlMs / 1000))
    await this.call(`writing the sample of ${host}`, async () => {
      if (this.sampleLease && this.sampleLease.ttlS === ttlS) {
        await this.sampleLease.lease.keepaliveOnce().catch(() => {
          this.sampleLease = undefined
        })
      }
      if (!this.sampleLease || this.sampleLease.lease.revoked()) {
        const lease = this.client.lease(ttlS, {autoKeepAlive: false})
        lease.on('lost', () => undefined)
        await lease.grant()
        this.sampleLease = {lease, ttlS}
      }
      await this.sampleLease.lease.put(`${this.root}samples/${host}`).value(JSON.stringify(sample))
    })
  }

  async readSamples(): Promise<Map<string, unknown>> {
    const prefix = `${this.root}samples/`
    const response = await this.call('reading the agents\' samples', () => this.client.getAll().prefix(prefix).exec())
    const out = new Map<string, unknown>()
    for (const kv of response.kvs) {
      const host = kv.key.toString().slice(prefix.length)
      try {
        out.set(host, JSON.parse(kv.value.toString()))
      } catch {
        out.set(host, new Error(`its agent's sample at ${prefix}${host} is not JSON`))
      }
    }
    return out
  }

  /** A key created only if absent, bound to a lease of this process: when it dies, the lock goes with the lease. */
  async lockPass(): Promise<() => Promise<void>> {
    const key = `${this.root}lock/adapt`
    const me = await identity()
    const lease = this.client.lease(PASS_LOCK_TTL_S)
    lease.on('lost', () => undefined)
    const leaseId = await this.call('taking the pass lock', () => lease.grant())
    const result = await this.call('taking the pass lock', () =>
      this.client
        .if(key, 'Create', '==', 0)
        .then(this.client.put(key).value(me).lease(leaseId))
        .else(this.client.get(key))
        .commit(),
    )
    if (!result.succeeded) {
      await lease.revoke().catch(() => undefined)
      const holder = result.responses[0]?.response_range?.kvs[0]?.value.toString()
      throw new PassLockedError(holder, `${this.url} key ${key}`)
    }
    return async () => {
      await lease.revoke().catch(() => undefined)
    }
  }

  private election(ttlS: number) {
    return (this.client as unknown as Namespace).namespace(this.root).election('leader', ttlS)
  }

  async lead(options: {ttlS: number; signal: AbortSignal; onStandby: (leader: string | undefined) => void}): Promise<Leadership | undefined> {
    const election = this.election(options.ttlS)
    const me = await identity()
    const campaign = election.campaign(me)
    const lost = new AbortController()
    const observer = await this.call('watching the leadership', () => election.observe()).catch(() => undefined)
    observer?.on('change', (leader) => {
      if (leader !== me) options.onStandby(leader)
    })
    observer?.on('error', () => undefined)
    const current = observer?.leader()
    if (current && current !== me) options.onStandby(current)
    const elected = await new Promise<boolean>((resolve, reject) => {
      campaign.on('elected', () => resolve(true))
      campaign.on('error', (error) => reject(this.explain('campaigning to lead', error)))
      options.signal.addEventListener('abort', () => resolve(false), {once: true})
    }).finally(() => observer?.cancel().catch(() => undefined))
    campaign.removeAllListeners('error')
    campaign.on('error', () => lost.abort(new StoreUnavailableError(this.location.endpoints.join(','), 'leadership lost: the lease expired or etcd stopped answering')))
    if (!elected) {
      await campaign.resign().catch(() => undefined)
      return undefined
    }
    return {lost: lost.signal, resign: () => campaign.resign().catch(() => undefined)}
  }

  async leader(): Promise<string | undefined> {
    return this.call('reading the leadership', () => this.election(10).leader())
  }

  scope(name: 'sim'): Store {
    return new EtcdStore(this.client, this.location, `${this.root}${name}/`, this.timeoutMs, false)
  }

  async status(): Promise<StoreStatus> {
    const {Etcd3} = await import('etcd3')
    const list = await this.call('listing the members', () => this.client.cluster.memberList({}))
    const members: StoreMember[] = []
    let revision: string | undefined
    for (const m of list.members) {
      const endpoint = (m.clientURLs[0] ?? '').replace(/^https?:\/\//, '')
      const one = new Etcd3({hosts: m.clientURLs, ...(this.location.tls ? {credentials: tlsCredentials()} : {}), dialTimeout: 2000, defaultCallOptions: () => ({deadline: Date.now() + 2000})})
      try {
        const s = await Promise.race([one.maintenance.status(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('did not answer within 2.5 s')), 2500).unref())])
        revision = revision === undefined || BigInt(s.header.revision) > BigInt(revision) ? s.header.revision : revision
        members.push({name: m.name, endpoint, healthy: true, leader: s.leader === m.ID})
      } catch (error) {
        members.push({name: m.name, endpoint, healthy: false, error: (error as Error).message.split('\n')[0]})
      } finally {
        one.close()
      }
    }
    return {backend: 'etcd', url: this.url, revision, members}
  }

  async close(): Promise<void> {
    if (!this.owner) return
    this.sampleLease?.lease.release()
    this.client.close()
  }
}

/** TLS from VIOLIN_ETCD_CA, VIOLIN_ETCD_CERT and VIOLIN_ETCD_KEY (files). */
function tlsCredentials(): NonNullable<IOptions['credentials']> {
  const file = (name: string): Buffer | undefined => {
    const path = process.env[name]
    if (!path) return undefined
    try {
      return readFileSync(path)
    } catch (error) {
      throw new UsageError(`${name}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const ca = file('VIOLIN_ETCD_CA')
  const cert = file('VIOLIN_ETCD_CERT')
  const key = file('VIOLIN_ETCD_KEY')
  if (Boolean(cert) !== Boolean(key)) throw new UsageError('VIOLIN_ETCD_CERT and VIOLIN_ETCD_KEY go together (a client certificate and its key)')
  if (!ca) throw new UsageError('etcds:// needs VIOLIN_ETCD_CA: the certificate of the CA that signed the etcd members\' certificates')
  return {rootCertificate: ca, ...(cert && key ? {certChain: cert, privateKey: key} : {})}
}
