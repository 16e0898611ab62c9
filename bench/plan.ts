/**
 * bench/plan: time to build one plan with each policy for 1,000 and 10,000 hosts (10 VMs
 * each, 4 sites), and the 10k/1k ratio: near 10 means linear (or n log n), near 100 means
 * quadratic. Target: 10,000 hosts in under 2 s. The cluster is random but seeded: a third
 * of the hosts are hot (busy VMs, high CPU, some swapping), a few in maintenance, and every
 * VM talks to two others of its environment. Env: RUNS (3).
 */
import {POLICIES} from '../src/policy/policies.js'
import {type ClusterView, DEFAULT_POLICY_OPTIONS, type HostView, type VmView} from '../src/policy/view.js'

const RUNS = Number(process.env.RUNS ?? 3)

function cluster(hosts: number, seed = 42): ClusterView {
  let s = seed
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const hostViews: HostView[] = []
  const vms: VmView[] = []
  const environments: ClusterView['environments'] = []
  const traffic: ClusterView['traffic'] = []
  for (let i = 0; i < hosts; i++) {
    const hot = i % 3 === 0
    hostViews.push({
      name: `h${i}`,
      site: `s${i % 4}`,
      cores: 16,
      memoryMiB: 65_536,
      freeMemoryMiB: hot ? 2048 : 32_768,
      cpu: hot ? 0.9 + rand() * 0.1 : rand() * 0.5,
      cpuPredicted: hot ? 0.88 + rand() * 0.1 : rand() * 0.5,
      swapWritesPerSecond: hot && rand() < 0.3 ? 200 : 0,
      nic: rand() * 0.9,
      nicBytesPerSecond: 125_000_000,
      hotSamples: hot ? 3 : 0,
      maintenance: i % 97 === 0,
    })
    for (let j = 0; j < 10; j++) {
      const env = `env${Math.floor((i * 10 + j) / 8)}`
      if ((i * 10 + j) % 8 === 0) environments.push({name: env, headSite: `s${i % 4}`})
      const demand = hot ? 0.6 + rand() * 0.4 : rand() * 0.5
      vms.push({name: `h${i}v${j}`, host: `h${i}`, environment: env, role: (i * 10 + j) % 8 === 0 ? 'head' : 'compute', vcpus: 2, memoryMiB: 4096, maxMemoryMiB: 8192, cpuShares: 1024, cpu: demand, cpuDemand: demand, memoryUsedMiB: 1024 + rand() * 3000, netBytesPerSecond: rand() * 5e6})
      traffic.push({src: `h${i}v${j}`, dst: `h${(i + 1) % hosts}v${j}`, bytesPerSecond: rand() * 1e6})
    }
  }
  return {nowMs: Date.now(), hosts: hostViews, vms, environments, traffic}
}

function timeOne(policy: string, view: ClusterView): number {
  const started = process.hrtime.bigint()
  POLICIES[policy]!(view, {...DEFAULT_POLICY_OPTIONS, maxMigrations: 20})
  return Number(process.hrtime.bigint() - started) / 1e6
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function main(): Promise<void> {
  const small = cluster(1000)
  const large = cluster(10_000)
  console.log('| policy | 1,000 hosts (ms) | 10,000 hosts (ms) | 10k / 1k | target |')
  console.log('|---|---|---|---|---|')
  for (const policy of Object.keys(POLICIES)) {
    timeOne(policy, small) // warm-up: JIT
    const a = median(Array.from({length: RUNS}, () => timeOne(policy, small)))
    const b = median(Array.from({length: RUNS}, () => timeOne(policy, large)))
    console.log(`| ${policy} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(1)} | ${b < 2000 ? 'under 2 s' : '**over 2 s**'} |`)
  }
}
