import {strict as assert} from 'node:assert'

import {calibrate} from '../../src/predict/calibration.js'
import {commandCost} from '../../src/predict/predict.js'
import {predictVacate, type VacateMove} from '../../src/predict/vacate-time.js'

const moves: VacateMove[] = [1024, 1024, 512, 512].map((memoryMiB, i) => ({vm: `v${i}`, from: 'h1', to: `h${2 + (i % 2)}`, memoryMiB}))
const NOW = Date.parse('2026-12-01T07:00:00Z')

describe('predicting a vacate (src/predict/vacate-time.ts)', () => {
  it('sequential: the total is the sum of the moves; parallel: shorter in total, each move longer', () => {
    const seq = predictVacate(undefined, moves, {strategy: 'sequential', maxParallel: 4, nowMs: NOW})
    const par = predictVacate(undefined, moves, {strategy: 'parallel', maxParallel: 4, nowMs: NOW})
    const {startupMs, gapMs, tailMs} = commandCost(undefined)
    const sum = startupMs + seq.per_vm.reduce((s, v) => s + v.wall_ms, 0) + 3 * gapMs + tailMs
    assert.ok(
      Math.abs(seq.total_wall_ms - sum) <= 2,
      `${seq.total_wall_ms} ms: violin's start-up, the moves, and its bookkeeping between them and after (${sum} ms, each rounded)`,
    )
    assert.ok(par.total_wall_ms < seq.total_wall_ms)
    for (let i = 0; i < moves.length; i++) assert.ok(par.per_vm[i]!.wall_ms > seq.per_vm[i]!.wall_ms, `v${i}`)
    assert.deepEqual(
      par.per_vm.map((v) => [v.name, v.host, v.destination]),
      moves.map((m) => [m.vm, m.from, m.to]),
    )
    assert.equal(seq.max_parallel, 1)
  })

  it('gives the latest safe start before a reservation, late when it has passed', () => {
    const by = NOW + 3_600_000
    const p = predictVacate(undefined, moves, {strategy: 'sequential', maxParallel: 1, nowMs: NOW, byMs: by})
    assert.equal(Date.parse(p.start_by!), by - p.interval.high_ms, 'the reservation minus the high end of the estimate')
    assert.equal(p.late, false)
    const tight = predictVacate(undefined, moves, {strategy: 'sequential', maxParallel: 1, nowMs: NOW, byMs: NOW + 1000})
    assert.equal(tight.late, true)
  })

  it('auto: sequential when it frees the hosts in time (least disruption), parallel when only that does', () => {
    const seq = predictVacate(undefined, moves, {strategy: 'sequential', maxParallel: 4, nowMs: NOW})
    const par = predictVacate(undefined, moves, {strategy: 'parallel', maxParallel: 4, nowMs: NOW})
    const roomy = predictVacate(undefined, moves, {strategy: 'auto', maxParallel: 4, nowMs: NOW, byMs: NOW + 10 * seq.interval.high_ms})
    assert.equal(roomy.strategy, 'sequential')
    const between = NOW + Math.round((par.interval.high_ms + seq.interval.low_ms) / 2)
    assert.equal(predictVacate(undefined, moves, {strategy: 'auto', maxParallel: 4, nowMs: NOW, byMs: between}).strategy, 'parallel')
    assert.equal(
      predictVacate(undefined, moves, {strategy: 'auto', maxParallel: 4, nowMs: NOW}).strategy,
      'parallel',
      'no reservation: the shortest',
    )
  })

  it("counts the command's own start-up and gaps as measured by earlier violin commands", () => {
    const m = (extra: object) => ({
      mode: 'live' as const,
      memory_mib: 512,
      sent_mib: 70,
      concurrent: 1,
      total_ms: 700,
      wall_ms: 1200,
      ...extra,
    })
    const cal = calibrate([m({lead_ms: 900}), m({gap_ms: 100}), m({gap_ms: 140}), m({lead_ms: 1100}), m({gap_ms: 120})], 'test', {
      tails: [
        {command: 'vacate', tailMs: 300},
        {command: 'vacate', tailMs: 500},
      ],
    })
    assert.deepEqual({...cal.command, byCommand: undefined}, {startupMs: 1000, gapMs: 120, tailMs: 400, points: 7, byCommand: undefined})
    const p = predictVacate(cal, moves, {strategy: 'parallel', maxParallel: 2, nowMs: NOW})
    const sum = 1000 + p.per_vm[0]!.wall_ms + p.per_vm[2]!.wall_ms + 120 + 400
    assert.ok(
      Math.abs(p.total_wall_ms - sum) <= 2,
      `${p.total_wall_ms} ms: two batches of two: start-up, a batch, one gap, a batch, the tail (${sum} ms)`,
    )
  })

  it('prefers what earlier vacates took to what other commands did (a vacate reads every host first)', () => {
    const m = (command: string, extra: object) => ({
      mode: 'live' as const,
      memory_mib: 512,
      sent_mib: 70,
      concurrent: 1,
      total_ms: 700,
      wall_ms: 1200,
      command,
      ...extra,
    })
    const cal = calibrate(
      [m('migrate', {lead_ms: 500}), m('migrate', {lead_ms: 600}), m('env:migrate', {gap_ms: 150}), m('vacate', {lead_ms: 1500})],
      'test',
      {tails: [{command: 'migrate', tailMs: 700}]},
    )
    assert.equal(cal.command!.byCommand!.vacate!.startupMs, 1500)
    assert.deepEqual(
      commandCost(cal, 'vacate'),
      {startupMs: 1500, gapMs: 150, tailMs: 700},
      "vacate's own start-up; the gap and tail of all commands, which vacate has not recorded yet",
    )
    assert.equal(commandCost(cal).startupMs, 600, 'the median over every command')
    const p = predictVacate(cal, moves, {strategy: 'sequential', maxParallel: 1, nowMs: NOW})
    const sum = 1500 + p.per_vm.reduce((s, v) => s + v.wall_ms, 0) + 3 * 150 + 700
    assert.ok(Math.abs(p.total_wall_ms - sum) <= 2, `${p.total_wall_ms} ms against ${sum}`)
  })

  it('refuses a max-parallel below 1', () => {
    assert.throws(
      () => predictVacate(undefined, moves, {strategy: 'parallel', maxParallel: 0, nowMs: NOW}),
      /max-parallel must be a whole number >= 1/,
    )
  })
})
