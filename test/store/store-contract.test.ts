/**
 * One contract, two backends: what every Store promises, run against the file store (a
 * temp dir) and against a real 3-member etcd cluster on loopback. Then what only a shared
 * store can do: a lock and a leadership that die with their holder's lease.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import assert from 'node:assert/strict'

import {openStoreAt} from '../../src/store/open.js'
import {type Doc, DOCS, type Store} from '../../src/store/store.js'
import type {StoreLocation} from '../../src/store/url.js'
import {ROOT} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

/** A collection whose entry names would trip a naive object or key scheme. */
function awkwardHosts(): Record<string, unknown> {
  // JSON.parse makes "__proto__" an own entry, as a host of that name read from a file is.
  return JSON.parse(
    '{"__proto__": {"site": "p"}, "a/b": {"site": "slash"}, "ü x": {"site": "unicode space"}, "plain": {"site": "s"}}',
  ) as Record<string, unknown>
}

/** A PassLockedError (exit 8) naming the holder. By name: the store's modules are loaded lazily and tsx may give them their own copy of errors.ts. */
function assertLocked(error: unknown, holder: string): void {
  assert.equal((error as Error | undefined)?.name, 'PassLockedError', String(error))
  assert.equal((error as {exitCode?: number}).exitCode, 8)
  assert.ok((error as Error).message.includes(holder), (error as Error).message)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventually(what: string, withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now()
  for (;;) {
    if (await check()) return Date.now() - start
    if (Date.now() - start > withinMs) throw new Error(`${what}: not within ${withinMs} ms`)
    await sleep(200)
  }
}

/** A second violin process holding the store: the pass lock, or a candidacy to lead. */
function child(
  location: StoreLocation,
  mode: 'lock' | 'lead',
): {process: ChildProcess; lines: string[]; saw(text: string, withinMs?: number): Promise<void>} {
  const script = `
    const {openStoreAt} = await import(${JSON.stringify(join(ROOT, 'src/store/open.ts'))})
    const store = await openStoreAt(JSON.parse(process.env.LOCATION))
    if (process.env.MODE === 'lock') { await store.lockPass(); console.log('locked') }
    else { await store.lead({ttlS: 2, signal: new AbortController().signal, onStandby: (who) => console.log('standby ' + who)}); console.log('leading') }
    setInterval(() => {}, 1000)
  `
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: {...process.env, LOCATION: JSON.stringify(location), MODE: mode},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let stderr = ''
  proc.stdout!.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)))
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  return {
    process: proc,
    lines,
    saw: async (text, withinMs = 20_000) => {
      await eventually(`child ${mode} printing "${text}" (stderr: ${stderr.slice(-500)})`, withinMs, async () =>
        lines.some((l) => l.startsWith(text)),
      )
    },
  }
}

interface Backend {
  name: 'file' | 'etcd'
  before(ctx: Mocha.Context): Promise<void>
  /** A location no other test uses. */
  fresh(): StoreLocation
  after(): Promise<void>
}

let etcd: EtcdCluster | undefined
let dirs: string[] = []
let prefixes = 0

const backends: Backend[] = [
  {
    name: 'file',
    before: async () => {},
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), 'violin-store-'))
      dirs.push(dir)
      return {kind: 'file', configDir: dir, stateDir: join(dir, 'state')}
    },
    after: async () => {
      for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
      dirs = []
    },
  },
  {
    name: 'etcd',
    before: async (ctx) => {
      requireIntegration(ctx, 'etcd', etcdUnavailable)
      etcd = await startEtcd({members: 3})
    },
    fresh: () => ({kind: 'etcd', tls: false, endpoints: etcd!.endpoints, prefix: `contract/t${++prefixes}`}),
    after: async () => {
      await etcd?.stop()
      etcd = undefined
    },
  },
]

describe('EtcdStore with password auth', function () {
  this.timeout(60_000)
  let cluster: EtcdCluster | undefined
  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    cluster = await startEtcd({members: 1, rootPassword: 'pw', authTokenTtlS: 1})
  })
  after(async () => {
    await cluster?.stop()
  })

  it('keeps working after its token expired, long after it was opened (an adapt loop, an agent)', async () => {
    const saved = process.env.VIOLIN_STORE_TIMEOUT
    process.env.VIOLIN_STORE_TIMEOUT = '2'
    const store = await openStoreAt({
      kind: 'etcd',
      tls: false,
      endpoints: cluster!.endpoints,
      prefix: 'auth',
      user: 'root',
      password: 'pw',
    }).finally(() => {
      if (saved === undefined) delete process.env.VIOLIN_STORE_TIMEOUT
      else process.env.VIOLIN_STORE_TIMEOUT = saved
    })
    try {
      await store.write(DOCS.passes, {n: 1})
      // Longer than both the token's life (1 s) and the store's timeout (2 s here).
      await sleep(3500)
      assert.deepEqual(await store.read(DOCS.passes), {n: 1})
    } finally {
      await store.close()
    }
  })
})

for (const backend of backends) {
  describe(`Store contract: ${backend.name}`, function () {
    this.timeout(60_000)
    const opened: Store[] = []
    const open = async (location: StoreLocation): Promise<Store> => {
      const store = await openStoreAt(location)
      opened.push(store)
      return store
    }

    before(async function () {
      this.timeout(60_000)
      await backend.before(this)
    })
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close()
    })
    after(async () => {
      await backend.after()
    })

    it('reads back what update wrote, entry names like "__proto__", "a/b" and "ü x" included', async () => {
      const location = backend.fresh()
      const store = await open(location)
      assert.equal(await store.read(DOCS.inventory), undefined)
      const result = await store.update(DOCS.inventory, () => ({
        value: {version: 1, hosts: awkwardHosts(), vms: {}, environments: {}},
        result: 'done',
      }))
      assert.equal(result, 'done')
      const back = await store.read(DOCS.inventory)
      assert.deepEqual(Object.keys(back!.hosts as object).sort(), ['__proto__', 'a/b', 'plain', 'ü x'])
      assert.deepEqual(Object.getOwnPropertyDescriptor(back!.hosts, '__proto__')?.value, {site: 'p'})
      assert.deepEqual((back!.hosts as Record<string, unknown>)['ü x'], {site: 'unicode space'})
      assert.equal(back!.version, 1)
      // The same from another process's point of view: a second client of the same store.
      const other = await open(location)
      assert.deepEqual(Object.keys((await other.read(DOCS.inventory))!.hosts as object).sort(), ['__proto__', 'a/b', 'plain', 'ü x'])
    })

    it('write replaces a document whole: entries it no longer has are gone, fields change', async () => {
      const store = await open(backend.fresh())
      await store.write(DOCS.history, {vms: {v1: [1], 'a/b': [2]}, hosts: {h1: [3]}, since: 5})
      await store.write(DOCS.history, {vms: {'a/b': [4]}, hosts: {}, since: 6})
      const back = await store.read(DOCS.history)
      assert.deepEqual({...(back!.vms as object)}, {'a/b': [4]})
      assert.deepEqual({...(back!.hosts as object)}, {})
      assert.equal(back!.since, 6)
    })

    it('loses no update when 8 writers add their own entry at once', async () => {
      const location = backend.fresh()
      const writers = await Promise.all(Array.from({length: 8}, () => open(location)))
      await Promise.all(
        writers.map((store, i) =>
          store.update(DOCS.inventory, (current) => {
            const hosts = {...(current?.hosts as Record<string, unknown> | undefined), [`h${i}`]: {site: `s${i}`}}
            return {value: {...current, hosts} as Doc, result: undefined}
          }),
        ),
      )
      const hosts = (await writers[0]!.read(DOCS.inventory))!.hosts as Record<string, unknown>
      assert.deepEqual(Object.keys(hosts).sort(), ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'])
    })

    it('reads a log back in the order it was appended, across batches larger than one transaction', async () => {
      const store = await open(backend.fresh())
      assert.deepEqual(await store.readLog('migrations'), [])
      await store.append('migrations', [{n: 1}, {n: 2}])
      await store.append('migrations', [{n: 3}])
      await store.append(
        'migrations',
        Array.from({length: 250}, (_, i) => ({n: 4 + i})),
      )
      await store.append('actions', [{other: true}])
      const lines = await store.readLog('migrations')
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l.text) as {n: number}).n),
        Array.from({length: 253}, (_, i) => i + 1),
      )
      assert.deepEqual(
        (await store.readLog('actions')).map((r) => r.text),
        ['{"other":true}'],
      )
    })

    it('forgets a sample whose TTL passed and keeps a fresh one', async function () {
      this.timeout(30_000)
      const location = backend.fresh()
      const agentA = await open(location)
      const agentB = await open(location)
      await agentA.putSample('h-short', {cpu: 1}, 2000)
      await agentB.putSample('h-long', {cpu: 2}, 60_000)
      const reader = await open(location)
      const now = await reader.readSamples()
      assert.deepEqual(now.get('h-short'), {cpu: 1})
      assert.deepEqual(now.get('h-long'), {cpu: 2})
      await eventually('the expired sample gone', 10_000, async () => !(await reader.readSamples()).has('h-short'))
      assert.deepEqual((await reader.readSamples()).get('h-long'), {cpu: 2})
    })

    it('lets one pass lock holder at a time, names it to the next, and frees it on release', async () => {
      const location = backend.fresh()
      const a = await open(location)
      const b = await open(location)
      const release = await a.lockPass()
      try {
        const refused = await b.lockPass().then(
          () => undefined,
          (error: unknown) => error,
        )
        assertLocked(refused, String(process.pid))
      } finally {
        await release()
      }
      const again = await b.lockPass()
      await again()
    })

    if (backend.name === 'file') {
      it('leads at once when no pass runs, and refuses a second leader with PassLockedError until resign', async () => {
        const location = backend.fresh()
        const a = await open(location)
        const b = await open(location)
        const signal = new AbortController().signal
        const leading = await a.lead({ttlS: 2, signal, onStandby: () => undefined})
        assert.notEqual(leading, undefined)
        try {
          assertLocked(
            await b.lead({ttlS: 2, signal, onStandby: () => undefined}).then(
              () => undefined,
              (error: unknown) => error,
            ),
            String(process.pid),
          )
        } finally {
          await leading!.resign()
        }
        const next = await b.lead({ttlS: 2, signal, onStandby: () => undefined})
        await next!.resign()
      })
    }

    if (backend.name === 'etcd') {
      const children: ChildProcess[] = []
      // biome-ignore lint/suspicious/noDuplicateTestHooks: the etcd cases' own children, beside the backend's hook
      afterEach(() => {
        for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
      })

      it('frees the pass lock when its holder is killed and its lease expires', async function () {
        this.timeout(60_000)
        const location = backend.fresh()
        const holder = child(location, 'lock')
        children.push(holder.process)
        await holder.saw('locked')
        const store = await open(location)
        assertLocked(
          await store.lockPass().then(
            () => undefined,
            (error: unknown) => error,
          ),
          `${hostname()} pid ${holder.process.pid}`,
        )
        holder.process.kill('SIGKILL')
        // The lock's lease is 30 s: no release was sent, so only the lease's end frees it.
        let release: (() => Promise<void>) | undefined
        const waited = await eventually('the lock free after its holder died', 40_000, async () => {
          release = await store.lockPass().catch(() => undefined)
          return release !== undefined
        })
        assert.ok(waited < 36_000, `took ${waited} ms`)
        await release!()
      })

      it('elects one of two candidates, tells the other who leads, and hands over on resign', async function () {
        this.timeout(40_000)
        const location = backend.fresh()
        const store = await open(location)
        const controller = new AbortController()
        const leading = await store.lead({ttlS: 2, signal: controller.signal, onStandby: () => undefined})
        assert.notEqual(leading, undefined)
        assert.equal(await store.leader(), `${hostname()} pid ${process.pid}`)
        const candidate = child(location, 'lead')
        children.push(candidate.process)
        await candidate.saw(`standby ${hostname()} pid ${process.pid}`)
        assert.ok(!candidate.lines.includes('leading'), String(candidate.lines))
        await leading!.resign()
        const start = Date.now()
        await candidate.saw('leading', 10_000)
        assert.ok(Date.now() - start < 2000 + 3000, `took ${Date.now() - start} ms`)
        assert.equal(await store.leader(), `${hostname()} pid ${candidate.process.pid}`)
      })

      it('of four candidates started at once, one leads and each other names it, whatever order their keys land in', async function () {
        this.timeout(40_000)
        const location = backend.fresh()
        const four = [0, 1, 2, 3].map(() => child(location, 'lead'))
        children.push(...four.map((c) => c.process))
        await eventually('one candidate leading', 20_000, async () => four.some((c) => c.lines.includes('leading')))
        const leaders = four.filter((c) => c.lines.includes('leading'))
        assert.equal(leaders.length, 1, four.map((c) => c.lines.join('|')).join(' / '))
        const name = `standby ${hostname()} pid ${leaders[0]!.process.pid}`
        await Promise.all(four.filter((c) => c !== leaders[0]).map((c) => c.saw(name, 10_000)))
      })

      it('elects the standby within the TTL and a margin when the leader is killed', async function () {
        this.timeout(40_000)
        const location = backend.fresh()
        const leader = child(location, 'lead')
        children.push(leader.process)
        await leader.saw('leading')
        const store = await open(location)
        const told: Array<string | undefined> = []
        const controller = new AbortController()
        const elected = store.lead({ttlS: 2, signal: controller.signal, onStandby: (who) => told.push(who)})
        await eventually('the standby told who leads', 10_000, async () => told.includes(`${hostname()} pid ${leader.process.pid}`))
        leader.process.kill('SIGKILL')
        const start = Date.now()
        const leading = await elected
        assert.notEqual(leading, undefined)
        // TTL 2 s, plus the lease's own grace and a loaded machine's margin.
        assert.ok(Date.now() - start < 2000 + 5000, `took ${Date.now() - start} ms`)
        assert.equal(await store.leader(), `${hostname()} pid ${process.pid}`)
        await leading!.resign()
      })
    }
  })
}
