import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {HypervisorUnavailableError} from '../../src/errors.js'
import type {HostSample} from '../../src/hypervisor/driver.js'
import {LibvirtDriver} from '../../src/hypervisor/libvirt/driver.js'
import type {HostRecord} from '../../src/inventory/host.js'
import {Inventory} from '../../src/inventory/inventory.js'
import {type AgentRecord, pairFrom, readAgentPairs, runSampler} from '../../src/monitor/agent-samples.js'
import {pollUsage} from '../../src/monitor/poll.js'
import {Session} from '../../src/services/session.js'
import {EtcdStore} from '../../src/store/etcd-store.js'
import {FileStore} from '../../src/store/file-store.js'
import {closeStore} from '../../src/store/open.js'
import {parseStoreUrl} from '../../src/store/url.js'
import {LocalTransport} from '../../src/transport/local.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

const TEST_URI = 'test:///default'
const local = (name: string, extra: Partial<HostRecord> = {}): HostRecord => ({
  name,
  site: 's',
  transport: {kind: 'local'},
  driver: 'libvirt',
  uri: TEST_URI,
  ...extra,
})
const testDriver = () => new LibvirtDriver(new LocalTransport('local'), TEST_URI)
const noSleep = async () => {}

describe('agent sampler loop (no store needed)', () => {
  const sample = (timeMs: number): HostSample => ({timeMs, host: {cores: 2, memoryMiB: 1024, hypervisor: 'QEMU'}, vms: []})

  it('writes the pair {prev, last} of its last two samples, and a failed sample as the error', async () => {
    const written: AgentRecord[] = []
    const controller = new AbortController()
    let t = 0
    const down = new HypervisorUnavailableError('h', 'qemu:///system', 'libvirtd is not running')
    const samples = [sample(0), sample(1000), down, sample(3000)]
    await runSampler({
      host: 'h',
      store: {putSample: async (_h, s) => void written.push(s as AgentRecord)},
      sample: async () => {
        const s = samples.shift()!
        if (samples.length === 0) controller.abort()
        if (s instanceof Error) throw s
        return s
      },
      intervalMs: 1000,
      signal: controller.signal,
      log: () => {},
      now: () => (t += 10),
      sleep: noSleep,
    })
    assert.deepEqual(
      written.map((r) => ('error' in r ? `error: ${r.error}` : `${r.prev!.timeMs}->${r.last.timeMs}`)),
      ['0->1000', `error: ${down.message}`],
    )
    assert.equal((written[1] as {exitCode?: number}).exitCode, 5)
  })

  it('goes on after the store fails a write, and logs it with the reason', async () => {
    const lines: string[] = []
    const outcomes: boolean[] = []
    const controller = new AbortController()
    let n = 0
    let calls = 0
    await runSampler({
      host: 'h',
      store: {
        putSample: async () => {
          if (++calls === 1) throw new Error('etcd did not answer')
        },
      },
      sample: async () => sample(n++ * 1000),
      intervalMs: 1000,
      signal: controller.signal,
      log: (l) => lines.push(l),
      sleep: noSleep,
      onRecord: (_r, ok) => {
        outcomes.push(ok)
        if (outcomes.length === 3) controller.abort()
      },
    })
    assert.deepEqual(outcomes, [false, true, true])
    assert.match(lines.join('\n'), /writing the sample of h failed \(trying again in 1 s\): etcd did not answer/)
  })

  it('reads a record that is not a pair of samples as a failure, never as usage', () => {
    assert.match((pairFrom('h', {last: {timeMs: 'x'}}) as Error).message, /host "h": its agent's sample is not one violin writes/)
    const expired = pairFrom('h', undefined) as Error & {exitCode: number}
    assert.equal(expired.exitCode, 5)
    assert.equal(expired.message, 'host "h": its agent\'s sample expired (no report for more than 3 intervals)')
  })

  it('with the file store, a host marked to report through its agent is a config error (exit 3) naming the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'violin-agent-file-'))
    try {
      const pairs = await readAgentPairs(new FileStore(dir, join(dir, 'state')), [local('a1', {agent: {store: true}})])
      const e = pairs.get('a1') as Error & {exitCode: number}
      assert.equal(e.exitCode, 3)
      assert.match(
        e.message,
        /host "a1" reports through its agent \(agent\.store\), but the store is files on this machine .*agents need a shared store/,
      )
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('agents report usage through etcd', function () {
  this.timeout(120_000)
  let etcd: EtcdCluster
  let home: string
  const saved = {home: process.env.VIOLIN_HOME, store: process.env.VIOLIN_STORE}
  let store: EtcdStore
  const running: AbortController[] = []

  const startSampler = (host: string, intervalMs: number, sample: () => Promise<HostSample> = () => testDriver().sample()) => {
    const controller = new AbortController()
    running.push(controller)
    let first: () => void
    const written = new Promise<void>((resolve) => (first = resolve))
    const done = runSampler({
      host,
      store,
      sample,
      intervalMs,
      signal: controller.signal,
      log: () => {},
      onRecord: (_r, ok) => ok && first(),
    })
    return {
      written,
      stop: async () => {
        controller.abort()
        await done
      },
    }
  }

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    requireIntegration(this, 'virsh', virshUnavailable)
    etcd = await startEtcd({members: 1})
    home = mkdtempSync(join(tmpdir(), 'violin-agent-samples-'))
    process.env.VIOLIN_HOME = home
    process.env.VIOLIN_STORE = etcd.url('agents')
    store = await EtcdStore.open(parseStoreUrl(etcd.url('agents')) as never, 10_000)
    const inventory = await Inventory.open(store)
    await inventory.addHost(local('a1', {agent: {store: true}}))
    await inventory.addHost(local('a2', {agent: {store: true}}))
    await inventory.addHost(local('p1'))
  })
  afterEach(async () => {
    for (const c of running.splice(0)) c.abort()
    await closeStore()
  })
  after(async () => {
    await store?.close()
    await etcd?.stop()
    if (home) rmSync(home, {recursive: true, force: true})
    // Assigning undefined to process.env would set the string "undefined".
    if (saved.home === undefined) delete process.env.VIOLIN_HOME
    else process.env.VIOLIN_HOME = saved.home
    if (saved.store === undefined) delete process.env.VIOLIN_STORE
    else process.env.VIOLIN_STORE = saved.store
  })

  it("the sampler writes its host's pair of samples of libvirt's test driver under samples/HOST", async () => {
    const sampler = startSampler('a1', 1000)
    await sampler.written
    const record = (await store.readSamples()).get('a1') as {prev: HostSample; last: HostSample; intervalMs: number}
    assert.equal(record.intervalMs, 1000)
    assert.ok(record.last.timeMs > record.prev.timeMs, 'two samples, the last one later')
    assert.deepEqual(
      record.last.vms.map((v) => v.name),
      ['test'],
    )
    assert.equal(
      etcd.ctl(['get', '--prefix', '--keys-only', 'agents/samples/']).trim().split('\n').filter(Boolean).join(','),
      'agents/samples/a1',
    )
    await sampler.stop()
  })

  it('a mixed inventory: the agent host from the store, the other polled, the same VMs on both', async () => {
    const sampler = startSampler('a1', 1000)
    const other = startSampler('a2', 1000)
    await Promise.all([sampler.written, other.written])
    const session = await Session.open()
    try {
      const {report} = await pollUsage(session, session.select(), 1000)
      assert.deepEqual(
        report.hosts.map((h) => [h.host, h.status]),
        [
          ['a1', 'ok'],
          ['a2', 'ok'],
          ['p1', 'ok'],
        ],
      )
      const vmsOf = (h: string) => report.vms.filter((v) => v.host === h).map((v) => [v.name, v.state, v.vcpus, v.memoryMiB])
      assert.deepEqual(vmsOf('a1'), vmsOf('p1'))
      assert.ok(report.hosts[0]!.cpuPercent !== undefined, 'rates from the pair')
    } finally {
      await session.close()
      await sampler.stop()
      await other.stop()
    }
  })

  it("a loop's next reading waits for each agent's next sample, never reads the one it used again", async () => {
    const sampler = startSampler('a1', 1500)
    await sampler.written
    const session = await Session.open()
    try {
      const hosts = session.select({hosts: ['a1']})
      const first = await pollUsage(session, hosts, 1000)
      const used = first.samples.get('a1') as HostSample
      const second = await pollUsage(session, hosts, 1000, undefined, undefined, first.samples)
      const next = second.samples.get('a1') as HostSample
      assert.equal(second.report.hosts[0]!.status, 'ok')
      assert.ok(next.timeMs > used.timeMs, `read ${next.timeMs} again after ${used.timeMs}`)
      // An agent that stops writing (its key not yet expired): the loop says so after its interval and 2 s.
      await sampler.stop()
      const third = await pollUsage(session, hosts, 1000, undefined, undefined, second.samples)
      assert.equal(third.report.hosts[0]!.status, 'unreachable')
      assert.match(third.report.hosts[0]!.error!, /^host "a1": its agent wrote no sample newer than the last reading in \d+ s$/)
    } finally {
      await session.close()
      await sampler.stop()
    }
  })

  it('stopped (SIGTERM) while waiting for the next sample, a loop abandons the reading rather than report the agents dead', async () => {
    const sampler = startSampler('a1', 1000)
    await sampler.written
    const session = await Session.open()
    try {
      const hosts = session.select({hosts: ['a1']})
      const first = await pollUsage(session, hosts, 1000)
      await sampler.stop()
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 300)
      await assert.rejects(
        pollUsage(session, hosts, 1000, undefined, controller.signal, first.samples),
        (error: Error) => error.name === 'AbortError',
      )
    } finally {
      await session.close()
      await sampler.stop()
    }
  })

  it('a sampler that stopped writing: after 3 intervals its host is unreachable, saying so; the others still answer', async () => {
    const sampler = startSampler('a1', 1000)
    const other = startSampler('a2', 1000)
    await Promise.all([sampler.written, other.written])
    await sampler.stop() // as if killed: its lease is no longer kept alive
    const session = await Session.open()
    try {
      const deadline = Date.now() + 20_000
      let a1: {status: string; error?: string; exitCode?: number} | undefined
      for (;;) {
        const {report} = await pollUsage(session, session.select({hosts: ['a1', 'a2']}), 1000)
        a1 = report.hosts.find((h) => h.host === 'a1')
        assert.equal(report.hosts.find((h) => h.host === 'a2')!.status, 'ok')
        if (a1?.status !== 'ok' || Date.now() > deadline) break
        await sleep(500)
      }
      assert.deepEqual(a1, {
        host: 'a1',
        site: 's',
        status: 'unreachable',
        error: 'host "a1": its agent\'s sample expired (no report for more than 3 intervals)',
        exitCode: 5,
      })
    } finally {
      await session.close()
      await other.stop()
    }
  })

  it('a host whose hypervisor does not answer its agent is reported with the reason, not as gone', async () => {
    const sampler = startSampler('a1', 1000, async () => {
      throw new HypervisorUnavailableError('a1', 'qemu:///system', 'Failed to connect socket to /run/libvirt/libvirt-sock')
    })
    await sampler.written
    const pairs = await readAgentPairs(store, [local('a1', {agent: {store: true}})])
    const e = pairs.get('a1') as Error & {exitCode: number}
    assert.match(e.message, /^host "a1": its agent cannot sample it: .*libvirt-sock/)
    assert.equal(e.exitCode, 5)
    await sampler.stop()
  })

  it('a host name cannot leave its key: "a/../b" is one key under samples/, read back as itself', async () => {
    assert.equal(store.sampleKey('a/../b'), 'agents/samples/a%2F..%2Fb')
    await store.putSample('a/../b', {intervalMs: 1000, error: 'x', timeMs: 0}, 3000)
    assert.deepEqual((await store.readSamples()).get('a/../b'), {intervalMs: 1000, error: 'x', timeMs: 0})
    assert.equal(etcd.ctl(['get', 'agents/b']).trim(), '')
  })
})
