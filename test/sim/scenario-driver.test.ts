import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {pollUsage} from '../../src/monitor/poll.js'
import {Session} from '../../src/services/session.js'
import {tempHome} from '../helpers/cli.js'

/**
 * (Errors are told by name: under tsx a module imported dynamically, as the session imports
 * drivers, is another instance than the test's static import, so instanceof fails.)
 *
 * `--connect sim:SCENARIO`: the scenario's world behind the sim driver, polled and acted on
 * as a hypervisor is, its clock moved by the session's.
 */
describe('a scenario as the sim driver (src/hypervisor/sim/scenario-driver.ts)', () => {
  let home: ReturnType<typeof tempHome>
  let session: Session
  const open = async (body: string) => {
    const file = join(home.dir, 'scenario.yaml')
    writeFileSync(file, `step_s: 1\ninterval_s: 10\nmigration: {bandwidth: 64MiB/s, downtime_s: 2}\n${body}`)
    session = await Session.open({connect: `sim:${file}`})
    return session
  }
  const twoOnOneCore = `hosts:
  - {name: h1, site: A, cores: 1, memory: 1GiB, nic: 1Gbit/s}
  - {name: h2, site: A, cores: 1, memory: 1GiB}
environments:
  - name: e
    vms:
      - {name: a, host: h1, memory: 256MiB, max_memory: 512MiB, phases: [{cpu: 1, memory: 200MiB, traffic: {outside: 25MB/s}, work: 1000}]}
      - {name: b, host: h1, memory: 256MiB, max_memory: 1GiB, phases: [{cpu: 1, memory: 300MiB, work: 1000}]}
`

  beforeEach(() => (home = tempHome()))
  afterEach(async () => {
    await session?.close()
    home.remove()
  })

  it('reports what a VM got and what it waited for, and the host swapping and its NIC in use', async () => {
    const s = await open(twoOnOneCore)
    const {report} = await pollUsage(s, s.select(), 10_000)
    assert.equal(report.intervalSec, 10)
    const a = report.vms.find((v) => v.name === 'a')!
    assert.equal(a.cpuPercent, 50, 'two VMs share one core')
    assert.equal(a.cpuDemandPercent, 100, 'and each asked for all of it')
    const h1 = report.hosts.find((h) => h.host === 'h1')!
    assert.equal(h1.swapWritesPerSecond, 44 * 6, 'b is 44 MiB short: 6 pages/s per MiB')
    assert.equal(h1.nicPercent, 20, '25 MB/s of a 125 MB/s NIC')
  })

  it("a loop's next reading waits only what is left of the interval since the last one", async () => {
    const s = await open(twoOnOneCore)
    const first = await pollUsage(s, s.select(), 10_000)
    await s.clock.sleep(4000)
    const second = await pollUsage(s, s.select(), 10_000, first.samples)
    assert.equal(second.report.intervalSec, 10)
    assert.equal(second.report.timeMs - first.report.timeMs, 10_000)
  })

  it('balloons within max memory and the free memory of the host, and refuses beyond', async () => {
    const s = await open(twoOnOneCore)
    const d = await s.driver(s.host('h1'))
    await d.setMemory('a', 512, {live: true, config: false})
    assert.equal((await d.vmInfo('a')).memoryMiB, 512)
    await assert.rejects(d.setMemory('a', 600, {live: true, config: false}), /cannot set memory higher than max memory \(512 MiB\)/)
    await assert.rejects(d.setMemory('b', 1024, {live: true, config: false}), /host "h1" has only 256 MiB free/)
  })

  it('a live migration takes memory / bandwidth + downtime of simulated time, then the VM runs on the destination', async () => {
    const s = await open(twoOnOneCore)
    const d = await s.driver(s.host('h1'))
    const before = s.clock.now()
    const result = await d.migrate('a', {hostName: 'h2', uri: 'h2'}, {live: true})
    assert.equal(result.wallMs, 6000, '256 MiB at 64 MiB/s + 2 s')
    assert.equal(s.clock.now() - before, 6000)
    assert.deepEqual(
      (await (await s.driver(s.host('h2'))).listVms()).map((v) => v.name),
      ['a'],
    )
    await assert.rejects(d.migrate('a', {hostName: 'h2', uri: 'h2'}, {live: true}), /VM "a" is not running on host "h1"/, 'it left h1')
  })

  it('leaves which VMs exist to the scenario: defining, starting or stopping one is a usage error naming the file', async () => {
    const s = await open(twoOnOneCore)
    const d = await s.driver(s.host('h1'))
    await assert.rejects(
      d.destroyVm('a'),
      (e: Error) => e.name === 'UsageError' && /the VMs of a scenario come and go as .*scenario\.yaml says/.test(e.message),
    )
    await assert.rejects(d.vmInfo('ghost'), /VM "ghost" is not running on host "h1"/)
  })

  it('is told from a cluster file by its environments list', async () => {
    const s = await open(twoOnOneCore)
    assert.ok(s.scenario, 'a scenario')
    const cluster = await Session.open({connect: 'sim:examples/two-sites.yaml'})
    assert.equal(cluster.scenario, undefined, 'a cluster file')
    await cluster.close()
  })
})
