import {strict as assert} from 'node:assert'

import {parseMigrationsCsv, toMigrationsCsv} from '../../src/predict/csv.js'

describe('the measured-migrations CSV (src/predict/csv.ts)', () => {
  it('reads columns in any order, empty cells as unknown, and writes the same back', () => {
    const text = 'wall_ms,memory_mib,mode,sent_mib,total_ms,concurrent\n3400,512,live,70,650,1\n5500,256,,,"1200",4\n'
    const {rows, skipped} = parseMigrationsCsv(text)
    assert.deepEqual(skipped, [])
    assert.deepEqual(rows, [
      {mode: 'live', memory_mib: 512, concurrent: 1, sent_mib: 70, total_ms: 650, wall_ms: 3400},
      {mode: 'live', memory_mib: 256, concurrent: 4, total_ms: 1200, wall_ms: 5500},
    ])
    assert.deepEqual(parseMigrationsCsv(toMigrationsCsv(rows)).rows, rows)
  })

  it('reports each bad row by its line and reason, and uses none of it', () => {
    const text = [
      '# measured on e1 -> e2',
      'mode,memory_mib,total_ms,wall_ms',
      'live,512,650,3400',
      'live,-5,650,3400',
      'live,512,,',
      'warp,512,1,1',
      'live,512,650',
      'live,abc,1,2',
      'stop-and-copy,1024,9000,',
    ].join('\n')
    const {rows, skipped} = parseMigrationsCsv(text)
    assert.equal(rows.length, 2)
    assert.deepEqual(skipped, [
      {line: 4, reason: 'memory_mib must be a number >= 0, got "-5"'},
      {line: 5, reason: 'neither total_ms nor wall_ms: nothing to calibrate from'},
      {line: 6, reason: 'mode must be live or stop-and-copy, got "warp"'},
      {line: 7, reason: '3 cells, the header has 4'},
      {line: 8, reason: 'memory_mib must be a number >= 0, got "abc"'},
    ])
  })

  it('refuses an empty file, an unknown or repeated column, and a header without memory_mib', () => {
    assert.throws(() => parseMigrationsCsv('\n# nothing\n'), /the CSV is empty: it needs a header row/)
    assert.throws(() => parseMigrationsCsv('memory_mib,secs\n1,2\n'), /line 1: unknown column "secs" \(known: mode, memory_mib/)
    assert.throws(() => parseMigrationsCsv('memory_mib,wall_ms,wall_ms\n'), /column "wall_ms" is named twice/)
    assert.throws(() => parseMigrationsCsv('wall_ms\n5\n'), /the header needs a memory_mib column/)
  })
})
