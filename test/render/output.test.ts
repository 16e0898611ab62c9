import assert from 'node:assert/strict'

import {dataKeyed, renderCsvRows, snakeKey, toJsonValue, withEveryKey} from '../../src/render/output.js'

describe('render/output: the one machine-output convention', () => {
  it('snake_case keys with the unit as one word', () => {
    const cases: [string, string][] = [
      ['memoryMiB', 'memory_mib'],
      ['freeMemoryMiB', 'free_memory_mib'],
      ['bandwidthMiBs', 'bandwidth_mibs'],
      ['memoryMsPerMiB', 'memory_ms_per_mib'],
      ['swapOutKiB', 'swap_out_kib'],
      ['cpuPercent', 'cpu_percent'],
      ['totalMs', 'total_ms'],
      ['cpuTimeNs', 'cpu_time_ns'],
      ['destinationUri', 'destination_uri'],
      ['exitCode', 'exit_code'],
      ['already_snake', 'already_snake'],
      ['name', 'name'],
      ['CPU(sec)', 'CPU(sec)'],
      ['cpu.time', 'cpu.time'],
    ]
    for (const [key, snake] of cases) assert.equal(snakeKey(key), snake, key)
  })

  it('unknown is null, an instant is an ISO time, names in a data-keyed record stay', () => {
    const value = toJsonValue({
      timeMs: Date.UTC(2026, 0, 1),
      startedAtMs: undefined,
      cpuPercent: undefined,
      rate: Number.NaN,
      raw: dataKeyed({'CPU(sec)': '12', webServer: '1'}),
      envs: {webServer: {timeS: 1}},
    })
    assert.deepEqual(value, {
      time: '2026-01-01T00:00:00.000Z',
      started_at: null,
      cpu_percent: null,
      rate: null,
      raw: {'CPU(sec)': '12', webServer: '1'},
      envs: {web_server: {time_s: 1}},
    })
  })

  it('withEveryKey prints a field the object left out as null, in the listed order', () => {
    const row = withEveryKey<{a?: number; b: string}>({b: 'x'}, {a: true, b: true})
    assert.deepEqual(Object.keys(row), ['a', 'b'])
    assert.deepEqual(toJsonValue(row), {a: null, b: 'x'})
  })

  it('CSV: raw cells, nested keys with a dot, lists joined or as JSON, quoting, one header for every row', () => {
    const rows = toJsonValue([
      {name: 'a,b', interval: {low_ms: 1}, tags: ['x', 'y'], moves: [{vm: 'v'}], note: null},
      {name: 'c "d"', interval: {low_ms: 2}, tags: [], moves: [], note: 'n', extra: true},
    ]) as never[]
    assert.equal(
      renderCsvRows(rows),
      ['name,interval.low_ms,tags,moves,note,extra', '"a,b",1,x;y,"[{""vm"":""v""}]",,', '"c ""d""",2,,,n,true'].join('\n'),
    )
    assert.equal(renderCsvRows(rows, {header: false}).split('\n').length, 2)
  })
})
