import {strict as assert} from 'node:assert'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type SimulationResult, simulate} from '../../src/sim/engine.js'
import {loadScenario} from '../../src/sim/scenario.js'

type Summary = Pick<SimulationResult, 'average_time_s' | 'overall_time_s' | 'migrations' | 'failed_environments'> & {
  environments: Record<string, number | null>
}

const POLICIES = ['none', 'violin', 'idc', 'sandpiper']
const RECORDED = 'test/fixtures/simulate/results.json'

function summary(r: SimulationResult): Summary {
  const environments = Object.fromEntries(Object.entries(r.environments).map(([name, e]) => [name, e.time_s]))
  return {
    average_time_s: r.average_time_s,
    overall_time_s: r.overall_time_s,
    migrations: r.migrations,
    failed_environments: r.failed_environments,
    environments,
  }
}

describe('simulate gives the recorded results on every shipped scenario (test/fixtures/simulate)', () => {
  const recorded = JSON.parse(readFileSync(RECORDED, 'utf8')) as Record<string, Record<string, Summary>>
  const scenarios = readdirSync('examples/scenarios')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))

  it('has a record for every shipped scenario, and none for a scenario that is gone', () => {
    assert.deepEqual(Object.keys(recorded).sort(), [...scenarios].sort())
  })

  for (const name of scenarios) {
    it(`${name}: ${POLICIES.join(', ')}`, () => {
      const scenario = loadScenario(`examples/scenarios/${name}.yaml`)
      const got = Object.fromEntries(POLICIES.map((p) => [p, summary(simulate(scenario, p))]))
      try {
        assert.deepEqual(got, recorded[name])
      } catch (error) {
        const file = join(tmpdir(), `violin-simulate-${name}.json`)
        writeFileSync(file, `${JSON.stringify(got, null, 1)}\n`)
        throw new Error(`${(error as Error).message}\n(what simulate gives now is in ${file}; see test/fixtures/simulate/ORIGIN.md)`)
      }
    })
  }
})
