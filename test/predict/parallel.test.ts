import {strict as assert} from 'node:assert'

import {limited, linkCost, parallel, sequential} from '../../src/predict/parallel.js'

describe('several migrations at once (src/predict/parallel.ts)', () => {
  it('in sequence: the total is the sum and each VM takes its own time', () => {
    const r = sequential([linkCost(100, 400), linkCost(100, 200)])
    assert.deepEqual(r, {totalMs: 800, perVmMs: [500, 300]})
  })

  it('all at once: the copies share the link, the shortest finishing first', () => {
    const r = parallel([linkCost(100, 400), linkCost(100, 200)])
    // Both at half speed until the short one is done at 400 ms; the long one then alone for 200 ms more.
    assert.deepEqual(r, {totalMs: 700, perVmMs: [700, 500]})
  })

  it('goes the way VTDC 2007 measured: shorter in total, longer per VM, and more so with more VMs', () => {
    // A 256 MB guest on a gigabit link with a fixed cost of the size VTDC 2007's suspend and resume had.
    const one = linkCost(1500, 2400)
    const ratios = [4, 8].map((n) => {
      const costs = Array.from({length: n}, () => one)
      const seq = sequential(costs)
      const par = parallel(costs)
      return {speedup: seq.totalMs / par.totalMs, slowdown: par.perVmMs[0]! / seq.perVmMs[0]!}
    })
    for (const r of ratios) assert.ok(r.speedup > 1 && r.slowdown > 1, JSON.stringify(r))
    assert.ok(ratios[1]!.speedup > ratios[0]!.speedup, '8 VMs gain more in total than 4 (VTDC 2007: 1.6x vs 1.4x)')
    assert.ok(ratios[1]!.slowdown > ratios[0]!.slowdown, 'and each of 8 is slowed more (3.8x vs 2.2x)')
    const big = linkCost(1500, 4800)
    const bigSpeedup = sequential([big, big, big, big]).totalMs / parallel([big, big, big, big]).totalMs
    assert.ok(bigSpeedup < ratios[0]!.speedup, 'larger VMs gain less: the copy dominates (VTDC 2007: 1.3x for 512 MB)')
  })

  it('work that two cores do at full speed: two at once lose nothing, four at once take twice as long each', () => {
    const cpu = {phases: [{ms: 1000, capacity: 2}]}
    assert.deepEqual(parallel([cpu, cpu]), {totalMs: 1000, perVmMs: [1000, 1000]})
    assert.deepEqual(parallel([cpu, cpu, cpu, cpu]), {totalMs: 2000, perVmMs: [2000, 2000, 2000, 2000]})
  })

  it('at most N at once runs them in batches', () => {
    const costs = Array.from({length: 4}, () => linkCost(100, 100))
    assert.equal(limited(costs, 1).totalMs, sequential(costs).totalMs)
    assert.equal(limited(costs, 4).totalMs, parallel(costs).totalMs)
    assert.deepEqual(limited(costs, 2), {totalMs: 600, perVmMs: [300, 300, 300, 300]})
    assert.throws(() => limited(costs, 0), /atOnce must be a whole number >= 1, got 0/)
  })
})
