import {readFileSync} from 'node:fs'
import type {Etcd3, IOptions, Lease, Namespace} from 'etcd3'

import {ExitCode, PassLockedError, StoreUnavailableError, UsageError, ViolinError} from '../errors.js'
import {
  type Doc,
  type DocSpec,
  identity,
  type Leadership,
  type LogName,
  type LogRecord,
  type Store,
  type StoreMember,
  type StoreStatus,
} from './store.js'
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
  private readonly sampleLeases = new Map<string, {lease: Lease; ttlS: number}>()
  private appended = 0

  private constructor(
    private readonly client: Etcd3,
    private readonly location: EtcdLocation,
    /** Every key's prefix, ending in "/". */
    private readonly root: string,
    private readonly timeoutMs: number,
    private readonly owner: boolean,
    /** Campaigns and observers still open (shared with the scoped views): close() ends them, or the process would not exit. */
    private readonly closers: Set<() => Promise<void>> = new Set(),
  ) {}

  static async open(location: EtcdLocation, timeoutMs: number): Promise<EtcdStore> {
    const {Etcd3} = await import('etcd3')
    const client = new Etcd3(clientOptions(location, timeoutMs))
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
    const start = Date.now()
    try {
      return await Promise.race([run(), timeout])
    } catch (error) {
      if (error instanceof ViolinError) throw error
      // At the deadline gRPC reports the last endpoint it tried ("connection refused" from a
      // stopped member) although the live ones are what failed to answer: without a quorum.
      if (Date.now() - start >= this.timeoutMs - 200) (error as {timedOut?: boolean}).timedOut = true
      throw this.explain(what, error as Error & {timedOut?: boolean})
    } finally {
      clearTimeout(timer)
    }
  }

  private explain(what: string, error: Error & {timedOut?: boolean}): StoreUnavailableError {
    const endpoints = this.location.endpoints.join(',')
    const message = error.message
      .replace(/\s+/g, ' ')
      .replace(/^\d+ [A-Z_]+: /, '')
      .replace(/No connection established\. Last error: (Error: )?/, '')
      .replace(/\.? Resolution note:.*$/, '')
      .trim()
    if (/too many operations in txn/i.test(message)) {
      return new StoreUnavailableError(
        endpoints,
        `${what}: ${message}: one change touched more keys than this etcd takes in one transaction (its --max-txn-ops, 128 by default); raise it, or make the change in smaller steps`,
        ExitCode.failure,
      )
    }
    let detail: string
    if (error.timedOut || /deadline|timed out|timeout/i.test(message))
      detail = `did not answer within ${Math.round(this.timeoutMs / 1000)} s (down, unreachable, or without a quorum of its members)`
    else if (
      /authentication failed|invalid auth|user name is empty|auth: /i.test(message) ||
      error.name === 'EtcdAuthenticationFailedError'
    )
      detail = `refused the credentials of "${this.location.user ?? process.env.VIOLIN_ETCD_USER ?? ''}" (${message})`
    else if (error.name === 'EtcdPermissionDeniedError' || /permission denied/i.test(message)) detail = `denied permission (${message})`
    else if (/ssl|tls|certificate|handshake|wrong version number/i.test(message)) detail = `TLS failed (${message})`
    else if (/ECONNREFUSED|No connection established|UNAVAILABLE|connect/i.test(message))
      detail = `cannot connect (${/\b(E[A-Z]+ \S+?)\.?(?:\s|$)/.exec(message)?.[1] ?? message})`
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
        throw new StoreUnavailableError(
          this.location.endpoints.join(','),
          `${this.url} key ${this.docPrefix(doc)}${key} is not JSON: written by something other than violin`,
          ExitCode.config,
        )
      }
      if (slash >= 0 && doc.collections.includes(key.slice(0, slash)))
        setOwn(value[key.slice(0, slash)] as Record<string, unknown>, decodeURIComponent(key.slice(slash + 1)), parsed)
      else setOwn(value, key, parsed)
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

  private changes(
    doc: DocSpec,
    before: Map<string, string>,
    after: Map<string, string>,
  ): {puts: Array<[string, string]>; deletes: string[]} {
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
      const ops = [
        ...puts.map(([k, v]) => this.client.put(k).value(v)),
        ...deletes.map((k) => this.client.delete().key(k)),
        this.client.put(marker).value(String(Date.now())),
      ]
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
    const ops = [
      ...puts.map(
        ([k, v]) =>
          () =>
            this.client.put(k).value(v),
      ),
      ...deletes.map((k) => () => this.client.delete().key(k)),
    ]
    const batches: Array<typeof ops> = []
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) batches.push(ops.slice(i, i + MAX_TXN_OPS))
    // A few batches in flight: the history of 10,000 hosts is about 900 of them.
    const next = async (): Promise<void> => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const b = batch.map((op) => op())
        // A transaction whose condition always holds: etcd3's way to send many operations at once.
        await this.call(`writing ${doc.name}`, () =>
          this.client
            .if(this.docPrefix(doc) + MARKER, 'Mod', '>', -1)
            .then(...b)
            .commit(),
        )
      }
    }
    await Promise.all(Array.from({length: WRITE_BATCHES_IN_FLIGHT}, next))
    await this.call(`writing ${doc.name}`, () =>
      this.client
        .put(this.docPrefix(doc) + MARKER)
        .value(String(Date.now()))
        .exec(),
    )
  }

  async remove(doc: DocSpec): Promise<void> {
    await this.call(`removing ${doc.name}`, () => this.client.delete().prefix(this.docPrefix(doc)).exec())
  }

  async clearLog(log: LogName): Promise<void> {
    await this.call(`clearing ${log}`, () => this.client.delete().prefix(`${this.root}logs/${log}/`).exec())
  }

  async append(log: LogName, records: readonly object[]): Promise<void> {
    const stamp = String(Date.now()).padStart(15, '0')
    const keys = records.map(
      (r) => [`${this.root}logs/${log}/${stamp}-${process.pid}-${String(++this.appended).padStart(6, '0')}`, JSON.stringify(r)] as const,
    )
    for (let i = 0; i < keys.length; i += MAX_TXN_OPS) {
      const batch = keys.slice(i, i + MAX_TXN_OPS).map(([k, v]) => this.client.put(k).value(v))
      await this.call(`appending to ${log}`, () =>
        this.client
          .if(`${this.root}logs/${log}/`, 'Mod', '>', -1)
          .then(...batch)
          .commit(),
      )
    }
  }

  whereLog(log: LogName): string {
    return `${this.url} key ${this.root}logs/${log}/`
  }

  async readLog(log: LogName): Promise<LogRecord[]> {
    const response = await this.call(`reading ${log}`, () =>
      this.client.getAll().prefix(`${this.root}logs/${log}/`).sort('Key', 'Ascend').exec(),
    )
    return response.kvs.map((kv) => ({text: kv.value.toString(), where: `key ${kv.key.toString()}`}))
  }

  /**
   * Each host's sample has a lease of its own, granted once and kept alive by each sample
   * (a new one if it was lost): one process writing for several hosts (a test, the fleet
   * bench) keeps each key alive only as long as that host's samples come.
   */
  async putSample(host: string, sample: object, ttlMs: number): Promise<void> {
    const ttlS = Math.max(2, Math.ceil(ttlMs / 1000))
    const key = this.sampleKey(host)
    await this.call(`writing the sample of ${host}`, async () => {
      let held = this.sampleLeases.get(host)
      if (held && held.ttlS === ttlS) {
        await held.lease.keepaliveOnce().catch(() => {
          held = undefined
        })
      }
      if (!held || held.ttlS !== ttlS || held.lease.revoked()) {
        const lease = this.client.lease(ttlS, {autoKeepAlive: false})
        lease.on('lost', () => undefined)
        await lease.grant()
        held = {lease, ttlS}
        this.sampleLeases.set(host, held)
      }
      await held.lease.put(key).value(JSON.stringify(sample))
    })
  }

  /**
   * The one key a host's sample lives at. The name is URI-encoded: no "/" survives, so a
   * name cannot reach into another host's key or out of samples/ ("a/../b" is a%2F..%2Fb).
   */
  sampleKey(host: string): string {
    if (!host) throw new UsageError('a sample needs a host name')
    return `${this.root}samples/${encodeURIComponent(host)}`
  }

  /**
   * Credentials for one host's agent (etcd auth on): a role violin-agent-HOST that may read
   * and write exactly the key of that host's sample, and a user of the same name holding
   * only that role, with a new random password (set anew on each call: the old one stops
   * working). Run with the admin's credentials.
   */
  async agentUser(host: string): Promise<{user: string; password: string; key: string}> {
    const key = this.sampleKey(host)
    const name = `violin-agent-${encodeURIComponent(host)}`
    const {randomBytes} = await import('node:crypto')
    const password = randomBytes(24).toString('base64url')
    await this.call(`creating the etcd role ${name}`, async () => {
      const role = this.client.role(name)
      const exists = await role.permissions().then(
        () => true,
        (error: Error) => {
          if (/role name not found|not found/i.test(error.message)) return false
          throw error
        },
      )
      if (exists) {
        // Whatever it held before goes: the role grants this one key and nothing else.
        for (const p of await role.permissions()) await role.revoke(p)
      } else await role.create()
      await role.grant({permission: 'Readwrite', key})
      const user = this.client.user(name)
      const created = await user.create(password).then(
        () => true,
        (error: Error) => {
          if (/user name already exists|already exists/i.test(error.message)) return false
          throw error
        },
      )
      if (!created) {
        await user.setPassword(password)
        for (const r of await user.roles()) if (r.name !== name) await user.removeRole(r)
      }
      await user.addRole(role)
    })
    return {user: name, password, key}
  }

  async readSamples(): Promise<Map<string, unknown>> {
    const prefix = `${this.root}samples/`
    const response = await this.call("reading the agents' samples", () => this.client.getAll().prefix(prefix).exec())
    const out = new Map<string, unknown>()
    for (const kv of response.kvs) {
      const key = kv.key.toString().slice(prefix.length)
      let host: string
      try {
        host = decodeURIComponent(key)
      } catch {
        continue // not a key violin writes
      }
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
      this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(me).lease(leaseId)).else(this.client.get(key)).commit(),
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

  async lead(options: {
    ttlS: number
    signal: AbortSignal
    onStandby: (leader: string | undefined) => void
  }): Promise<Leadership | undefined> {
    const election = this.election(options.ttlS)
    const me = await identity()
    const campaign = election.campaign(me)
    const lost = new AbortController()
    const resign = async (): Promise<void> => {
      this.closers.delete(resign)
      await campaign.resign().catch(() => undefined)
      await endWatches(election)
    }
    this.closers.add(resign)
    // Listened to at once: the campaign may be elected before the observer below is set up.
    const elected = new Promise<boolean>((resolve, reject) => {
      campaign.once('elected', () => resolve(true))
      campaign.on('error', (error) => reject(this.explain('campaigning to lead', error)))
      options.signal.addEventListener('abort', () => resolve(false), {once: true})
    })
    // Who leads while this one waits. The observer's events only say "look again": when two
    // campaigns start together it can name the later one (etcd3 takes the last put of a
    // batch), so the leader is read each time (the oldest key of the election), and every
    // half lease as well, in case an event is missed. Stopped once elected, stopped or closed.
    let settled = false
    let looks = 0
    let answered = 0
    const look = async (): Promise<void> => {
      const mine = ++looks
      const leader = await this.call('reading the leadership', () => election.leader()).catch(() => undefined)
      // A read that answers after a later one would name a past leader: it says nothing.
      if (settled || mine < answered || leader === undefined) return
      answered = mine
      if (leader !== me) options.onStandby(leader)
    }
    const observer = await this.call('watching the leadership', () => election.observe()).catch(() => undefined)
    const unobserve = async (): Promise<void> => {
      this.closers.delete(unobserve)
      await observer?.cancel().catch(() => undefined)
    }
    if (observer) {
      this.closers.add(unobserve)
      observer.on('change', () => void look())
      observer.on('error', () => undefined)
    }
    void look()
    const again = setInterval(() => void look(), Math.max(1000, (options.ttlS * 1000) / 2))
    let won: boolean
    try {
      won = await elected
    } catch (error) {
      await resign()
      throw error
    } finally {
      settled = true
      clearInterval(again)
      await unobserve()
    }
    campaign.removeAllListeners('error')
    campaign.on('error', () =>
      lost.abort(new StoreUnavailableError(this.location.endpoints.join(','), "the leadership's lease expired or etcd stopped answering")),
    )
    if (!won) {
      await resign()
      return undefined
    }
    return {lost: lost.signal, resign}
  }

  async leader(): Promise<string | undefined> {
    return this.call('reading the leadership', () => this.election(10).leader())
  }

  scope(name: 'sim'): Store {
    return new EtcdStore(this.client, this.location, `${this.root}${name}/`, this.timeoutMs, false, this.closers)
  }

  /**
   * First one read through the cluster (linearizable: it needs a quorum), else exit 5; then
   * each member on its own, at once: its Raft view and a read of its own, as etcdctl
   * endpoint health does. A member that answers but cannot reach a quorum is not healthy.
   */
  async status(): Promise<StoreStatus> {
    const {Etcd3} = await import('etcd3')
    const read = await this.call('reading the revision', () => this.client.get(`${this.root}_health`).exec())
    const list = await this.call('listing the members', () => this.client.cluster.memberList({}))
    const memberTimeoutMs = Math.min(this.timeoutMs, 2000)
    const members = await Promise.all(
      list.members.map(async (m): Promise<StoreMember> => {
        const endpoint = (m.clientURLs[0] ?? m.peerURLs[0] ?? '').replace(/^https?:\/\//, '')
        if (m.clientURLs.length === 0) return {name: m.name, endpoint, healthy: false, error: 'not started yet (no client URL)'}
        const one = new Etcd3({...clientOptions(this.location, memberTimeoutMs), hosts: m.clientURLs})
        try {
          const answer = Promise.all([one.maintenance.status(), one.get(`${this.root}_health`).exec()])
          const [s] = await Promise.race([
            answer,
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error(`did not answer within ${memberTimeoutMs / 1000} s`)), memberTimeoutMs + 500).unref(),
            ),
          ])
          if (s.errors?.length) return {name: m.name, endpoint, healthy: false, leader: s.leader === m.ID, error: s.errors.join('; ')}
          return {name: m.name, endpoint, healthy: true, leader: s.leader === m.ID}
        } catch (error) {
          return {name: m.name, endpoint, healthy: false, error: shortError(error as Error, memberTimeoutMs)}
        } finally {
          one.close()
        }
      }),
    )
    members.sort((a, b) => a.name.localeCompare(b.name) || a.endpoint.localeCompare(b.endpoint))
    return {backend: 'etcd', url: this.url, revision: read.header.revision, members}
  }

  async close(): Promise<void> {
    if (!this.owner) return
    await Promise.all([...this.closers].map((close) => close()))
    for (const {lease} of this.sampleLeases.values()) lease.release()
    this.client.close()
  }
}

/**
 * A campaign still waiting when it resigns keeps watching the leader's key, and etcd3's
 * watch manager reconnects a watch forever, even after the client is closed: the process
 * would never exit. The election's watches are cancelled (a second at most), then dropped.
 * A campaign that was between two steps when it resigned may start its watch afterwards
 * (CI saw a standby outlive its SIGTERM so): every election has a watch manager of its
 * own, so for a minute any watch that appears there is ended too, by a timer that does not
 * itself keep the process alive.
 */
async function endWatches(election: object): Promise<void> {
  const manager = (election as {namespace?: {watchManager?: {watchers: Array<{cancel(): Promise<void>}>}}}).namespace?.watchManager
  if (!manager) return
  let dropping = false
  const drop = async (): Promise<void> => {
    const watchers = [...manager.watchers]
    // One cancel at a time: the sweeper comes by every 200 ms, a cancel may take a second.
    if (watchers.length === 0 || dropping) return
    dropping = true
    try {
      await Promise.race([
        Promise.all(watchers.map((w) => w.cancel().catch(() => undefined))),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ])
      manager.watchers = manager.watchers.filter((w) => !watchers.includes(w))
    } finally {
      dropping = false
    }
  }
  await drop()
  const sweeper = setInterval(() => void drop(), 200).unref()
  setTimeout(() => clearInterval(sweeper), 60_000).unref()
}

/** The client's options: endpoints, timeouts, TLS and credentials of a location. */
function clientOptions(location: EtcdLocation, timeoutMs: number): IOptions {
  const options: IOptions = {
    hosts: location.endpoints.map((e) => `${location.tls ? 'https' : 'http'}://${e}`),
    dialTimeout: timeoutMs,
    // The samples of 10,000 hosts (10 VMs each) come in one range read of about 40 MiB: above gRPC's 4 MiB default.
    grpcOptions: {'grpc.max_receive_message_length': 512 * 1024 * 1024},
    defaultCallOptions: (context) => (context.isStream ? {} : {deadline: Date.now() + timeoutMs}),
  }
  if (location.tls) options.credentials = tlsCredentials()
  const user = location.user ?? process.env.VIOLIN_ETCD_USER
  const password = location.password ?? process.env.VIOLIN_ETCD_PASSWORD
  if (user) {
    if (password === undefined)
      throw new UsageError(
        `etcd user "${user}" has no password`,
        'give it in the URL (etcd://USER:PASSWORD@HOST:PORT/PREFIX) or in VIOLIN_ETCD_PASSWORD',
      )
    // A deadline per call: the token is fetched again whenever it expires, long after the store was opened.
    options.auth = {username: user, password, callOptions: () => ({deadline: Date.now() + timeoutMs})}
  }
  return options
}

/** gRPC's long messages in a few words, for a table cell. */
function shortError(error: Error, timeoutMs: number): string {
  const message = error.message.replace(/\s+/g, ' ').trim()
  if (/ECONNREFUSED/.test(message)) return 'connection refused'
  if (/deadline|did not answer|timed out/i.test(message))
    return `did not answer within ${timeoutMs / 1000} s (down, or cut off from a quorum)`
  if (/ssl|tls|certificate|handshake/i.test(message)) return `TLS failed (${message.slice(0, 120)})`
  return message
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/ Resolution note:.*$/, '')
    .slice(0, 160)
}

/** obj[name] = value, also for a host named "__proto__" (a plain assignment would set the object's prototype and lose the entry). */
function setOwn(obj: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(obj, name, {value, enumerable: true, writable: true, configurable: true})
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
  if (Boolean(cert) !== Boolean(key))
    throw new UsageError('VIOLIN_ETCD_CERT and VIOLIN_ETCD_KEY go together (a client certificate and its key)')
  if (!ca) throw new UsageError("etcds:// needs VIOLIN_ETCD_CA: the certificate of the CA that signed the etcd members' certificates")
  return {rootCertificate: ca, ...(cert && key ? {certChain: cert, privateKey: key} : {})}
}
