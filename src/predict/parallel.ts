/**
 * Several migrations at once (VTDC 2007 section 3.4): the fixed phases (connection set-up,
 * destination start, confirmation) overlap, while the copy phases share the bandwidth (and
 * the CPUs of the hosts doing the copying), so the total shrinks and each VM's own
 * migration grows. A migration is a list of phases, each using a resource that `capacity`
 * migrations can use at full speed at once: Infinity for what overlaps freely, 1 for a
 * shared link, a host's cores for CPU-bound work. While k migrations are in a phase, each
 * moves at min(1, capacity / k) (processor sharing). Pure.
 */
export interface Phase {
  ms: number
  capacity: number
}

export interface MigrationCost {
  phases: Phase[]
}

export interface ParallelEstimate {
  /** First start to last finish, ms. */
  totalMs: number
  /** Each VM's migration, start to finish, ms (the disruption it sees). */
  perVmMs: number[]
}

/** The shape without measurements of migrations at once: fixed costs overlap, the copies share one link. */
export function linkCost(fixedMs: number, copyMs: number): MigrationCost {
  return {
    phases: [
      {ms: fixedMs, capacity: Number.POSITIVE_INFINITY},
      {ms: copyMs, capacity: 1},
    ],
  }
}

export const aloneMs = (cost: MigrationCost): number => cost.phases.reduce((sum, p) => sum + p.ms, 0)

/** One after another: the total is the sum, each VM's time its own. */
export function sequential(costs: MigrationCost[]): ParallelEstimate {
  const perVmMs = costs.map(aloneMs)
  return {totalMs: perVmMs.reduce((a, b) => a + b, 0), perVmMs}
}

/** How long each of these takes when they start together and share a resource of this capacity. */
function shared(ms: number[], capacity: number): number[] {
  const order = ms.map((m, i) => ({i, m})).sort((a, b) => a.m - b.m)
  const finish = new Array<number>(ms.length)
  let clock = 0
  let done = 0
  for (let k = 0; k < order.length; k++) {
    const running = order.length - k
    // The k-th shortest needs (m - done) more at full speed; it moves at min(1, capacity / running).
    clock += (order[k]!.m - done) / Math.min(1, capacity / running)
    done = order[k]!.m
    finish[order[k]!.i] = clock
  }
  return finish
}

/**
 * All at once: every migration goes through its phases alongside the others, each phase
 * shared among all (the shortest finishes first, the others speed up). Costs come from one
 * calibration, so their phases line up.
 */
export function parallel(costs: MigrationCost[]): ParallelEstimate {
  const perVmMs = costs.map(() => 0)
  const phases = Math.max(0, ...costs.map((c) => c.phases.length))
  for (let p = 0; p < phases; p++) {
    const capacity = costs.find((c) => c.phases[p])?.phases[p]?.capacity ?? 1
    for (const [i, ms] of shared(
      costs.map((c) => c.phases[p]?.ms ?? 0),
      capacity,
    ).entries())
      perVmMs[i]! += ms
  }
  return {totalMs: Math.max(0, ...perVmMs), perVmMs}
}

/**
 * At most `atOnce` together, in batches: a batch starts when the one before has ended (for
 * migrations of equal size, which end together, the same as starting one as one ends).
 */
export function limited(costs: MigrationCost[], atOnce: number): ParallelEstimate {
  if (!Number.isInteger(atOnce) || atOnce < 1) throw new RangeError(`atOnce must be a whole number >= 1, got ${atOnce}`)
  let totalMs = 0
  const perVmMs: number[] = []
  for (let i = 0; i < costs.length; i += atOnce) {
    const batch = parallel(costs.slice(i, i + atOnce))
    totalMs += batch.totalMs
    perVmMs.push(...batch.perVmMs)
  }
  return {totalMs, perVmMs}
}
