import {strict as assert} from 'node:assert'

import {fitLine, groupNotes, stamp} from '../../src/render/adapt-lines.js'

describe("the adaptation loop's lines (src/render/adapt-lines.ts)", () => {
  it('keeps whole clauses of a long reason, the cause first, and marks the cut', () => {
    const reason =
      'd2-h4 is a CPU hotspot (cpu 1.00, predicted 1.00 > 0.85); V4-4 has the largest volume 1.00 = CPU 1.00 x 1 + Mem 0.25 x 0; d1-h2 is the least-loaded host that fits'
    const line = fitLine('2026-01-01T00:51:52Z idc: migrate V4-4: d2-h4 -> d1-h2, ~5.4 s predicted — ', reason, 160)
    assert.equal(
      line,
      '2026-01-01T00:51:52Z idc: migrate V4-4: d2-h4 -> d1-h2, ~5.4 s predicted — d2-h4 is a CPU hotspot (cpu 1.00, predicted 1.00 > 0.85) …',
    )
    assert.equal(fitLine('note: ', 'short'), 'note: short')
    assert.ok(fitLine('note: ', 'word '.repeat(60)).length <= 160)
  })

  it('says once what several hosts share, naming them', () => {
    const hosts = new Set(['h1', 'h2', 'h3', 'h4', 'h5'])
    const notes = [...hosts].map((h) => `${h} is hot (cpu 1.00) for 1 sample(s) in a row`)
    assert.deepEqual(groupNotes([...notes, 'web-1 uses 90% of its memory'], hosts), [
      'h1, h2, h3 and 2 more hosts: is hot (cpu 1.00) for 1 sample(s) in a row',
      'web-1 uses 90% of its memory',
    ])
    assert.deepEqual(groupNotes(['h1 is drained', 'h2 is hot'], hosts), ['h1 is drained', 'h2 is hot'])
  })

  it('stamps a pass to the second', () => {
    assert.equal(stamp(Date.parse('2026-01-01T00:10:00.250Z')), '2026-01-01T00:10:00Z')
  })
})
