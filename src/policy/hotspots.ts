/**
 * The hotspot detector of Liang 2009 (section 3.4.2, "Hotspot Detector"), shared by the idc
 * and sandpiper policies: each host's CPU, swap writes and NIC read against their
 * thresholds, now and as AR(1) predicts them (eq. 4), and the words for what is hot.
 */
import type {ClusterView, HostView, PolicyOptions} from './cluster-view.js'
import {frac} from './format.js'

export type Resource = 'cpu' | 'memory' | 'nic'

export interface Reading {
  resource: Resource
  now: number
  /** The AR(1) prediction; the reading itself when there is none. */
  predicted: number
  threshold: number
}

export function readings(host: HostView, options: PolicyOptions): Reading[] {
  return [
    {resource: 'cpu', now: host.cpu, predicted: host.cpuPredicted ?? host.cpu, threshold: options.cpuThreshold},
    {
      resource: 'memory',
      now: host.swapWritesPerSecond,
      predicted: host.swapWritesPredicted ?? host.swapWritesPerSecond,
      threshold: options.swapThreshold,
    },
    {resource: 'nic', now: host.nic, predicted: host.nicPredicted ?? host.nic, threshold: options.nicThreshold},
  ]
}

export function describe(r: Reading): string {
  const cmp = r.predicted > r.threshold ? '>' : '<='
  if (r.resource === 'memory') return `swap ${Math.round(r.now)} writes/s, predicted ${Math.round(r.predicted)} ${cmp} ${r.threshold}`
  return `${r.resource} ${frac(r.now)}, predicted ${frac(r.predicted)} ${cmp} ${frac(r.threshold)}`
}

const KIND: Record<Resource, string> = {cpu: 'CPU', memory: 'memory', nic: 'NIC'}
export const kinds = (resources: Iterable<Resource>) => [...resources].map((r) => KIND[r]).join(' and ')

export interface Hotspot {
  host: HostView
  /** The readings over their threshold now and as predicted. */
  over: Reading[]
  hot: Set<Resource>
}

/** "e1 is a CPU hotspot (cpu 0.93, predicted 0.91 > 0.85)". */
export const hotspotSays = (spot: Hotspot) => `${spot.host.name} is a ${kinds(spot.hot)} hotspot (${spot.over.map(describe).join('; ')})`

/**
 * The hotspots of a pass (Liang 2009 section 3.4.2, "Hotspot Detector"): a host is hot only
 * when a reading is over its threshold now AND as AR(1) predicts it (eq. 4), so a sudden
 * peak alone moves nothing; and, the shared guard, only once it has been hot for
 * `holdSamples` samples in a row. Hosts in a running migration are not judged, their load
 * being unsettled. What is seen and not acted on goes to the notes.
 */
export function findHotspots(view: ClusterView, options: PolicyOptions, notes: string[]): Hotspot[] {
  const spots: Hotspot[] = []
  for (const host of view.hosts) {
    const rs = readings(host, options)
    const now = rs.filter((r) => r.now > r.threshold)
    if (now.length === 0) continue
    const over = now.filter((r) => r.predicted > r.threshold)
    if (host.migrating) {
      notes.push(
        `${host.name} is over a threshold (${now.map(describe).join('; ')}) but is part of a running migration: not judged this pass`,
      )
      continue
    }
    if (over.length === 0) {
      notes.push(`${host.name} is over a threshold now but not predicted to stay over (${now.map(describe).join('; ')}): not a hotspot`)
      continue
    }
    if (host.hotSamples < options.holdSamples) {
      notes.push(
        `${host.name} is hot (${over.map(describe).join('; ')}) for ${host.hotSamples} sample(s) in a row; held back until ${options.holdSamples}`,
      )
      continue
    }
    spots.push({host, over, hot: new Set(over.map((r) => r.resource))})
  }
  return spots
}
