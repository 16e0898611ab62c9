import {strict as assert} from 'node:assert'

import {type SimulationResult, simulate} from '../../src/sim/engine.js'
import {loadScenario} from '../../src/sim/scenario.js'

const run = (file: string, policy: string): SimulationResult => simulate(loadScenario(`examples/scenarios/${file}.yaml`), policy)
const firstMove = (r: SimulationResult) =>
  /^\w+: migrate (\S+) (\S+) -> (\S+):/
    .exec(r.timeline.find((t) => t.kind === 'action' && /: migrate /.test(t.text))?.text ?? '')
    ?.slice(1)
    .join(':') ?? ''
const reduction = (x: number | null, base: number | null) => 1 - x! / base!

describe('the shipped paper scenarios (examples/scenarios)', () => {
  // What the simulator gives today (average, overall reduction against no adaptation),
  // held to within 4 points: a change to the engine or the policy that moves them must
  // be seen and explained, not pass because the papers' 15% floor is far below.
  const expected = {
    'icac-1': {paper: '39%/34%', average: 0.29, overall: 0.33},
    'icac-2': {paper: '41%/47%', average: 0.33, overall: 0.31},
  } as const
  for (const [file, {paper, average, overall}] of Object.entries(expected)) {
    it(`${file}: violin cuts average and overall time by ${Math.round(average * 100)}%/${Math.round(overall * 100)}% (within 4 points; the paper: ${paper})`, () => {
      const none = run(file, 'none')
      const violin = run(file, 'violin')
      assert.deepEqual([none.failed_environments, violin.failed_environments], [[], []])
      assert.equal(none.migrations, 0)
      assert.ok(violin.migrations > 0)
      const got = {
        average: reduction(violin.average_time_s, none.average_time_s),
        overall: reduction(violin.overall_time_s, none.overall_time_s),
      }
      assert.ok(
        Math.abs(got.average - average) <= 0.04,
        `average ${violin.average_time_s} vs ${none.average_time_s}: ${(got.average * 100).toFixed(1)}% less`,
      )
      assert.ok(
        Math.abs(got.overall - overall) <= 0.04,
        `overall ${violin.overall_time_s} vs ${none.overall_time_s}: ${(got.overall * 100).toFixed(1)}% less`,
      )
    })
  }

  it('icac-1: the move is V1 to D2 once V2 is done (ICAC 2006 section 4.2)', () => {
    const violin = run('icac-1', 'violin')
    const move = violin.timeline.find((t) => t.kind === 'action')!
    assert.match(move.text, /^violin: migrate-environment V1 D1 -> D2/)
    assert.ok(move.t_s >= violin.environments.V2!.end_s!)
  })

  it('icac-3-memory: V3 crashes for lack of memory without adaptation and completes with violin', () => {
    const none = run('icac-3-memory', 'none')
    const violin = run('icac-3-memory', 'violin')
    assert.deepEqual(none.failed_environments, ['V3'])
    assert.deepEqual(violin.failed_environments, [])
    assert.ok(violin.environments.V3!.time_s! > 0)
    assert.ok(
      violin.timeline.some((t) => /set-memory V3-1 \d+ -> (3\d\d|4\d\d) MiB/.test(t.text)),
      'V3 grew past the 300 MiB its second stage needs',
    )
  })

  // What each policy picks first in Liang 2009's four cases (test/policy/idc.test.ts and sandpiper.test.ts).
  const cases: Array<[string, string, string]> = [
    ['thesis-cpu-isolated', 'VM4:PM1:PM3', 'VM1:PM1:PM3'],
    ['thesis-group-reunion', 'VM3:PM1:PM2', 'VM1:PM1:PM2'],
    ['thesis-memory', 'VM3:PM1:PM2', 'VM1:PM1:PM2'],
    ['thesis-network', 'VM3:PM1:PM3', 'VM3:PM1:PM4'],
  ]
  for (const [file, idc, sandpiper] of cases) {
    it(`${file}: idc moves ${idc.replace(/:/, ' ').replace(/:/, ' -> ')} as the thesis describes, sandpiper ${sandpiper.replace(/:/, ' ').replace(/:/, ' -> ')}`, () => {
      const i = run(file, 'idc')
      const s = run(file, 'sandpiper')
      assert.equal(firstMove(i), idc)
      assert.equal(firstMove(s), sandpiper)
      assert.deepEqual([i.failed_environments, s.failed_environments], [[], []])
    })
  }

  it('thesis-memory: both grow VM1 64 -> 96 MiB before migrating (Liang 2009 section 4.2.2)', () => {
    for (const policy of ['idc', 'sandpiper']) {
      const first = run('thesis-memory', policy).timeline.find((t) => t.kind === 'action')!
      assert.match(first.text, new RegExp(`^${policy}: set-memory VM1 64 -> 96 MiB`))
    }
  })

  it('journal-jobs: runs every policy to completion', () => {
    for (const policy of ['none', 'violin', 'idc', 'sandpiper'])
      assert.deepEqual(run('journal-jobs', policy).failed_environments, [], policy)
  })
})
