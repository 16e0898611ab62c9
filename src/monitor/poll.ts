import type {HostSample} from '../hypervisor/driver.js'
import type {HostRecord} from '../inventory/host.js'
import {fanout} from '../services/fanout.js'
import type {Session} from '../services/session.js'
import {freshAgentPairs, readAgentPairs} from './agent-samples.js'
import {type HostUsage, type VmUsage, usageBetween} from './rates.js'

export interface UsageReport {
  /** End of the interval, ms since the epoch (simulated time for sim hosts). */
  timeMs: number
  intervalSec: number
  hosts: HostUsage[]
  vms: VmUsage[]
}

export type Samples = Map<string, HostSample | Error>

/** Reads every host's counters at once; a host that fails is kept as its error. */
export async function sampleHosts(session: Session, hosts: HostRecord[]): Promise<Samples> {
  const outcomes = await fanout(hosts, async (h) => (await session.driver(h)).sample())
  return new Map(outcomes.map((o) => [o.host, o.ok ? o.value : o.error]))
}

/** Rates between two rounds of samples; hosts missing from either round are reported as such. */
export function report(hosts: HostRecord[], before: Samples, after: Samples): UsageReport {
  const out: UsageReport = {timeMs: 0, intervalSec: 0, hosts: [], vms: []}
  for (const h of hosts) {
    const a = before.get(h.name)
    const b = after.get(h.name)
    const failed = [b, a].find((s) => s instanceof Error) as (Error & {exitCode?: number}) | undefined
    if (failed || !a || !b) {
      const unreachable = failed?.exitCode === 5 || failed?.exitCode === 6
      out.hosts.push({
        host: h.name,
        site: h.site,
        status: unreachable ? 'unreachable' : 'failed',
        error: failed?.message ?? 'no sample',
        exitCode: failed?.exitCode ?? 1,
      })
      continue
    }
    const u = usageBetween(a as HostSample, b as HostSample, {name: h.name, site: h.site})
    out.hosts.push(u.host)
    out.vms.push(...u.vms)
    out.timeMs = Math.max(out.timeMs, (b as HostSample).timeMs)
    out.intervalSec = Math.max(out.intervalSec, ((b as HostSample).timeMs - (a as HostSample).timeMs) / 1000)
  }
  return out
}

/**
 * One `violin usage` reading. Hosts polled over SSH (or locally): sample, wait the
 * interval, sample again; from `previous` samples (a loop's last reading) it waits only
 * what is left of the interval since then. Hosts whose agents report through the store
 * (agent.store) are read at the end, all in one read of the store: their agent's last two
 * samples, no waiting; a session of such hosts alone does not wait at all. In a loop,
 * `seen` (the previous reading's samples, also after actions) makes it wait for each
 * agent's next sample rather than read the one it already used.
 */
export async function pollUsage(
  session: Session,
  hosts: HostRecord[],
  intervalMs: number,
  previous?: Samples,
  signal?: AbortSignal,
  seen: Samples | undefined = previous,
): Promise<{report: UsageReport; samples: Samples}> {
  const viaAgent = hosts.filter((h) => h.agent?.store)
  const polled = viaAgent.length === 0 ? hosts : hosts.filter((h) => !h.agent?.store)
  let before: Samples = new Map()
  let after: Samples = new Map()
  if (polled.length > 0) {
    let waitMs = intervalMs
    const earlier = previous && polled.every((h) => previous.has(h.name)) ? previous : undefined
    if (earlier) {
      const times = polled.flatMap((h) => {
        const s = earlier.get(h.name)
        return !s || s instanceof Error ? [] : [s.timeMs]
      })
      if (times.length > 0) waitMs = Math.max(0, intervalMs - (session.clock.now() - Math.max(...times)))
      before = earlier
    } else before = await sampleHosts(session, polled)
    await session.clock.sleep(waitMs, signal)
    after = await sampleHosts(session, polled)
  }
  if (viaAgent.length > 0) {
    const store = await session.store()
    const pairs = seen
      ? await freshAgentPairs(store, viaAgent, seen, intervalMs, session.clock, signal)
      : await readAgentPairs(store, viaAgent)
    before = new Map(before)
    for (const [name, pair] of pairs) {
      before.set(name, pair instanceof Error ? pair : pair.prev)
      after.set(name, pair instanceof Error ? pair : pair.last)
    }
  }
  return {report: report(hosts, before, after), samples: after}
}
