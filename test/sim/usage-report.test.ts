import {strict as assert} from 'node:assert'

import {parseScenario} from '../../src/sim/scenario.js'
import {readCounters, usageReport} from '../../src/sim/usage-report.js'
import {World} from '../../src/sim/world.js'

describe('a scenario world read as violin usage reads hosts (src/sim/usage-report.ts)', () => {
  it('shows a full host, each VM using half its core and asking for all of it', () => {
    const world = new World(
      parseScenario(
        't.yaml',
        `step_s: 1
interval_s: 10
hosts: [{name: h1, site: A, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{name: a, host: h1, phases: [{cpu: 1, work: 100}]}, {name: b, host: h1, phases: [{cpu: 1, work: 100}]}]}`,
      ),
    )
    const before = readCounters(world)
    world.advance(10)
    const report = usageReport(world, before, readCounters(world))
    assert.equal(report.intervalSec, 10)
    assert.equal(report.hosts[0]!.cpuPercent, 100)
    assert.deepEqual(
      report.vms.map((v) => [v.name, v.cpuPercent, v.cpuDemandPercent]),
      [
        ['a', 50, 100],
        ['b', 50, 100],
      ],
    )
  })
})
