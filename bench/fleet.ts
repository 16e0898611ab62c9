/**
 * bench/fleet: agents report usage through etcd, at fleet size. A real 3-member etcd on
 * loopback; for N = 1,000 and 10,000 hosts (BENCH_FLEET="1000,10000"), an inventory of N
 * hosts marked agent.store in the store, and N simulated agents (in this process, one
 * lease per host, as N real agents would hold) writing the pair of samples of a host of
 * 10 VMs every 10 s, spread over the interval:
 *
 *   - the write load sustained: writes/s, and the latency of one sample (keep-alive of its
 *     lease + put) p50/p99, over BENCH_ROUNDS intervals (2) after one untimed interval that
 *     grants the leases;
 *   - `violin usage --json` reading all of them (a process, as a user runs it), and one
 *     `violin adapt --once --dry-run --json` pass (read + plan) over them: first with every
 *     key written once and the agents idle (violin's own cost), then while they write.
 *     On one machine the simulated agents and three etcd members take the cores a fleet's
 *     hosts and etcd servers would bring.
 *
 * Target: 10,000 hosts read and planned in under 3 s, growing linearly. Beside it, the same
 * dry-run pass by SSH polling of 50 sshd hosts (libvirt's test driver, --interval 1, the
 * interval subtracted) for the ratio per host. BENCH_SSH=0 skips it (it needs root).
 * Each timed command runs BENCH_RUNS times (3); medians.
 */
import {spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import type {HostSample} from '../src/hypervisor/driver.js'
import type {HostRecord} from '../src/inventory/host.js'
import {SAMPLE_TTL_INTERVALS} from '../src/monitor/agent-samples.js'
import {addHost} from '../src/services/hosts.js'
import {EtcdStore} from '../src/store/etcd-store.js'
import {DOCS} from '../src/store/store.js'
import {parseStoreUrl} from '../src/store/url.js'
import {ROOT} from '../test/helpers/cli.js'
import {etcdUnavailable, startEtcd} from '../test/helpers/etcd.js'
import {LOOPBACK, sshdUnavailable, startSshd} from '../test/helpers/sshd.js'

const SIZES = (process.env.BENCH_FLEET ?? '1000,10000').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const INTERVAL_MS = 10_000
const VMS = 10
const SSH_HOSTS = 50

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!
const ms = (x: number) => `${x.toFixed(0)} ms`

/** A host of 10 VMs at time t: counters that grow, so rates come out of every pair. */
function sample(host: number, t: number): HostSample {
  const vms = Array.from({length: VMS}, (_, j) => ({
    name: `h${host}v${j}`,
    state: 'running' as const,
    vcpus: 2,
    cpuTimeNs: Math.round(t * 1e6 * (0.2 + ((host * 7 + j) % 10) / 12)),
    cpuWaitNs: Math.round(t * 1e4),
    memoryMiB: 4096,
    maxMemoryMiB: 8192,
    memoryUsedMiB: 1024 + ((host + j) % 30) * 100,
    swapOutKiB: 0,
    netRxBytes: t * 1000,
    netTxBytes: t * 900,
    raw: {},
  }))
  return {
    timeMs: t,
    host: {cores: 16, memoryMiB: 65_536, freeMemoryMiB: 30_000, hypervisor: 'QEMU', hypervisorVersion: '7.2.0'},
    vms,
    counters: {swapOutPages: 0, nicBytes: t * 2000, nicBytesPerSecond: 125e6, nic: 'eth0'},
  }
}

interface Writers {
  latencies: number[]
  writes: number
  errors: number
  stop(): Promise<void>
  measuring: boolean
}

/** N agents, each writing its pair every interval, spread evenly over the interval. */
function startWriters(store: EtcdStore, n: number): Writers {
  const w: Writers = {latencies: [], writes: 0, errors: 0, measuring: false, stop: async () => {}}
  const start = Date.now()
  const next = Array.from({length: n}, (_, i) => start + (i / n) * INTERVAL_MS)
  const inflight = new Set<Promise<void>>()
  let stopped = false
  let cursor = 0
  const tick = () => {
    const now = Date.now()
    // hosts are due in index order, round after round
    for (let k = 0; k < n && next[cursor]! <= now; k++) {
      const i = cursor
      const due = next[i]!
      next[i] = due + INTERVAL_MS
      cursor = (cursor + 1) % n
      const t0 = performance.now()
      const p = store
        .putSample(
          `h${i}`,
          {intervalMs: INTERVAL_MS, prev: sample(i, due - INTERVAL_MS), last: sample(i, due)},
          SAMPLE_TTL_INTERVALS * INTERVAL_MS,
        )
        .then(
          () => {
            if (w.measuring) {
              w.latencies.push(performance.now() - t0)
              w.writes++
            }
          },
          () => void (w.measuring && w.errors++),
        )
        .finally(() => inflight.delete(p))
      inflight.add(p)
    }
    if (!stopped) timer = setTimeout(tick, 5)
  }
  let timer = setTimeout(tick, 0)
  w.stop = async () => {
    stopped = true
    clearTimeout(timer)
    await Promise.all(inflight)
  }
  return w
}

/**
 * Runs violin with its stdout into a file, as a cron job redirects it: a pipe to this
 * process, busy writing the agents' samples, would make violin wait to print.
 */
async function timeCli(args: string[], env: Record<string, string>): Promise<{ms: number; stdout: string}> {
  const out = join(tmpdir(), `violin-bench-fleet-${process.pid}.out`)
  const fd = openSync(out, 'w')
  const t0 = performance.now()
  const {code, stderr} = await new Promise<{code: number | null; stderr: string}>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
      env: {...process.env, ...env, FORCE_COLOR: '0'},
      stdio: ['ignore', fd, 'pipe'],
    })
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.once('error', reject)
    child.once('close', (c) => resolve({code: c, stderr: err}))
  })
  const ms = performance.now() - t0
  closeSync(fd)
  const stdout = readFileSync(out, 'utf8')
  rmSync(out, {force: true})
  // exit 7 (some hosts not answering) still prints the report
  if (code !== 0 && !(code === 7 && stdout)) throw new Error(`violin ${args.join(' ')} failed (exit ${code}): ${stderr.slice(-600)}`)
  return {ms, stdout}
}

async function sshBaseline(): Promise<number | undefined> {
  if (process.env.BENCH_SSH === '0') return undefined
  const reason = sshdUnavailable()
  if (reason) {
    console.log(`SSH baseline skipped: ${reason}`)
    return undefined
  }
  const dir = mkdtempSync(join(tmpdir(), 'violin-bench-fleet-ssh-'))
  const sshd = await startSshd({ports: SSH_HOSTS})
  const saved = {...process.env}
  try {
    const knownHosts = join(dir, 'known_hosts')
    sshd.writeKnownHosts(knownHosts)
    const env = {VIOLIN_HOME: join(dir, 'home'), VIOLIN_KNOWN_HOSTS: knownHosts, VIOLIN_STORE: '', SSH_AUTH_SOCK: ''}
    Object.assign(process.env, env)
    delete process.env.VIOLIN_STORE
    delete process.env.VIOLIN_CONNECT
    for (const [i, port] of sshd.ports.entries()) {
      await addHost({
        name: `s${i}`,
        ssh: `root@${LOOPBACK}:${port}`,
        local: false,
        site: `site${i % 4}`,
        driver: 'libvirt',
        uri: 'test:///default',
        identity: sshd.userKeyPath,
        force: false,
      })
    }
    const times: number[] = []
    await timeCli(['adapt', '--once', '--dry-run', '--json', '--interval', '1'], env) // warm-up
    for (let r = 0; r < RUNS; r++) times.push((await timeCli(['adapt', '--once', '--dry-run', '--json', '--interval', '1'], env)).ms - 1000)
    const m = median(times)
    console.log(
      `SSH polling, ${SSH_HOSTS} hosts: adapt --once --dry-run ${ms(m)} (the 1 s interval subtracted; runs ${times.map(ms).join(', ')}), ${(m / SSH_HOSTS).toFixed(2)} ms per host`,
    )
    return m / SSH_HOSTS
  } finally {
    process.env = saved
    await sshd.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

/** `usage --json` and one `adapt --once --dry-run` pass, RUNS times each; the adapt median. */
async function timeReads(n: number, env: Record<string, string>, what: string, before?: () => Promise<void>): Promise<number> {
  const usage: number[] = []
  const adapt: number[] = []
  for (let r = 0; r < RUNS; r++) {
    await before?.()
    const u = await timeCli(['usage', '--json'], env)
    const report = JSON.parse(u.stdout) as {hosts: Array<{status: string}>; vms: unknown[]}
    const ok = report.hosts.filter((h) => h.status === 'ok').length
    if (ok !== n)
      console.log(`N = ${n}, ${what}: usage saw ${ok} of ${n} hosts answering (the others' samples expired: the agents fell behind)`)
    usage.push(u.ms)
    const a = await timeCli(['adapt', '--once', '--dry-run', '--json'], env)
    const pass = JSON.parse(a.stdout) as {seen: {hosts: number; vms: number}; plan: {actions: unknown[]}}
    if (pass.seen.vms !== n * VMS)
      console.log(`N = ${n}, ${what}: adapt saw ${pass.seen.vms} VMs, not ${n * VMS} (samples expired: the agents fell behind)`)
    adapt.push(a.ms)
    if (r === 0)
      console.log(
        `N = ${n}, ${what}: usage --json: ${report.vms.length} VMs, ${(u.stdout.length / 1e6).toFixed(1)} MB of JSON; adapt planned ${pass.plan.actions.length} actions`,
      )
  }
  const mA = median(adapt)
  console.log(
    `N = ${n}, ${what}: usage --json ${ms(median(usage))} (runs ${usage.map(ms).join(', ')}); adapt --once --dry-run ${ms(mA)} (runs ${adapt.map(ms).join(', ')}), ${(mA / n).toFixed(3)} ms per host`,
  )
  return mA
}

/** Every host's pair written once, 64 at a time: all N keys fresh for the reads with the agents idle. */
async function writeAll(store: EtcdStore, n: number): Promise<number> {
  const t0 = performance.now()
  const now = Date.now()
  let next = 0
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      // An etcd just freed of an overload may still be electing a leader: a write tries again.
      for (let attempt = 1; ; attempt++) {
        try {
          await store.putSample(
            `h${i}`,
            {intervalMs: INTERVAL_MS, prev: sample(i, now - INTERVAL_MS), last: sample(i, now)},
            SAMPLE_TTL_INTERVALS * INTERVAL_MS,
          )
          break
        } catch (error) {
          if (attempt === 3) throw error
          console.log(`N = ${n}: writing h${i} failed (${(error as Error).message}); trying again`)
        }
      }
    }
  }
  await Promise.all(Array.from({length: 64}, worker))
  return performance.now() - t0
}

export async function main(): Promise<void> {
  const reason = etcdUnavailable()
  if (reason) throw new Error(`cannot run: ${reason}`)
  console.log(
    `${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; 3-member etcd on loopback; ${VMS} VMs per host, one sample pair per host every ${INTERVAL_MS / 1000} s, lease ${SAMPLE_TTL_INTERVALS} intervals`,
  )
  const perHost = new Map<number, number>()
  for (const n of SIZES) {
    console.log('')
    const etcd = await startEtcd({members: 3})
    const home = mkdtempSync(join(tmpdir(), 'violin-bench-fleet-'))
    const url = etcd.url('fleet')
    const env = {VIOLIN_HOME: home, VIOLIN_STORE: url}
    const store = await EtcdStore.open(parseStoreUrl(url) as never, 30_000)
    let writers: Writers | undefined
    try {
      const hosts: Record<string, HostRecord> = {}
      for (let i = 0; i < n; i++)
        hosts[`h${i}`] = {
          name: `h${i}`,
          site: `site${i % 4}`,
          transport: {kind: 'ssh', user: 'root', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 22},
          driver: 'libvirt',
          uri: 'qemu:///system',
          agent: {store: true},
        }
      await store.write(DOCS.inventory, {version: 1, hosts, vms: {}, environments: {}})
      // Violin's own cost first: every key written once, the agents idle, then the reads. On
      // one machine the simulated agents and three etcd members take the cores that a
      // fleet's hosts and etcd servers would bring; the figure under load comes after.
      // Written again before each run: with the agents idle the keys expire after 3 intervals.
      const idle = await timeReads(n, env, 'agents idle', async () => {
        const written = await writeAll(store, n)
        console.log(`N = ${n}: all ${n} samples written in ${ms(written)} (64 at a time)`)
      })
      writers = startWriters(store, n)
      await new Promise((r) => setTimeout(r, INTERVAL_MS + 500)) // every lease kept alive, every key written once more
      writers.measuring = true
      const t0 = performance.now()
      await new Promise((r) => setTimeout(r, ROUNDS * INTERVAL_MS))
      const seconds = (performance.now() - t0) / 1000
      const {latencies, writes, errors} = writers
      writers.measuring = false
      console.log(
        `N = ${n}: ${(writes / seconds).toFixed(0)} writes/s sustained over ${seconds.toFixed(0)} s (${writes} sample writes, ${errors} failed; expected ${((n / INTERVAL_MS) * 1000).toFixed(0)}/s), latency p50 ${latencies.length ? pct(latencies, 50).toFixed(1) : '-'} ms, p99 ${latencies.length ? pct(latencies, 99).toFixed(1) : '-'} ms`,
      )
      const writing = await timeReads(n, env, 'while the agents write')
      for (const [what, m] of [
        ['agents idle', idle],
        ['while the agents write', writing],
      ] as const) {
        if (n === 10_000) console.log(`N = ${n}, ${what}: target < 3000 ms for read + plan: ${m < 3000 ? 'met' : 'NOT met'} (${ms(m)})`)
      }
      perHost.set(n, idle)
    } finally {
      await writers?.stop()
      await store.close()
      await etcd.stop()
      rmSync(home, {recursive: true, force: true})
    }
  }
  if (perHost.has(1000) && perHost.has(10_000))
    console.log(
      `\nadapt dry-run (agents idle) 10k / 1k = ${(perHost.get(10_000)! / perHost.get(1000)!).toFixed(2)} (10 = linear; start-up of ~0.3 s weighs on the 1k side)`,
    )
  const sshPerHost = await sshBaseline()
  if (sshPerHost !== undefined) {
    for (const [n, m] of perHost)
      console.log(
        `per host: SSH polling ${sshPerHost.toFixed(2)} ms vs agents through etcd (idle) ${(m / n).toFixed(3)} ms at N = ${n}: ratio ${(sshPerHost / (m / n)).toFixed(1)}x`,
      )
  }
}
