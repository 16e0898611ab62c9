import type {ClusterView, Plan, Policy, PolicyOptions} from './cluster-view.js'

const pct = (x: number) => `${Math.round(x * 100)}%`

/** Observe and report only: the hosts over a threshold, and no action. */
export const none: Policy = (view: ClusterView, options: PolicyOptions): Plan => {
  const notes: string[] = []
  for (const h of view.hosts) {
    const over = [
      h.cpu > options.cpuThreshold ? `CPU ${pct(h.cpu)}` : undefined,
      h.swapWritesPerSecond > options.swapThreshold ? `${Math.round(h.swapWritesPerSecond)} swap writes/s` : undefined,
      h.nic > options.nicThreshold ? `NIC ${pct(h.nic)}` : undefined,
    ].filter(Boolean)
    if (over.length > 0) notes.push(`${h.name} is over a threshold (${over.join(', ')}); policy none does not act`)
  }
  return {policy: 'none', actions: [], notes}
}
