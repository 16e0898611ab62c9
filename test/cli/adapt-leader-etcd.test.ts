import {strict as assert} from 'node:assert'
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {openIntent, openIntents} from '../../src/adapt/intents.js'
import {EtcdStore} from '../../src/store/etcd-store.js'
import {DOCS} from '../../src/store/store.js'
import {parseStoreUrl} from '../../src/store/url.js'
import {EXAMPLE, ROOT, violinProcess} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

/** One `violin adapt` running in the background, its output kept. */
interface Running {
  child: ChildProcess
  out: () => string
  err: () => string
  /** Resolves when its stderr (or stdout) matches, with the time it did. */
  waitFor(re: RegExp, ms: number): Promise<number>
}

function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
    env: {...process.env, ...env, FORCE_COLOR: '0'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    for (const w of waiters) w()
  })
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
    for (const w of waiters) w()
  })
  return {
    child,
    out: () => out,
    err: () => err,
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(err) || re.test(out)) {
            clearTimeout(timer)
            resolve(Date.now())
            return true
          }
          return false
        }
        const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; stderr: ${err}; stdout: ${out.slice(-500)}`)), ms)
        if (!check()) waiters.push(check)
      }),
  }
}

/** Its exit code once it exits; fails naming it, with its stderr, when it is still running after `ms`. */
async function exitWithin(r: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pid ${r.child.pid} still running ${ms} ms after the signal; stderr: ${r.err()}`)), ms)
  })
  try {
    const [code] = (await Promise.race([once(r.child, 'exit'), late])) as [number | null]
    return code
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `violin adapt` on two admin machines (two VIOLIN_HOMEs) against one 3-member etcd: one
 * leads, the other stands by and takes over when the leader is killed; `adapt --once` runs
 * one pass at a time across both and skips within --min-gap; an action left open by a
 * dead leader is recovered by the next pass.
 */
describe('violin adapt on two machines sharing an etcd store', function () {
  this.timeout(120_000)
  let etcd: EtcdCluster
  let homes: string[]
  let prefix = 0
  let url: string
  const running: Running[] = []
  const envOf = (i: number) => ({VIOLIN_HOME: homes[i]!, VIOLIN_STORE: url, VIOLIN_STORE_TIMEOUT: '5'})

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    etcd = await startEtcd({members: 3})
  })
  after(async () => {
    await etcd?.stop()
  })

  beforeEach(async () => {
    url = etcd.url(`leader${++prefix}`)
    homes = [0, 1, 2].map((i) => mkdtempSync(join(tmpdir(), `violin-admin${i}-`)))
  })
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL')
    for (const h of homes) rmSync(h, {recursive: true, force: true})
  })

  async function simHosts(): Promise<void> {
    for (const [name, site] of [
      ['east1', 'east'],
      ['east2', 'east'],
      ['east3', 'east'],
      ['west1', 'west'],
      ['west2', 'west'],
    ]) {
      const r = await violinProcess(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE], envOf(0))
      assert.equal(r.exitCode, 0, r.stderr)
    }
  }

  it('one leads, the other stands by and takes over when the leader is SIGKILLed; SIGTERM exits 0, also while standing by', async () => {
    await simHosts()
    const args = ['adapt', '--policy', 'none', '--lease-ttl', '2', '--interval', '1']
    const both = [start(args, envOf(0)), start(args, envOf(1))]
    running.push(...both)
    await Promise.all(both.map((r) => r.waitFor(/^(leading|standby): /m, 30_000)))
    const leaders = both.filter((r) => /^leading: /m.test(r.err()))
    assert.equal(leaders.length, 1, both.map((r) => r.err()).join('\n---\n'))
    const leader = leaders[0]!
    const standby = both.find((r) => r !== leader)!
    assert.match(leader.err(), new RegExp(`^leading: \\S+ pid ${leader.child.pid}$`, 'm'))
    assert.match(standby.err(), new RegExp(`^standby: \\S+ pid ${leader.child.pid} leads; taking over when its lease ends$`, 'm'))
    assert.doesNotMatch(standby.err(), /^leading:/m)
    await leader.waitFor(/none: note/, 20_000)

    const killedAt = Date.now()
    leader.child.kill('SIGKILL')
    const tookOverAt = await standby.waitFor(/^leading: .* takes over from/m, 30_000)
    const takeoverS = (tookOverAt - killedAt) / 1000
    console.log(`      takeover after SIGKILL of the leader: ${takeoverS.toFixed(1)} s (lease TTL 2 s, interval 1 s)`)
    assert.match(standby.err(), new RegExp(`^leading: \\S+ pid ${standby.child.pid} takes over from \\S+ pid ${leader.child.pid}$`, 'm'))
    assert.ok(takeoverS < 15, `took over within the TTL plus an interval and a margin: ${takeoverS} s`)

    // A third machine stands by behind the new leader; SIGTERM ends it at once, exit 0.
    const third = start(args, envOf(2))
    running.push(third)
    await third.waitFor(new RegExp(`^standby: \\S+ pid ${standby.child.pid} leads`, 'm'), 30_000)
    const termAt = Date.now()
    third.child.kill('SIGTERM')
    assert.equal(await exitWithin(third, 30_000), 0, third.err())
    assert.ok(Date.now() - termAt < 10_000, 'a standby stops promptly')

    standby.child.kill('SIGTERM')
    assert.equal(await exitWithin(standby, 30_000), 0, standby.err())
  })

  it('adapt --once on two machines at once: one pass runs, the other exits 8 naming the holder; --min-gap skips a pass run too recently', async () => {
    // A libvirt test host: the pass measures over a real --interval (8 s: longer than the two start-ups differ on a loaded machine), so the two overlap.
    const add = await violinProcess(
      ['host', 'add', 'lab', '--local', '--site', 's', '--driver', 'libvirt', '--uri', 'test:///default'],
      envOf(0),
    )
    assert.equal(add.exitCode, 0, add.stderr)
    const [a, b] = await Promise.all([0, 1].map((i) => violinProcess(['adapt', '--once', '--policy', 'none', '--interval', '8'], envOf(i))))
    assert.deepEqual([a!.exitCode, b!.exitCode].sort(), [0, 8], `${a!.stderr}\n---\n${b!.stderr}`)
    const refused = a!.exitCode === 8 ? a! : b!
    assert.match(refused.stderr, /another adaptation pass is running \(on \S+ pid \d+\); lock .*lock\/adapt/)

    const skipped = await violinProcess(['adapt', '--once', '--policy', 'none', '--interval', '1', '--min-gap', '240'], envOf(1))
    assert.equal(skipped.exitCode, 0, skipped.stderr)
    assert.match(skipped.stderr, /^skipped: \S+ pid \d+ ran a pass \d+s ago \(--min-gap 240\)$/m)
    assert.equal(
      (await violinProcess(['adapt', '--once', '--quiet', '--policy', 'none', '--interval', '1', '--min-gap', '240'], envOf(1))).stderr,
      '',
      '--quiet: not a word',
    )
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const ran = await violinProcess(['adapt', '--once', '--json', '--policy', 'none', '--interval', '1', '--min-gap', '2'], envOf(1))
    assert.equal(ran.exitCode, 0, ran.stderr)
    assert.doesNotMatch(ran.stderr, /skipped/)
    assert.equal(ran.json.policy, 'none', 'the pass ran once the gap had passed')
  })

  it('an action a dead leader left open is recovered by the next pass and printed', async () => {
    await simHosts()
    const location = parseStoreUrl(url)
    if (location.kind !== 'etcd') throw new Error('not etcd')
    const store = await EtcdStore.open(location, 5000)
    try {
      // Simulated hosts keep their records in the store's sim/ part. hpc-1 runs on west1.
      const sim = store.scope('sim')
      await openIntent(sim, {kind: 'migrate', vm: 'hpc-1', from: 'east1', to: 'west1', reason: 'test'}, 'gone pid 1', Date.now())
      const r = await violinProcess(['adapt', '--once', '--policy', 'none'], envOf(1))
      assert.equal(r.exitCode, 0, r.stderr)
      assert.match(r.stdout, /^recovered: hpc-1: completed by the previous leader \(east1 → west1\)$/m)
      assert.deepEqual(await openIntents(sim), [])
      assert.ok((await sim.readLog('actions')).some((l) => /"recovered":"completed by the previous leader/.test(l.text)))
      assert.equal(typeof ((await sim.read(DOCS.passes))?.last as {atMs?: number})?.atMs, 'number', 'the pass is recorded for --min-gap')
    } finally {
      await store.close()
    }
  })
})
