import assert from 'node:assert/strict'

import type {HostSample, VmSample} from '../../src/hypervisor/driver.js'
import {latestDecisions, nicRates} from '../../src/services/top-feed.js'

const vm = (name: string, rx?: number, tx?: number): VmSample => ({name, state: 'running', netRxBytes: rx, netTxBytes: tx, raw: {}})
const sample = (timeMs: number, vms: VmSample[]): HostSample => ({timeMs, host: {cores: 4, memoryMiB: 8192, hypervisor: 'sim'}, vms})

describe("violin top's feed (services/top-feed.ts)", () => {
  it("gives each VM's NIC bytes/s between two samples of its host, and none where a counter is missing or went back", () => {
    const before = new Map<string, HostSample | Error>([
      ['h1', sample(1000, [vm('a', 100, 100), vm('b', 5000, 5000), vm('c'), vm('gone', 1, 1)])],
      ['h2', new Error('unreachable')],
    ])
    const after = new Map<string, HostSample | Error>([
      ['h1', sample(3000, [vm('a', 1100, 2100), vm('b', 10, 10), vm('c'), vm('new', 9, 9)])],
      ['h2', sample(3000, [vm('x', 1, 1)])],
    ])
    assert.deepEqual([...nicRates(before, after)], [['h1/a', 1500]])
  })

  it('reads the last records of the actions log, newest first, and counts the lines it does not understand', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString()
    const lines = [
      JSON.stringify({
        at: at(1),
        id: '1',
        action: {kind: 'set-shares', vm: 'a', host: 'h', from: 256, to: 512, reason: 'r'},
        ok: true,
        seconds: 0,
      }),
      'not json',
      JSON.stringify({at: at(2), action: {kind: 'migrate', vm: 'b', from: 'h', to: 'g', reason: 'r'}, ok: false, error: 'refused'}),
      JSON.stringify({at: at(3), action: {kind: 'migrate-environment', environment: 'lab'}, ok: true}),
      JSON.stringify({at: at(4), action: {kind: 'migrate', vm: 'c', from: 'h', to: 'g', reason: 'r'}, recovered: 'completed', ok: true}),
    ]
    const got = latestDecisions(lines, 3)
    assert.deepEqual(
      got.records.map((r) => [new Date(r.atMs).getUTCSeconds(), r.action.kind, r.ok, r.error ?? r.recovered]),
      [
        [4, 'migrate', true, 'completed'],
        [2, 'migrate', false, 'refused'],
        [1, 'set-shares', true, undefined],
      ],
    )
    assert.deepEqual(got.notes, ['2 record(s) of the actions log not understood'])
    assert.deepEqual(latestDecisions([], 5), {records: [], notes: []})
  })
})
