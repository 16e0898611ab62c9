import {strict as assert} from 'node:assert'

import {shareCpu} from '../../src/sim/cpu-share.js'

const hundredths = (cores: number[]) => cores.map((c) => Math.round(c * 100) / 100)

describe('CPU sharing (src/sim/cpu-share.ts)', () => {
  it('splits a core evenly between two busy VMs of the same weight', () => {
    assert.deepEqual(
      shareCpu(1, [
        {wanted: 1, weight: 1024},
        {wanted: 1, weight: 1024},
      ]),
      [0.5, 0.5],
    )
  })

  it('splits a core 2/3 and 1/3 between two busy VMs weighted 2:1', () => {
    assert.deepEqual(
      hundredths(
        shareCpu(1, [
          {wanted: 1, weight: 2048},
          {wanted: 1, weight: 1024},
        ]),
      ),
      [0.67, 0.33],
    )
  })

  it('gives each VM what it wants when the host has cores enough, whatever the weights', () => {
    assert.deepEqual(
      shareCpu(4, [
        {wanted: 1.5, weight: 1},
        {wanted: 2, weight: 100},
      ]),
      [1.5, 2],
    )
  })

  it('leaves what an idle or quiet VM does not want to the busy one', () => {
    assert.deepEqual(
      shareCpu(1, [
        {wanted: 0, weight: 1024},
        {wanted: 1, weight: 1024},
      ]),
      [0, 1],
    )
    assert.deepEqual(
      hundredths(
        shareCpu(1, [
          {wanted: 0.2, weight: 1024},
          {wanted: 1, weight: 1024},
        ]),
      ),
      [0.2, 0.8],
    )
  })

  it('holds a capped VM to its cap, however heavy its weight, and gives the rest to the others', () => {
    assert.deepEqual(
      shareCpu(2, [
        {wanted: 2, weight: 8192, cap: 0.5},
        {wanted: 2, weight: 256},
      ]),
      [0.5, 1.5],
    )
  })

  it('gives each VM cores/demand of what it wants when weighed by its demand (the cluster file)', () => {
    // Two busy VMs of 4 and 2 vCPUs on 4 cores: 2/3 of its demand each.
    assert.deepEqual(
      hundredths(
        shareCpu(4, [
          {wanted: 4, weight: 4},
          {wanted: 2, weight: 2},
        ]),
      ),
      [2.67, 1.33],
    )
  })

  it('never hands out more cores than the host has', () => {
    const got = shareCpu(3, [
      {wanted: 2, weight: 1},
      {wanted: 0.5, weight: 3},
      {wanted: 4, weight: 2},
      {wanted: 1, weight: 1},
    ])
    assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - 3) < 1e-9, String(got))
    assert.equal(got[1], 0.5)
  })
})
