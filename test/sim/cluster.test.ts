import assert from 'node:assert/strict'

import {ConfigError} from '../../src/errors.js'
import {SimDriver} from '../../src/hypervisor/sim/driver.js'
import {SimCluster} from '../../src/sim/cluster.js'

const YAML = `
hosts:
  - {name: a, site: s1, cores: 4, memory: 8GiB}
  - {name: b, site: s1, cores: 4, memory: 8GiB}
vms:
  - {name: busy, host: a, vcpus: 4, memory: 2GiB, maxMemory: 4GiB, cpu: 1.0}
  - {name: also-busy, host: a, vcpus: 4, memory: 4GiB, cpu: 1.0}
  - {name: calm, host: b, vcpus: 2, memory: 1GiB, cpu: 0.5}
`

describe('the simulated cluster', () => {
  it('advances CPU time only when its clock is advanced', () => {
    const c = SimCluster.parse('t.yaml', YAML)
    const calm = c.vms.find((v) => v.name === 'calm')!
    assert.equal(c.cpuTimeSec(calm), 0)
    c.advance(10)
    assert.equal(c.cpuTimeSec(calm), 10) // 2 vCPUs x 0.5 x 10 s
  })

  it('shares an overcommitted host fairly between the VMs that want it', () => {
    const c = SimCluster.parse('t.yaml', YAML)
    c.advance(10)
    const busy = c.vms.find((v) => v.name === 'busy')!
    assert.equal(c.coresOn('a').get(busy), 2) // 8 vCPUs of demand on 4 cores: half of what each wants
    assert.equal(c.cpuTimeSec(busy), 20)
  })

  it('holds a VM to a cap set with schedinfo from then on, the others getting what it leaves', async () => {
    const c = SimCluster.parse('t.yaml', YAML)
    const [busy, alsoBusy] = c.vms
    c.advance(10)
    await new SimDriver(c, 'a').setSched('busy', {cap: 50})
    c.advance(10)
    assert.equal(c.cpuTimeSec(busy!), 25) // 2 cores for 10 s, then half a core
    assert.equal(c.cpuTimeSec(alsoBusy!), 55) // 2 cores, then 3.5
  })

  it("counts a VM's NIC bytes at the file's net rate while it runs, and none when the file gives no rate", async () => {
    const c = SimCluster.parse(
      't.yaml',
      `
hosts:
  - {name: a, cores: 4, memory: 8GiB}
vms:
  - {name: chatty, host: a, memory: 1GiB, net: 2MiB}
  - {name: quiet, host: a, memory: 1GiB}
  - {name: off, host: a, memory: 1GiB, net: 2MiB, state: shutoff}
`,
    )
    c.advance(10)
    const vms = new Map((await new SimDriver(c, 'a').sample()).vms.map((v) => [v.name, v]))
    assert.equal(vms.get('chatty')!.netRxBytes! + vms.get('chatty')!.netTxBytes!, 20 * 1024 ** 2)
    assert.equal(vms.get('quiet')!.netRxBytes, undefined)
    assert.equal(vms.get('off')!.netRxBytes, undefined)
  })

  it('gives the same counters on every run (deterministic)', async () => {
    const read = async () => {
      const c = SimCluster.parse('t.yaml', YAML)
      c.advance(3)
      return (await new SimDriver(c, 'a').sample()).vms.map((v) => v.cpuTimeNs)
    }
    assert.deepEqual(await read(), await read())
  })

  it('moves a VM on migrate, charging the copy time to the clock, and refuses a host without room', async () => {
    const c = SimCluster.parse('t.yaml', YAML)
    const before = c.timeSec
    const result = await new SimDriver(c, 'a').migrate('busy', {hostName: 'b', uri: 'b'}, {live: true})
    assert.equal(c.vms.find((v) => v.name === 'busy')!.host, 'b')
    assert.ok(result.wallMs > 0 && c.timeSec > before)
    await new SimDriver(c, 'b').setMemory('busy', 4096, {live: true, config: false})
    await assert.rejects(new SimDriver(c, 'a').migrate('also-busy', {hostName: 'b', uri: 'b'}, {live: true}), /MiB free/)
  })

  it('names the file and the field of a malformed cluster', () => {
    const cases: [string, RegExp][] = [
      [
        'hosts: [{name: a, cores: -1, memory: 1GiB}]',
        /^t\.yaml:1:\d+: hosts\[0\]\.cores: expected a positive whole number of cores, found -1$/,
      ],
      [
        'hosts: [{name: a, cores: 1, memory: lots}]',
        /hosts\[0\]\.memory: expected a size like 512M or 2GiB \(a bare number is MiB\), found "lots"$/,
      ],
      [
        'hosts: [{name: a, cores: 1, memory: 1GiB}]\nvms: [{name: v, host: nowhere, memory: 1GiB}]',
        /^t\.yaml:2:\d+: vms\[0\]\.host: expected one of the hosts \(a\), found "nowhere"$/,
      ],
      [
        'hosts: [{name: a, cores: 1, memory: 1GiB}, {name: a, cores: 1, memory: 1GiB}]',
        /hosts\[1\]\.name: expected a host name not used before, found "a"$/,
      ],
      ['hosts: [unclosed', /not valid YAML/],
      ['just a string', /^t\.yaml:1:1: \(top level\): expected a mapping, found "just a string"$/],
    ]
    for (const [text, message] of cases) {
      assert.throws(
        () => SimCluster.parse('t.yaml', text),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        text,
      )
    }
  })
})
