import type {HostRecord} from '../inventory/host.js'
import type {PairCount} from '../monitor/traffic-matrix.js'
import {pollUsage, type Samples, sampleHosts, type UsageReport} from '../monitor/poll.js'
import type {Action, TrafficView} from '../policy/cluster-view.js'
import {realClock, type Session} from './session.js'
import {readVmTraffic, vmTrafficRates} from './traffic-poll.js'

/** One outcome of the adaptation loop, as its 'actions' log records it (src/adapt/intents.ts). */
export interface TopDecision {
  /** When it was recorded, ms since the epoch. */
  atMs: number
  action: Action
  ok: boolean
  error?: string
  /** A move a later pass found done (or not) after its writer died: what it found. */
  recovered?: string
}

/** What `violin top` draws from, one per interval. */
export interface TopReading {
  report: UsageReport
  /** Bytes/s through each VM's NIC over the interval, by `host/vm`; a VM not measured has none. */
  vmNet: Map<string, number>
  /** The traffic matrix between VMs, bytes/s; `none` says why there is none, `notes` what could not be read. */
  traffic: {pairs: TrafficView[]; notes: string[]; none?: string}
  /** The adaptation loop's latest recorded outcomes, newest first; `none` says why there are none to read. */
  decisions: {records: TopDecision[]; notes: string[]; none?: string}
  /** Hosts in maintenance (`violin host drain`). */
  drained: Set<string>
}

/** How many recorded decisions a reading carries. */
export const TOP_DECISIONS = 10

/**
 * The readings of `violin top`: the same poll as `usage --watch` (one interval per reading,
 * simulated hosts advanced by the interval while a person waits it in real time), each
 * VM's NIC rate between consecutive samples, the traffic matrix as an adaptation pass
 * reads it (a scenario's own, or the switches' of the inventory's environments, on either
 * data plane), and
 * the last outcomes in the store's 'actions' log. Nothing here fails a reading but the
 * poll itself; what could not be read is a note in the reading.
 */
export class TopFeed {
  private samples?: Samples
  private traffic?: {at: number; pairs: Map<string, PairCount>}

  constructor(
    private readonly session: Session,
    private readonly hosts: HostRecord[],
    private readonly intervalMs: number,
    /** Readings to give; after the last, next() waits one interval (it stays on screen) and gives none. */
    private readonly count?: number,
  ) {}

  private given = 0

  /** The next reading: the first one interval after the call, each next one an interval after the previous; undefined after `count`. */
  async next(signal?: AbortSignal): Promise<TopReading | undefined> {
    const {session, hosts, intervalMs} = this
    if (this.count !== undefined && this.given >= this.count) {
      await realClock.sleep(intervalMs, signal)
      return undefined
    }
    this.given++
    const first = this.samples === undefined
    if (first) {
      // Sampled here, not inside the poll, so the first reading has NIC rates too.
      this.samples = await sampleHosts(
        session,
        hosts.filter((h) => !h.agent?.store),
      )
      if (!session.scenario) this.traffic = await this.readTraffic([])
    } else {
      // A person watches in real time, also when the hosts are simulated ones (as usage --watch).
      await Promise.all([session.clock.sleep(intervalMs, signal), realClock.sleep(intervalMs, signal)])
    }
    const previous = this.samples!
    const {report, samples} = await pollUsage(session, hosts, intervalMs, previous, signal)
    this.samples = samples
    const world = session.scenario
    const vmNet = world ? scenarioNet(report, world.netOf()) : nicRates(previous, samples)
    const traffic = world ? {pairs: world.traffic(), notes: []} : await this.trafficRates()
    return {
      report,
      vmNet,
      traffic,
      decisions: await this.decisions(),
      drained: new Set(hosts.filter((h) => h.maintenance).map((h) => h.name)),
    }
  }

  private async readTraffic(notes: string[]): Promise<{at: number; pairs: Map<string, PairCount>}> {
    // Where the VMs run is asked again each reading: they move.
    return {at: this.session.clock.now(), pairs: await readVmTraffic(this.session, new Map(), notes)}
  }

  private async trafficRates(): Promise<TopReading['traffic']> {
    const {inventory} = this.session
    if (!inventory) return {pairs: [], notes: [], none: 'no traffic matrix: a cluster file has none'}
    if (!inventory.environments().some((e) => e.network && !e.network.stopped))
      return {pairs: [], notes: [], none: 'no traffic matrix: no environment has a switch running'}
    const notes: string[] = []
    const before = this.traffic
    const after = await this.readTraffic(notes)
    this.traffic = after
    const seconds = before ? (after.at - before.at) / 1000 : 0
    return {pairs: before ? vmTrafficRates(before.pairs, after.pairs, seconds) : [], notes}
  }

  private async decisions(): Promise<TopReading['decisions']> {
    if (!this.session.inventory) return {records: [], notes: [], none: 'no recorded decisions (--connect)'}
    try {
      const log = await (await this.session.store()).readLog('actions')
      return latestDecisions(
        log.map((r) => r.text),
        TOP_DECISIONS,
      )
    } catch (error) {
      return {records: [], notes: [`the actions log was not read: ${(error as Error).message}`]}
    }
  }
}

/** Each VM's NIC bytes/s: the change of received + sent between its host's two samples. */
export function nicRates(before: Samples, after: Samples): Map<string, number> {
  const out = new Map<string, number>()
  for (const [host, b] of after) {
    const a = before.get(host)
    if (!a || a instanceof Error || b instanceof Error) continue
    const seconds = (b.timeMs - a.timeMs) / 1000
    if (!(seconds > 0)) continue
    const old = new Map(a.vms.map((v) => [v.name, v]))
    for (const vm of b.vms) {
      const o = old.get(vm.name)
      const now = bytes(vm)
      const then = o && bytes(o)
      // A counter that went back (the VM restarted or moved here) gives no rate.
      if (now !== undefined && then !== undefined && now >= then) out.set(`${host}/${vm.name}`, (now - then) / seconds)
    }
  }
  return out
}

const bytes = (vm: {netRxBytes?: number; netTxBytes?: number}) =>
  vm.netRxBytes === undefined || vm.netTxBytes === undefined ? undefined : vm.netRxBytes + vm.netTxBytes

/** A scenario's VMs say what they send and receive (as an adaptation pass reads them). */
function scenarioNet(report: UsageReport, net: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>()
  for (const vm of report.vms) out.set(`${vm.host}/${vm.name}`, net.get(vm.name) ?? 0)
  return out
}

/** The last `count` records of the 'actions' log, newest first; lines that are not such a record are counted in a note. */
export function latestDecisions(lines: readonly string[], count: number): TopReading['decisions'] {
  const records: TopDecision[] = []
  let unreadable = 0
  for (let i = lines.length - 1; i >= 0 && records.length < count; i--) {
    const d = decisionOf(lines[i]!)
    if (d) records.push(d)
    else unreadable++
  }
  return {records, notes: unreadable > 0 ? [`${unreadable} record(s) of the actions log not understood`] : []}
}

function decisionOf(line: string): TopDecision | undefined {
  let r: Record<string, unknown>
  try {
    r = JSON.parse(line)
  } catch {
    return undefined
  }
  const action = r?.action as Action | undefined
  const atMs = typeof r?.at === 'string' ? Date.parse(r.at) : Number.NaN
  if (!action || typeof action !== 'object' || typeof action.kind !== 'string' || Number.isNaN(atMs)) return undefined
  if (!['set-shares', 'set-memory', 'migrate', 'migrate-environment'].includes(action.kind)) return undefined
  if (action.kind === 'migrate-environment' && !Array.isArray(action.moves)) return undefined
  return {
    atMs,
    action,
    ok: r.ok === true,
    ...(typeof r.error === 'string' ? {error: r.error} : {}),
    ...(typeof r.recovered === 'string' ? {recovered: r.recovered} : {}),
  }
}
