import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {EtcdStore} from '../../src/store/etcd-store.js'
import {parseStoreUrl} from '../../src/store/url.js'
import {ROOT, tempHome, violinProcess} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

const TEST_URI = 'test:///default'
const BIN = join(ROOT, 'bin', 'run.js')

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`)
    await sleep(200)
  }
}

describe('violin agent --store: a real sampler process, read by violin usage', function () {
  this.timeout(120_000)
  let etcd: EtcdCluster
  let home: ReturnType<typeof tempHome>
  let dir: string
  let agent: ChildProcess | undefined
  const env = () => ({...home.env, VIOLIN_STORE: etcd.url('cli-agents')})

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    requireIntegration(this, 'virsh', virshUnavailable)
    etcd = await startEtcd({members: 3})
    home = tempHome()
    dir = mkdtempSync(join(tmpdir(), 'violin-sampler-'))
    for (const [name, mark] of [
      ['a1', ['--agent-store']],
      ['p1', []],
    ] as const) {
      const r = await violinProcess(
        ['host', 'add', name, '--local', '--site', 's', '--driver', 'libvirt', '--uri', TEST_URI, ...mark],
        env(),
      )
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })
  after(async () => {
    if (agent?.exitCode === null) agent.kill('SIGKILL')
    await etcd?.stop()
    home?.remove()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('refuses a host name that could reach outside its key, and a file store', async () => {
    const bad = await violinProcess(['agent', '--store', etcd.url('cli-agents'), '--host', 'a/../b', '--dir', dir], env())
    assert.equal(bad.exitCode, 2, bad.stderr)
    assert.match(bad.stderr, /--host "a\/\.\.\/b" is not a host name/)
    const file = await violinProcess(['agent', '--store', `file://${dir}`, '--host', 'a1', '--dir', dir, '--connect', TEST_URI], env())
    assert.equal(file.exitCode, 2, file.stderr)
    assert.match(file.stderr, /agents write their samples to a shared store/)
  })

  it('the agent host shows the same VMs as polling it directly; killed, it is unreachable after 3 intervals (exit 7, or 5 alone)', async () => {
    agent = spawn(
      process.execPath,
      [BIN, 'agent', '--store', etcd.url('cli-agents'), '--host', 'a1', '--connect', TEST_URI, '--sample-interval', '1', '--dir', dir],
      {env: {...process.env, ...env()}, stdio: ['ignore', 'ignore', 'pipe']},
    )
    let log = ''
    agent.stderr!.on('data', (d: Buffer) => (log += d.toString()))
    await waitFor('the sampler is ready', () => (existsSync(join(dir, 'sampler.ready')) ? true : undefined))
    const usage = await violinProcess(['usage', '--json'], env())
    assert.equal(usage.exitCode, 0, usage.stderr)
    const direct = await violinProcess(['usage', '--json', '--connect', TEST_URI], env())
    assert.equal(direct.exitCode, 0, direct.stderr)
    const vms = (report: {vms: Array<{host: string; name: string; state: string; vcpus: number; memory_mib: number}>}, host?: string) =>
      report.vms.filter((v) => !host || v.host === host).map((v) => [v.name, v.state, v.vcpus, v.memory_mib])
    assert.deepEqual(vms(usage.json, 'a1'), vms(direct.json))
    assert.deepEqual(
      usage.json.hosts.map((h: {host: string; status: string}) => [h.host, h.status]),
      [
        ['a1', 'ok'],
        ['p1', 'ok'],
      ],
    )
    assert.match(log, /sampler \d+: a1 every 1 s into etcd:\/\//)

    agent.kill('SIGKILL')
    const gone = await waitFor('a1 reported unreachable', async () => {
      const r = await violinProcess(['usage', '--json'], env())
      return r.json?.hosts?.[0]?.status === 'unreachable' ? r : undefined
    })
    assert.equal(gone.exitCode, 7)
    const unknown = {
      cores: null,
      cpu_percent: null,
      memory_mib: null,
      free_memory_mib: null,
      vms: null,
      swap_writes_per_second: null,
      nic_percent: null,
      nic_bytes_per_second: null,
      nic: null,
    }
    assert.deepEqual(gone.json.hosts[0], {
      host: 'a1',
      site: 's',
      status: 'unreachable',
      error: 'host "a1": its agent\'s sample expired (no report for more than 3 intervals)',
      exit_code: 5,
      ...unknown,
    })
    assert.equal(gone.json.hosts[1].status, 'ok')
    const alone = await violinProcess(['usage', '-H', 'a1'], env())
    assert.equal(alone.exitCode, 5, alone.stderr)
    assert.match(alone.stderr, /warning: host "a1": its agent's sample expired \(no report for more than 3 intervals\)/)
  })
})

describe('violin agent start with etcd auth: each host may write only its own sample', function () {
  this.timeout(120_000)
  let etcd: EtcdCluster
  let home: ReturnType<typeof tempHome>
  let dirs: Record<string, string>
  const ROOT_PASSWORD = 'root-secret'
  const env = () => ({...home.env, VIOLIN_STORE: etcd.url('auth-agents', 'root'), VIOLIN_ETCD_PASSWORD: ROOT_PASSWORD})

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    requireIntegration(this, 'virsh', virshUnavailable)
    etcd = await startEtcd({members: 1, rootPassword: ROOT_PASSWORD})
    home = tempHome()
    dirs = {}
    for (const name of ['h1', 'h2']) {
      dirs[name] = mkdtempSync(join(tmpdir(), `violin-agent-${name}-`))
      const r = await violinProcess(
        [
          'host',
          'add',
          name,
          '--local',
          '--site',
          's',
          '--driver',
          'libvirt',
          '--uri',
          TEST_URI,
          '--agent-command',
          `${process.execPath} ${BIN}`,
          '--agent-dir',
          dirs[name]!,
        ],
        env(),
      )
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })
  after(async () => {
    for (const d of Object.values(dirs ?? {})) {
      await violinProcess(['agent', 'stop', '--sampler', '--dir', d]).catch(() => undefined)
      rmSync(d, {recursive: true, force: true})
    }
    await etcd?.stop()
    home?.remove()
  })

  it('starts the sampler with its own etcd user, the password in a 0600 file and never in argv; usage reads it', async () => {
    const started = await violinProcess(['agent', 'start', '-H', 'h1', '-H', 'h2', '--sample-interval', '2', '--json'], env())
    assert.equal(started.exitCode, 0, started.stderr)
    assert.deepEqual(
      started.json.map((s: {host: string; user: string}) => [s.host, s.user]),
      [
        ['h1', 'violin-agent-h1'],
        ['h2', 'violin-agent-h2'],
      ],
    )
    const credentials = join(dirs.h1!, 'sampler.credentials')
    assert.equal(statSync(credentials).mode & 0o777, 0o600)
    const text = readFileSync(credentials, 'utf8')
    assert.match(text, /^VIOLIN_ETCD_USER=violin-agent-h1\nVIOLIN_ETCD_PASSWORD=\S{20,}\n$/)
    const password = /PASSWORD=(\S+)/.exec(text)![1]!
    const pid = Number(readFileSync(join(dirs.h1!, 'sampler.pid'), 'utf8'))
    assert.ok(!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(password), "the password is not in the sampler's argv")
    const list = await violinProcess(['host', 'list', '--json'], env())
    assert.ok(
      list.json.every((h: {agent?: {store?: boolean}}) => h.agent?.store === true),
      'both hosts marked agent.store',
    )
    const usage = await violinProcess(['usage', '--json'], env())
    assert.equal(usage.exitCode, 0, usage.stderr)
    assert.deepEqual(
      usage.json.hosts.map((h: {host: string; status: string}) => [h.host, h.status]),
      [
        ['h1', 'ok'],
        ['h2', 'ok'],
      ],
    )
  })

  it("h1's credentials can write h1's sample and cannot write h2's, nor read the others", async () => {
    const text = readFileSync(join(dirs.h1!, 'sampler.credentials'), 'utf8')
    const password = /PASSWORD=(\S+)/.exec(text)![1]!
    const location = parseStoreUrl(etcd.url('auth-agents', `violin-agent-h1:${encodeURIComponent(password)}`))
    const asH1 = await EtcdStore.open(location as never, 5000)
    try {
      await asH1.putSample('h1', {intervalMs: 1000, error: 'written by h1', timeMs: 0}, 3000)
      await assert.rejects(
        asH1.putSample('h2', {intervalMs: 1000, error: 'h1 speaking for h2', timeMs: 0}, 3000),
        (e: Error & {exitCode?: number}) => {
          assert.match(e.message, /writing the sample of h2: denied permission/)
          return true
        },
      )
      await assert.rejects(asH1.putSample('h1x', {}, 3000), /denied permission/)
      await assert.rejects(asH1.readSamples(), /denied permission/)
    } finally {
      await asH1.close()
    }
    assert.doesNotMatch(etcd.ctl(['get', 'auth-agents/samples/h2', '--print-value-only']), /h1 speaking for h2/)
  })
})

describe('violin agent --detach that cannot start', function () {
  this.timeout(60_000)
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'violin-detach-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('a sampler whose store does not answer: its exit status (5), one error line that quotes its log', async () => {
    const r = await violinProcess(
      ['agent', '--store', 'etcd://127.0.0.1:1/x', '--host', 'h1', '--dir', dir, '--connect', TEST_URI, '--detach'],
      {VIOLIN_STORE_TIMEOUT: '2'},
    )
    assert.equal(r.exitCode, 5, r.stderr)
    const lines = r.stderr.trim().split('\n')
    assert.match(
      lines[0]!,
      /^error: the sampler exited \(status \d+\) before its first sample reached the store; \S+sampler\.log ends with: .*127\.0\.0\.1:1/,
    )
    assert.doesNotMatch(r.stderr, /\\n/, 'no escaped newline in the message')
  })
})
