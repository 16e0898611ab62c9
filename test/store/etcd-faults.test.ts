/**
 * What an admin sees when the shared store is wrong or failing, through the built CLI
 * against real etcd clusters on loopback: a closed port, TLS with the right and a wrong CA,
 * right and wrong passwords, one member of three stopped (everything works, store status
 * says which), two stopped (a clear exit 5 within the timeout, nothing written locally).
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import assert from 'node:assert/strict'

import {type CliResult, tempHome, violinProcess} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, freePorts, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

const TIMEOUT_S = 3
/** Node's start-up and oclif's load around the store's own timeout, on a loaded 2-core machine. */
const MARGIN_MS = 6000

async function timed(args: string[], env: Record<string, string | undefined>): Promise<CliResult & {ms: number}> {
  const start = Date.now()
  const result = await violinProcess(args, {VIOLIN_STORE_TIMEOUT: String(TIMEOUT_S), ...env})
  return {...result, ms: Date.now() - start}
}

function said(result: CliResult, ...parts: Array<string | RegExp>): void {
  for (const part of parts) {
    const ok = typeof part === 'string' ? result.stderr.includes(part) : part.test(result.stderr)
    assert.ok(ok, `stderr should say ${String(part)}; it said: ${result.stderr}`)
  }
}

const addHost = (name: string) => ['host', 'add', name, '--local', '--site', 'lab', '--driver', 'libvirt', '--uri', 'test:///default']

describe('etcd faults through the CLI', function () {
  this.timeout(120_000)
  let home: ReturnType<typeof tempHome>

  before(function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
  })
  beforeEach(() => {
    home = tempHome()
  })
  afterEach(() => home.remove())

  it('a closed port: exit 5 within the timeout, naming the endpoint', async () => {
    const [port] = await freePorts(1)
    const json = await timed(['store', 'status', '--json'], {...home.env, VIOLIN_STORE: `etcd://127.0.0.1:${port}/violin`})
    assert.equal(json.exitCode, 5)
    assert.equal(json.json.error.type, 'StoreUnavailableError')
    assert.equal(json.json.error.exit_code, 5)
    assert.match(json.json.error.hint, /from VIOLIN_STORE/)
    for (const args of [
      ['store', 'status'],
      ['host', 'list'],
    ]) {
      const r = await timed(args, {...home.env, VIOLIN_STORE: `etcd://127.0.0.1:${port}/violin`})
      assert.equal(r.exitCode, 5, `${args.join(' ')}: ${r.stderr}`)
      said(r, `127.0.0.1:${port}`, 'cannot connect')
      assert.ok(r.ms < TIMEOUT_S * 1000 + MARGIN_MS, `${args.join(' ')} took ${r.ms} ms`)
    }
    assert.equal(existsSync(join(home.dir, 'inventory.json')), false)
  })

  describe('TLS', () => {
    let etcd: EtcdCluster
    let otherCa: string
    before(async function () {
      this.timeout(60_000)
      etcd = await startEtcd({members: 1, tls: true})
      otherCa = mkdtempSync(join(tmpdir(), 'violin-other-ca-'))
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          'ca.key',
          '-out',
          'ca.crt',
          '-days',
          '2',
          '-subj',
          '/CN=not-the-etcd-ca',
        ],
        {cwd: otherCa, stdio: 'pipe'},
      )
    })
    after(async () => {
      await etcd?.stop()
      if (otherCa) rmSync(otherCa, {recursive: true, force: true})
    })

    it("etcds:// with the cluster's CA and a client certificate works", async () => {
      const env = {
        ...home.env,
        VIOLIN_STORE: etcd.url('violin'),
        VIOLIN_ETCD_CA: etcd.tls!.ca,
        VIOLIN_ETCD_CERT: etcd.tls!.cert,
        VIOLIN_ETCD_KEY: etcd.tls!.key,
      }
      const status = await timed(['store', 'status', '--json'], env)
      assert.equal(status.exitCode, 0, status.stderr)
      assert.equal(status.json.backend, 'etcd')
      assert.ok(
        status.json.members.every((m: {healthy: boolean}) => m.healthy),
        status.stdout,
      )
      assert.equal((await timed(addHost('t1'), env)).exitCode, 0)
      const list = await timed(['host', 'list', '--json'], env)
      assert.deepEqual(
        list.json.map((h: {name: string}) => h.name),
        ['t1'],
      )
    })

    it('a CA that did not sign the members\' certificates: exit 5, "TLS", naming the endpoint', async () => {
      const env = {
        ...home.env,
        VIOLIN_STORE: etcd.url('violin'),
        VIOLIN_ETCD_CA: join(otherCa, 'ca.crt'),
        VIOLIN_ETCD_CERT: etcd.tls!.cert,
        VIOLIN_ETCD_KEY: etcd.tls!.key,
      }
      for (const args of [
        ['store', 'status'],
        ['host', 'list'],
      ]) {
        const r = await timed(args, env)
        assert.equal(r.exitCode, 5, `${args.join(' ')}: ${r.stderr}`)
        said(r, 'TLS failed', etcd.endpoints[0]!)
        assert.ok(r.ms < TIMEOUT_S * 1000 + MARGIN_MS, `${args.join(' ')} took ${r.ms} ms`)
      }
    })
  })

  describe('password auth', () => {
    let etcd: EtcdCluster
    before(async function () {
      this.timeout(60_000)
      etcd = await startEtcd({members: 1, rootPassword: 'right-pass'})
    })
    after(async () => {
      await etcd?.stop()
    })

    it('the right password works, and store status never shows it', async () => {
      const env = {...home.env, VIOLIN_STORE: etcd.url('violin', 'root:right-pass')}
      const status = await timed(['store', 'status'], env)
      assert.equal(status.exitCode, 0, status.stderr)
      assert.ok(status.stdout.includes(`etcd://root@${etcd.endpoints[0]}/violin`), status.stdout)
      assert.ok(!status.stdout.includes('right-pass') && !status.stderr.includes('right-pass'), status.stdout)
      assert.equal((await timed(addHost('a1'), env)).exitCode, 0)
      assert.deepEqual(
        (await timed(['host', 'list', '--json'], env)).json.map((h: {name: string}) => h.name),
        ['a1'],
      )
    })

    it('a wrong password: exit 5 naming the endpoint and the user', async () => {
      const env = {...home.env, VIOLIN_STORE: etcd.url('violin', 'root:wrong-pass')}
      for (const args of [
        ['store', 'status'],
        ['host', 'list'],
      ]) {
        const r = await timed(args, env)
        assert.equal(r.exitCode, 5, `${args.join(' ')}: ${r.stderr}`)
        said(r, etcd.endpoints[0]!, '"root"')
        assert.ok(!r.stderr.includes('wrong-pass'), r.stderr)
        assert.ok(r.ms < TIMEOUT_S * 1000 + MARGIN_MS, `${args.join(' ')} took ${r.ms} ms`)
      }
    })
  })

  describe('a 3-member cluster losing members', () => {
    let etcd: EtcdCluster
    before(async function () {
      this.timeout(60_000)
      etcd = await startEtcd({members: 3})
    })
    after(async () => {
      await etcd?.stop()
    })

    it('one member stopped: host add and host list work; store status exits 7 naming the stopped member', async () => {
      const env = {...home.env, VIOLIN_STORE: etcd.url('violin-one-down')}
      await etcd.stopMember(1)
      try {
        const added = await timed(addHost('m1'), env)
        assert.equal(added.exitCode, 0, added.stderr)
        const list = await timed(['host', 'list', '--json'], env)
        assert.equal(list.exitCode, 0, list.stderr)
        assert.deepEqual(
          list.json.map((h: {name: string}) => h.name),
          ['m1'],
        )
        const status = await timed(['store', 'status', '--json'], env)
        assert.equal(status.exitCode, 7, status.stderr)
        const byEndpoint = new Map(status.json.members.map((m: {endpoint: string; healthy: boolean}) => [m.endpoint, m.healthy]))
        assert.deepEqual([...byEndpoint.entries()].sort(), etcd.endpoints.map((e, i) => [e, i !== 1]).sort())
        assert.equal(status.json.members.filter((m: {leader?: boolean}) => m.leader).length, 1)
        const table = await timed(['store', 'status'], env)
        assert.equal(table.exitCode, 7)
        said(table, etcd.endpoints[1]!, 'not healthy')
      } finally {
        await etcd.startMember(1)
      }
    })

    it('two members stopped: exit 5 within the timeout, and nothing written to the local files', async () => {
      const env = {...home.env, VIOLIN_STORE: etcd.url('violin-two-down')}
      await etcd.stopMember(1)
      await etcd.stopMember(2)
      try {
        for (const args of [['store', 'status'], addHost('m2'), ['host', 'list']]) {
          const r = await timed(args, env)
          assert.equal(r.exitCode, 5, `${args.join(' ')}: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`)
          said(r, /etcd at /, /did not answer within 3 s .*quorum/)
          assert.ok(!r.stderr.includes('Resolution note'), r.stderr)
          assert.ok(r.stderr.split('\n').filter(Boolean).length <= 2, r.stderr)
          assert.ok(r.ms < TIMEOUT_S * 1000 + MARGIN_MS, `${args.join(' ')} took ${r.ms} ms`)
        }
        assert.equal(existsSync(join(home.dir, 'inventory.json')), false, `found: ${readdirSync(home.dir).join(', ')}`)
      } finally {
        await etcd.startMember(1)
        await etcd.startMember(2)
      }
    })
  })
})
