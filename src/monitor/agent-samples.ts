import {ExitCode, ViolinError} from '../errors.js'
import type {HostSample} from '../hypervisor/driver.js'
import type {HostRecord} from '../inventory/host.js'
import type {Clock} from '../services/session.js'
import type {Store} from '../store/store.js'

/**
 * Agents report usage: `violin agent --store URL --host NAME` samples its own host every
 * interval and writes, under PREFIX/samples/NAME (bound to its lease, three intervals),
 * the pair {prev, last} of its last two samples, so a reader gets rates from one read and
 * never waits. A sample it could not take (the hypervisor down) is written as an error
 * record: the reader says why the host has no usage, and the host is not taken for gone.
 * A host whose agent stopped writing loses its key when the lease expires: the reader
 * reports it unreachable, as a host that does not answer SSH.
 */

/** The lease outlives this many intervals without a write. */
export const SAMPLE_TTL_INTERVALS = 3

/** An agent's first pair: its first two samples are this far apart (or one interval, if shorter). */
const FIRST_GAP_MS = 1000

export type AgentRecord =
  | {intervalMs: number; prev?: HostSample; last: HostSample}
  | {intervalMs: number; error: string; exitCode?: number; timeMs: number}

export interface SamplerOptions {
  host: string
  store: Pick<Store, 'putSample'>
  /** Reads the host's counters through its local driver. */
  sample: () => Promise<HostSample>
  intervalMs: number
  signal: AbortSignal
  log: (line: string) => void
  now?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  /** Called after each record is written (or failed to be): the loop is observable in tests. */
  onRecord?: (record: AgentRecord, written: boolean) => void
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })

/**
 * The agent's loop: sample, write {prev, last}, sleep what is left of the interval, until
 * the signal aborts. A store that does not answer costs one interval's record (logged),
 * never the loop: the next write tries again, on a new lease if the old one expired.
 */
export async function runSampler(options: SamplerOptions): Promise<void> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? defaultSleep
  const {intervalMs, signal} = options
  const ttlMs = SAMPLE_TTL_INTERVALS * intervalMs
  let prev: HostSample | undefined
  let failing = false
  while (!signal.aborted) {
    const started = now()
    let record: AgentRecord
    try {
      const last = await options.sample()
      if (!prev) {
        // No pair yet: a second sample shortly, so the first record already gives rates.
        prev = last
        await sleep(Math.min(FIRST_GAP_MS, intervalMs), signal)
        continue
      }
      record = {intervalMs, prev: slim(prev), last: slim(last)}
      prev = last
      if (failing) options.log(`sampling ${options.host} works again`)
      failing = false
    } catch (error) {
      const e = error as Error & {exitCode?: number}
      record = {intervalMs, error: e.message, ...(e.exitCode === undefined ? {} : {exitCode: e.exitCode}), timeMs: now()}
      if (!failing) options.log(`sampling ${options.host} failed: ${e.message}`)
      failing = true
    }
    if (signal.aborted) break
    let written = false
    try {
      await options.store.putSample(options.host, record, ttlMs)
      written = true
    } catch (error) {
      options.log(
        `writing the sample of ${options.host} failed (trying again in ${Math.round(intervalMs / 1000)} s): ${(error as Error).message}`,
      )
    }
    options.onRecord?.(record, written)
    await sleep(Math.max(0, intervalMs - (now() - started)), signal)
  }
}

/**
 * A sample as the store keeps it: without each VM's raw hypervisor counters (domstats'
 * dozens of fields, for `violin domstats`), which rates never use. Ten thousand hosts'
 * pairs stay tens of MiB instead of hundreds.
 */
function slim(s: HostSample): HostSample {
  return {...s, vms: s.vms.map((v) => ({...v, raw: {}}))}
}

export type AgentPair = {prev: HostSample; last: HostSample} | Error

function isSample(x: unknown): x is HostSample {
  const s = x as HostSample | undefined
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.timeMs === 'number' &&
    Array.isArray(s.vms) &&
    typeof s.host === 'object' &&
    s.host !== null
  )
}

/** What a record read from the store says about a host: its pair of samples, or why there is none. */
export function pairFrom(host: string, record: unknown): AgentPair {
  if (record === undefined) {
    return new ViolinError(
      `host "${host}": its agent's sample expired (no report for more than ${SAMPLE_TTL_INTERVALS} intervals)`,
      ExitCode.unreachable,
      `violin agent start -H ${host}`,
    )
  }
  if (record instanceof Error) return new ViolinError(`host "${host}": ${record.message}`)
  const r = record as Partial<{prev: unknown; last: unknown; error: unknown; exitCode: unknown}>
  if (typeof r.error === 'string') {
    const code =
      typeof r.exitCode === 'number' && Object.values(ExitCode).includes(r.exitCode as never)
        ? (r.exitCode as (typeof ExitCode)[keyof typeof ExitCode])
        : ExitCode.failure
    return new ViolinError(`host "${host}": its agent cannot sample it: ${r.error}`, code)
  }
  if (!isSample(r.last) || (r.prev !== undefined && !isSample(r.prev)))
    return new ViolinError(`host "${host}": its agent's sample is not one violin writes`)
  return {prev: r.prev ?? r.last, last: r.last}
}

/**
 * The pairs of the hosts that report through their agents, from one read of the store.
 * The file store is this machine's alone: agents elsewhere cannot write it, so a host
 * marked to report through the store is a configuration error there, said per host.
 */
export async function readAgentPairs(store: Store, hosts: readonly HostRecord[]): Promise<Map<string, AgentPair>> {
  const out = new Map<string, AgentPair>()
  if (hosts.length === 0) return out
  if (store.backend === 'file') {
    for (const h of hosts) {
      out.set(
        h.name,
        new ViolinError(
          `host "${h.name}" reports through its agent (agent.store), but the store is files on this machine (${store.url}): agents need a shared store`,
          ExitCode.config,
          'VIOLIN_STORE=etcd://HOST:PORT/PREFIX (see "When one machine is not enough" in the README)',
        ),
      )
    }
    return out
  }
  let records: Map<string, unknown>
  try {
    records = await store.readSamples()
  } catch (error) {
    const e = error as Error & {exitCode?: number}
    for (const h of hosts)
      out.set(h.name, new ViolinError(`host "${h.name}": its agent's sample could not be read: ${e.message}`, ExitCode.unreachable))
    return out
  }
  for (const h of hosts) out.set(h.name, pairFrom(h.name, records.get(h.name)))
  return out
}

/**
 * The pairs of a loop's next reading (adapt in the foreground, usage --watch): an agent's
 * pair counts only once its last sample is newer than the one `seen` (the previous
 * reading) holds, or a loop would read the same sample again and act twice on one
 * measurement. Read again every second, up to the agent's own interval (or the loop's, if
 * longer) and 2 s more; an agent that wrote nothing newer by then is reported not
 * answering, as an expired one is. Aborted while waiting, it throws an AbortError.
 */
export async function freshAgentPairs(
  store: Store,
  hosts: readonly HostRecord[],
  seen: ReadonlyMap<string, HostSample | Error>,
  loopIntervalMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<Map<string, AgentPair>> {
  const start = clock.now()
  let deadline: number | undefined
  for (;;) {
    const pairs = await readAgentPairs(store, hosts)
    const stale = hosts.flatMap((h) => {
      const pair = pairs.get(h.name)
      const before = seen.get(h.name)
      return pair !== undefined &&
        !(pair instanceof Error) &&
        before !== undefined &&
        !(before instanceof Error) &&
        pair.last.timeMs <= before.timeMs
        ? [{host: h.name, gapMs: pair.last.timeMs - pair.prev.timeMs}]
        : []
    })
    if (stale.length === 0) return pairs
    deadline ??= start + Math.max(loopIntervalMs, ...stale.map((s) => s.gapMs)) + 2000
    // Stopped while waiting (SIGINT/SIGTERM, leadership lost): this reading is abandoned,
    // not reported as agents that did not answer.
    if (signal?.aborted) throw new DOMException("stopped while waiting for the agents' next samples", 'AbortError')
    if (clock.now() >= deadline) {
      const waited = Math.round((clock.now() - start) / 1000)
      for (const s of stale)
        pairs.set(
          s.host,
          new ViolinError(
            `host "${s.host}": its agent wrote no sample newer than the last reading in ${waited} s`,
            ExitCode.unreachable,
            `violin agent start -H ${s.host}`,
          ),
        )
      return pairs
    }
    await clock.sleep(Math.min(1000, Math.max(0, deadline - clock.now())), signal)
  }
}
