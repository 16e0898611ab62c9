import {strict as assert} from 'node:assert'

import {chooseFit, evaluate, fitShape, leaveOneOut} from '../../src/predict/fit.js'

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`)

describe('fitting migration times (src/predict/fit.ts)', () => {
  it('recovers known coefficients of every shape from exact points', () => {
    const xs = [64, 128, 256, 512, 1024]
    const lin = fitShape(
      xs.map((x) => ({x, y: 600 + 8 * x})),
      'linear',
    )
    close(lin.a, 600, 'a')
    close(lin.b, 8, 'b')
    close(lin.rms, 0, 'rms')
    const quad = fitShape(
      xs.map((x) => ({x, y: 300 + 2 * x + 0.01 * x * x})),
      'quadratic',
    )
    close(quad.a, 300, 'a')
    close(quad.b, 2, 'b')
    close(quad.c, 0.01, 'c')
    const prop = fitShape(
      [
        {x: 100, y: 1000},
        {x: 200, y: 2000},
      ],
      'proportional',
    )
    assert.deepEqual([prop.a, prop.c], [0, 0])
    close(prop.b, 10, 'b')
  })

  it('one measurement scales the default shape through it', () => {
    const fit = chooseFit([{x: 256, y: 3200}])
    assert.equal(fit.shape, 'proportional')
    close(evaluate(fit, 512), 6400, 'twice the size, twice the time')
  })

  it('with more points chooses the shape that predicts held-out points best', () => {
    const xs = [64, 128, 256, 512, 768, 1024]
    assert.equal(chooseFit(xs.map((x) => ({x, y: 600 + 8 * x}))).shape, 'linear', 'a fixed cost plus a copy')
    const throttled = chooseFit(xs.map((x) => ({x, y: 300 + 2 * x + 0.02 * x * x})))
    assert.equal(throttled.shape, 'quadratic', 'a disk throttling the copy (VTDC 2007 figure 3)')
    assert.ok(throttled.leaveOneOut! < 1e-6)
    assert.ok(
      leaveOneOut(
        xs.map((x) => ({x, y: 600 + 8 * x})),
        'proportional',
      ) > 0.05,
      'a line through 0 misses the fixed cost',
    )
  })

  it('says how many points a shape needs, and refuses negative or missing values', () => {
    assert.throws(
      () =>
        fitShape(
          [
            {x: 1, y: 1},
            {x: 2, y: 2},
          ],
          'quadratic',
        ),
      /a quadratic fit needs at least 3 points, got 2/,
    )
    assert.throws(
      () =>
        fitShape(
          [
            {x: 5, y: 1},
            {x: 5, y: 2},
          ],
          'linear',
        ),
      /a linear fit needs points at 2 different sizes/,
    )
    assert.throws(() => chooseFit([]), /no measured migration to fit/)
    assert.throws(() => fitShape([{x: -1, y: 1}], 'proportional'), /sizes and times >= 0, got \(-1, 1\)/)
  })
})
