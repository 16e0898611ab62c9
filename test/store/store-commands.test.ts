/**
 * violin store status and violin store copy, through the built CLI, on the files and on a
 * real 3-member etcd cluster: a copy from files into etcd and back gives the same documents
 * and logs, leaves the source as it was, and refuses what would lose data.
 */
import {appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import assert from 'node:assert/strict'

import {FileStore} from '../../src/store/file-store.js'
import {openStoreAt} from '../../src/store/open.js'
import {type Doc, DOCS, type Store} from '../../src/store/store.js'
import {tempHome, violin} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

/** Every file under dir with its bytes, to show a source was not touched. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else out.set(path, readFileSync(path, 'latin1'))
    }
  }
  walk(dir)
  return out
}

/** A store with something in every kind of place: awkward names, three logs, a torn last line, a sample, the pass lock. */
async function fill(store: FileStore): Promise<void> {
  const hosts = JSON.parse('{"e1": {"site": "east"}, "__proto__": {"site": "p"}, "a/b": {"site": "slash"}, "ü x": {"site": "u"}}') as Doc
  await store.write(DOCS.inventory, {version: 1, hosts, vms: {v1: {host: 'e1'}}, environments: {}})
  await store.write(DOCS.history, {vms: {v1: [{t: 1, cpu: 0.5}]}, hosts: {e1: [{t: 1}]}})
  await store.write(DOCS.calibration, {libvirt: {a: 1.5, b: 2}})
  await store.append('migrations', [
    {vm: 'v1', s: 3.4},
    {vm: 'v2', s: 1.2},
    {vm: 'v3', s: 9},
  ])
  await store.append('commands', [{id: 'host:list', ms: 120}])
  appendFileSync(store.logPath('commands'), '{"id": "torn')
  await store.putSample('e1', {cpu: 1}, 60_000)
}

async function contents(store: Store): Promise<unknown> {
  const docs: Record<string, unknown> = {}
  for (const spec of Object.values(DOCS)) {
    const value = await store.read(spec)
    if (value !== undefined) docs[spec.name] = {...value, ...Object.fromEntries(spec.collections.map((c) => [c, value[c] ?? {}]))}
  }
  const logs: Record<string, unknown[]> = {}
  for (const log of ['migrations', 'commands', 'actions'] as const)
    logs[log] = (await store.readLog(log)).flatMap(({text: l}) => {
      try {
        return [JSON.parse(l)]
      } catch {
        return []
      }
    })
  return JSON.parse(
    JSON.stringify({docs, logs}, (_, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
    ),
  )
}

describe('violin store status and store copy', function () {
  this.timeout(120_000)
  let home: ReturnType<typeof tempHome>
  let other: string
  const opened: Store[] = []
  const open = async (url: string): Promise<Store> => {
    const {parseStoreUrl} = await import('../../src/store/url.js')
    const store = await openStoreAt(parseStoreUrl(url))
    opened.push(store)
    return store
  }

  beforeEach(() => {
    home = tempHome()
    other = mkdtempSync(join(tmpdir(), 'violin-copy-'))
  })
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    home.remove()
    rmSync(other, {recursive: true, force: true})
  })

  it('store status on the files: backend file, the directory, healthy, exit 0', async () => {
    const r = await violin(['store', 'status', '--json'], {...home.env, VIOLIN_STORE: undefined})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.backend, 'file')
    assert.equal(r.json.url, `file://${home.dir}`)
    assert.equal(r.json.from, 'default')
    assert.equal(r.json.healthy, true)
    assert.deepEqual(
      r.json.members.map((m: {healthy: boolean}) => m.healthy),
      [true],
    )
  })

  it('copies files into files, verified, and refuses to copy a store onto itself (exit 2)', async () => {
    await fill(new FileStore(home.dir, join(home.dir, 'state')))
    const before = snapshot(home.dir)
    const r = await violin(['store', 'copy', '--to', `file://${other}`, '--json'], {...home.env, VIOLIN_STORE: undefined})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json.documents, ['inventory', 'history', 'calibration'])
    assert.deepEqual(r.json.logs, {migrations: 3, commands: 1, actions: 0})
    assert.deepEqual(r.json.skipped, {migrations: 0, commands: 1, actions: 0})
    assert.deepEqual(
      await contents(new FileStore(other, join(other, 'state'))),
      await contents(new FileStore(home.dir, join(home.dir, 'state'))),
    )
    assert.deepEqual(snapshot(home.dir), before)
    assert.deepEqual(await new FileStore(other, join(other, 'state')).readSamples(), new Map())
    for (const to of [`file://${home.dir}/`, `file://${join(home.dir, 'state')}`]) {
      const self = await violin(['store', 'copy', '--to', to], {...home.env, VIOLIN_STORE: undefined})
      assert.equal(self.exitCode, 2, to)
      assert.match(self.stderr, /is the store in force itself/)
    }
    assert.deepEqual(snapshot(home.dir), before)
  })

  describe('with etcd', () => {
    let etcd: EtcdCluster
    before(async function () {
      this.timeout(60_000)
      requireIntegration(this, 'etcd', etcdUnavailable)
      etcd = await startEtcd({members: 3})
    })
    after(async () => {
      await etcd?.stop()
    })

    it('store status: three healthy members, one leader, the revision, exit 0', async () => {
      const r = await violin(['store', 'status', '--json'], {...home.env, VIOLIN_STORE: etcd.url('status')})
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.json.backend, 'etcd')
      assert.equal(r.json.from, 'VIOLIN_STORE')
      assert.deepEqual(r.json.members.map((m: {endpoint: string}) => m.endpoint).sort(), [...etcd.endpoints].sort())
      assert.ok(r.json.members.every((m: {healthy: boolean}) => m.healthy))
      assert.equal(r.json.members.filter((m: {leader?: boolean}) => m.leader).length, 1)
      assert.match(r.json.revision, /^\d+$/)
      const table = await violin(['store', 'status'], {...home.env, VIOLIN_STORE: etcd.url('status')})
      assert.match(table.stdout, /Backend: +etcd/)
      assert.match(table.stdout, /Revision: +\d+/)
    })

    it('copies files into etcd and back: the same documents and logs, the source untouched, no samples, no lock', async () => {
      const source = new FileStore(home.dir, join(home.dir, 'state'))
      await fill(source)
      const release = await source.lockPass()
      try {
        const before = snapshot(home.dir)
        const toEtcd = await violin(['store', 'copy', '--to', etcd.url('copied')], {...home.env, VIOLIN_STORE: undefined})
        assert.equal(toEtcd.exitCode, 0, toEtcd.stderr)
        assert.match(
          toEtcd.stdout,
          /3 documents \(inventory, history, calibration\), log records: 3 migrations, 1 commands, 0 actions\. Verified/,
        )
        assert.match(toEtcd.stderr, /1 line of the commands log is not JSON/)
        const inEtcd = await open(etcd.url('copied'))
        assert.deepEqual(await contents(inEtcd), await contents(source))
        assert.deepEqual(await inEtcd.readSamples(), new Map())
        await (await inEtcd.lockPass())()
        const back = await violin(['store', 'copy', '--to', `file://${other}`], {...home.env, VIOLIN_STORE: etcd.url('copied')})
        assert.equal(back.exitCode, 0, back.stderr)
        assert.deepEqual(await contents(new FileStore(other, join(other, 'state'))), await contents(source))
        assert.deepEqual(snapshot(home.dir), before)
      } finally {
        await release()
      }
    })

    it('refuses a non-empty target saying what it holds (exit 2); --force makes it an exact copy', async () => {
      const target = await open(etcd.url('busy'))
      await target.write(DOCS.passes, {last: 'elsewhere'})
      await target.append('migrations', [{old: 1}, {old: 2}])
      await fill(new FileStore(home.dir, join(home.dir, 'state')))
      const refused = await violin(['store', 'copy', '--to', etcd.url('busy')], {...home.env, VIOLIN_STORE: undefined})
      assert.equal(refused.exitCode, 2)
      assert.match(refused.stderr, /is not empty: it holds passes, 2 migrations records/)
      assert.match(refused.stderr, /--force/)
      assert.deepEqual(
        (await target.readLog('migrations')).map((r) => r.text),
        ['{"old":1}', '{"old":2}'],
      )
      const forced = await violin(['store', 'copy', '--to', etcd.url('busy'), '--force'], {...home.env, VIOLIN_STORE: undefined})
      assert.equal(forced.exitCode, 0, forced.stderr)
      assert.match(forced.stdout, /Replaced in the target: passes, 2 migrations records/)
      assert.deepEqual(await contents(target), await contents(new FileStore(home.dir, join(home.dir, 'state'))))
      assert.equal(await target.read(DOCS.passes), undefined)
    })

    it('refuses to copy an etcd store onto its own prefix, or into its sim/ part (exit 2)', async () => {
      for (const to of [`etcd://${etcd.endpoints[1]}/same`, etcd.url('same/sim')]) {
        const r = await violin(['store', 'copy', '--to', to], {...home.env, VIOLIN_STORE: etcd.url('same')})
        assert.equal(r.exitCode, 2, to)
        assert.match(r.stderr, /is the store in force itself, or shares its directories or key prefix/)
      }
    })

    it('a copy that does not read back the same is exit 1 naming the document', async () => {
      // "_rev" is the key the etcd layout keeps each document's revision marker under:
      // a field of that name does not survive the trip, and the verification must say so.
      await new FileStore(home.dir, join(home.dir, 'state')).write(DOCS.calibration, {_rev: {kept: false}, libvirt: {a: 1}})
      const r = await violin(['store', 'copy', '--to', etcd.url('lossy')], {...home.env, VIOLIN_STORE: undefined})
      assert.equal(r.exitCode, 1, r.stderr)
      assert.match(r.stderr, /differs from the source: document calibration/)
    })
  })
})
