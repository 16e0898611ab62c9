import {strict as assert} from 'node:assert'

import {pairRates, sumPairs} from '../../src/monitor/traffic-matrix.js'

const pair = (src: string, dst: string, frames: number, bytes: number, remote = false) => ({src, dst, frames, bytes, remote})

describe('the traffic matrix as usage --traffic reads it', () => {
  it('sums what each host counted per pair, remote when any host sent it on, biggest first', () => {
    const summed = sumPairs([[pair('a', 'b', 2, 200), pair('a', 'c', 1, 50)], [pair('a', 'b', 3, 300, true)]])
    assert.deepEqual(summed, [pair('a', 'b', 5, 500, true), pair('a', 'c', 1, 50)])
  })

  it('turns two readings into rates; a pair new in the second counts from zero; a counter that went back has no rate', () => {
    const rates = pairRates(
      [pair('a', 'b', 10, 1000), pair('b', 'a', 10, 1000)],
      [pair('a', 'b', 30, 3000), pair('b', 'a', 2, 200), pair('c', 'a', 4, 400)],
      2,
    )
    assert.deepEqual(
      rates.map((r) => [r.src, r.dst, r.bytesPerSecond, r.framesPerSecond]),
      [
        ['a', 'b', 1000, 10],
        ['b', 'a', undefined, undefined],
        ['c', 'a', 200, 2],
      ],
    )
  })
})
