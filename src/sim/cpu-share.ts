/**
 * How a host's cores are shared among the VMs on it: weighted max-min fair share, as a
 * proportional-share scheduler (Xen's credit scheduler, Linux's cpu shares) gives it.
 *
 * - A VM never gets more than it wants, nor more than its cap.
 * - While the host has cores left, they are divided among the VMs still wanting more in
 *   proportion to their weights. A VM whose part covers what it wants takes only that, and
 *   what it leaves is divided again among the others (idle VMs leave CPU to busy ones).
 * - A host whose VMs want no more than its cores gives each what it wants.
 *
 * The weight is the caller's choice. The scenario world (src/sim/world.ts) weighs a VM by
 * its CPU shares. The cluster file (src/sim/cluster.ts) weighs it by what it wants, which
 * makes the rule "each gets cores/demand of what it wants" on an overcommitted host, and
 * applies its VMs' caps but not their weights: equal weights would give the VMs of one
 * host equal cores, not equal fractions of their demand, and change what
 * `violin usage --connect sim:examples/two-sites.yaml` has always reported.
 */

export interface CpuClaim {
  /** Cores the VM would use if it had them. */
  wanted: number
  /** Its weight against the other VMs on the host. */
  weight: number
  /** The most cores it may have; no limit when absent. */
  cap?: number
}

/** Slack for sums of fractions that should meet exactly. */
const EPSILON = 1e-12

/** The cores each claim gets out of `cores`, in the claims' order. */
export function shareCpu(cores: number, claims: readonly CpuClaim[]): number[] {
  const want = claims.map((c) => Math.min(c.wanted, c.cap ?? Infinity))
  const got = claims.map(() => 0)
  let left = cores
  let open = claims.map((_, i) => i).filter((i) => want[i]! > 0)
  while (open.length > 0 && left > EPSILON) {
    const totalWeight = open.reduce((sum, i) => sum + claims[i]!.weight, 0)
    // Per unit of weight first: weights equal to the demands then give exactly demand * cores / total demand.
    const perWeight = left / totalWeight
    const satisfied = open.filter((i) => want[i]! <= claims[i]!.weight * perWeight + EPSILON)
    if (satisfied.length === 0) {
      for (const i of open) got[i] = claims[i]!.weight * perWeight
      return got
    }
    for (const i of satisfied) {
      left -= want[i]!
      got[i] = want[i]!
    }
    open = open.filter((i) => !satisfied.includes(i))
  }
  return got
}
