/**
 * Several migrations at once (seed 004 section 3.4): the fixed phases (connection set-up,
 * destination start, confirmation) overlap, while the copy phases share the bandwidth, so
 * the total shrinks and each VM's own migration grows. The copies share the link as
 * processor sharing does: while k copies run, each gets 1/k of it. Pure.
 */
export interface MigrationCost {
  /** Time that does not depend on the link (set-up, start, confirmation), ms. */
  fixedMs: number
  /** Time the copy takes alone on the link, ms. */
  copyMs: number
}

export interface ParallelEstimate {
  /** First start to last finish, ms. */
  totalMs: number
  /** Each VM's migration, start to finish, ms (the disruption it sees). */
  perVmMs: number[]
}

/** One after another: the total is the sum, each VM's time its own. */
export function sequential(costs: MigrationCost[]): ParallelEstimate {
  const perVmMs = costs.map((c) => c.fixedMs + c.copyMs)
  return {totalMs: perVmMs.reduce((a, b) => a + b, 0), perVmMs}
}

/**
 * All at once: every copy starts together and the link is shared equally among the copies
 * still running (the shortest finishes first, the others speed up).
 */
export function parallel(costs: MigrationCost[]): ParallelEstimate {
  const order = costs.map((c, i) => ({i, copy: c.copyMs})).sort((a, b) => a.copy - b.copy)
  const finish = new Array<number>(costs.length)
  let clock = 0
  let done = 0
  for (let k = 0; k < order.length; k++) {
    const running = order.length - k
    // The k-th shortest needs (copy - done) more alone; shared among `running` copies.
    clock += (order[k]!.copy - done) * running
    done = order[k]!.copy
    finish[order[k]!.i] = clock
  }
  const perVmMs = costs.map((c, i) => c.fixedMs + finish[i]!)
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
