import {strict as assert} from 'node:assert'

import {simulate} from '../../src/sim/engine.js'
import {parseScenario} from '../../src/sim/scenario.js'

const scenario = (body: string) => parseScenario('t.yaml', `step_s: 1\ninterval_s: 10\n${body}`)

describe('the simulator (src/sim/engine.ts)', () => {
  it('ends a phase of N CPU-seconds after N seconds at a full share, 2N when sharing a core', () => {
    const alone = scenario(`hosts: [{name: h1, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{host: h1, phases: [{cpu: 1, work: 100}]}]}`)
    assert.equal(simulate(alone, 'none').environments.e!.time_s, 100)
    const shared = scenario(`hosts: [{name: h1, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{host: h1, phases: [{cpu: 1, work: 100}]}]}
  - {name: f, vms: [{host: h1, phases: [{cpu: 1, work: 100}]}]}`)
    const r = simulate(shared, 'none')
    assert.deepEqual([r.environments.e!.time_s, r.environments.f!.time_s, r.average_time_s, r.overall_time_s], [200, 200, 200, 200])
  })

  it('fails a VM short of memory without swap, and slows it with swap', () => {
    const body = (swap: boolean) => `memory: {swap: ${swap}}
hosts: [{name: h1, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{host: h1, memory: 200MiB, phases: [{cpu: 1, memory: 100MiB, work: 50}, {cpu: 1, memory: 400MiB, work: 50}]}]}`
    const crash = simulate(scenario(body(false)), 'none')
    assert.deepEqual(crash.failed_environments, ['e'])
    assert.equal(crash.environments.e!.time_s, null)
    assert.match(
      crash.timeline.find((t) => t.kind === 'fail')!.text,
      /e failed: e-1 needs 400 MiB of memory and has 200 MiB \(no swap\): out of memory/,
    )
    const slow = simulate(scenario(body(true)), 'none')
    assert.deepEqual(slow.failed_environments, [])
    assert.equal(slow.environments.e!.time_s, 50 + 50 * 4, 'half the memory it needs: a quarter of its speed')
  })

  it('waits to start an environment until its memory fits', () => {
    const r = simulate(
      scenario(`hosts: [{name: h1, cores: 2, memory: 1GiB}]
environments:
  - {name: e, vms: [{host: h1, memory: 768MiB, phases: [{cpu: 1, work: 30}]}]}
  - {name: f, vms: [{host: h1, memory: 512MiB, phases: [{cpu: 1, work: 30}]}]}`),
      'none',
    )
    assert.deepEqual([r.environments.f!.start_s, r.environments.f!.time_s, r.overall_time_s], [30, 30, 60])
  })

  it('takes memory/bandwidth seconds to migrate, slows the VM meanwhile, then moves it', () => {
    // idc moves one of two VMs from the hot host to the idle one at the second pass (t = 20 s).
    const s = scenario(`migration: {bandwidth: 64MiB/s, slowdown: 0.5}
hosts: [{name: h1, cores: 1, memory: 1GiB}, {name: h2, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{name: a, host: h1, memory: 640MiB, phases: [{cpu: 0.5, work: 100}]}]}
  - {name: f, vms: [{name: b, host: h1, memory: 256MiB, phases: [{cpu: 0.45, work: 100}]}]}`)
    const r = simulate(s, 'idc')
    assert.equal(r.migrations, 1)
    const action = r.timeline.find((t) => t.kind === 'action')!
    const moved = r.timeline.find((t) => t.kind === 'migrated')!
    assert.match(action.text, /^idc: migrate a h1 -> h2/)
    assert.equal(moved.t_s - action.t_s, 10, '640 MiB at 64 MiB/s')
    assert.equal(moved.text, 'a is on h2 (from h1)')
    // a: 20 s at full speed, 10 s at half speed, then 185 s of work left alone: 200 + 10/2... = 205 s
    assert.equal(r.environments.e!.time_s, 205)
  })

  it('a VM that dirties memory takes longer to migrate: the live pre-copy model resends what it dirtied', () => {
    const body = (dirty: string) => `migration: {bandwidth: 64MiB/s, slowdown: 0.5}
hosts: [{name: h1, cores: 1, memory: 1GiB}, {name: h2, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{name: a, host: h1, memory: 640MiB, phases: [{cpu: 0.5, work: 100${dirty}}]}]}
  - {name: f, vms: [{name: b, host: h1, memory: 256MiB, phases: [{cpu: 0.45, work: 100}]}]}`
    const took = (dirty: string) => {
      const r = simulate(scenario(body(dirty)), 'idc')
      const action = r.timeline.find((t) => t.kind === 'action')!
      return r.timeline.find((t) => t.kind === 'migrated')!.t_s - action.t_s
    }
    assert.equal(took(''), 10)
    // 10 s of copying while 16 MiB/s is dirtied: 160 MiB again (2.5 s), then 40 MiB (0.6 s), then 10 MiB paused.
    assert.equal(took(', dirty_rate: 16MiB/s'), 14, 'rounds of resending, to the next whole step')
  })

  it('runs the same policy code as adapt, and `none` never acts', () => {
    const s = scenario(`hosts: [{name: h1, cores: 1, memory: 1GiB}, {name: h2, cores: 1, memory: 1GiB}]
environments:
  - {name: e, vms: [{host: h1, phases: [{cpu: 1, work: 100}]}]}
  - {name: f, vms: [{host: h1, phases: [{cpu: 1, work: 100}]}]}`)
    const none = simulate(s, 'none')
    assert.equal(none.migrations, 0)
    assert.equal(none.timeline.filter((t) => t.kind === 'action').length, 0)
  })
})
