import {UsageError} from '../errors.js'
import {type PairCount, type PairRate, pairRates, sumPairs} from '../monitor/traffic-matrix.js'
import type {TrafficView} from '../policy/cluster-view.js'
import type {Session} from './session.js'
import {switchTraffic, trafficHosts} from './switch-service.js'

export interface EnvironmentTraffic {
  env: string
  vni: number
  pairs: PairRate[]
}

export interface TrafficReport {
  intervalSeconds: number
  environments: EnvironmentTraffic[]
  failures: Array<{env: string; host: string; error: Error}>
  /** Hosts asked in the second reading (one per environment and host). */
  asked: number
}

/**
 * Reads the traffic matrix of environments (either data plane) twice, `intervalMs`
 * apart, from their hosts (the udp plane's agents, the kernel plane's nftables counters):
 * totals since each switch started, and rates.
 */
export async function pollTraffic(session: Session, envNames: string[] | undefined, intervalMs: number): Promise<TrafficReport> {
  const inventory = session.inventory
  if (!inventory) throw new UsageError("usage --traffic reads the inventory's environments; it cannot be used with --connect")
  const envs = envNames?.length
    ? envNames.map((n) => inventory.environment(n))
    : inventory.environments().filter((e) => e.network && !e.network.stopped)
  const failures: TrafficReport['failures'] = []
  let asked = 0
  const where = await Promise.all(envs.map((env) => (env.network ? trafficHosts(session, env.name) : undefined)))
  const read = async (): Promise<PairCount[][]> =>
    Promise.all(
      envs.map(async (env, i) => {
        const outcomes = await switchTraffic(session, env.name, where[i])
        asked += outcomes.length
        for (const o of outcomes) if (!o.ok) failures.push({env: env.name, host: o.host, error: o.error})
        return sumPairs(outcomes.flatMap((o) => (o.ok ? [o.value] : [])))
      }),
    )
  const first = await read()
  await session.clock.sleep(intervalMs)
  failures.length = 0 // the second reading decides
  asked = 0
  const second = await read()
  return {
    intervalSeconds: intervalMs / 1000,
    environments: envs.map((env, i) => ({
      env: env.name,
      vni: env.network!.vni,
      pairs: pairRates(first[i]!, second[i]!, intervalMs / 1000),
    })),
    failures,
    asked,
  }
}

/**
 * The traffic matrices of the inventory's environments whose switches run (the udp data
 * plane's agents, the kernel one's nftables counters), per (source VM, destination VM): what the IDC policy's group reunion and
 * `violin top` read. Where each environment's VMs run is asked once and kept in `where`, so
 * a caller reading twice for rates asks the hypervisors once. A host or an environment that
 * cannot be asked costs a line in `notes`, never the caller.
 */
export async function readVmTraffic(session: Session, where: Map<string, string[]>, notes: string[]): Promise<Map<string, PairCount>> {
  const pairs = new Map<string, PairCount>()
  for (const env of session.inventory?.environments().filter((e) => e.network && !e.network.stopped) ?? []) {
    const hosts = where.get(env.name) ?? (await trafficHosts(session, env.name).catch(() => undefined))
    if (hosts) where.set(env.name, hosts)
    const outcomes = await switchTraffic(session, env.name, hosts).catch((error: Error) => {
      notes.push(`traffic of ${env.name} not read: ${error.message}`)
      return []
    })
    for (const o of outcomes) if (!o.ok) notes.push(`traffic of ${env.name} on ${o.host} not read: ${o.error.message}`)
    for (const p of sumPairs(outcomes.flatMap((o) => (o.ok ? [o.value] : []))))
      if (p.srcVm && p.dstVm) pairs.set(`${p.srcVm}>${p.dstVm}`, p)
  }
  return pairs
}

/** Bytes per second between VMs from two readings of readVmTraffic `seconds` apart; a pair whose counter went back is left out. */
export function vmTrafficRates(before: Map<string, PairCount>, after: Map<string, PairCount>, seconds: number): TrafficView[] {
  return pairRates([...before.values()], [...after.values()], seconds).flatMap((p) =>
    p.bytesPerSecond === undefined || !p.srcVm || !p.dstVm ? [] : [{src: p.srcVm, dst: p.dstVm, bytesPerSecond: p.bytesPerSecond}],
  )
}
