import {strict as assert} from 'node:assert'

import {ConfigError} from '../../src/errors.js'
import {parseScenario} from '../../src/sim/scenario.js'

const GOOD = `step_s: 1
interval_s: 10
hosts:
  - {name: h1, site: east, cores: 1, memory: 1GiB}
  - {name: h2, site: east, cores: 1, memory: 1GiB, nic: 100MB/s}
environments:
  - name: lab
    vms:
      - name: a
        host: h1
        memory: 256MiB
        max_memory: 512MiB
        phases:
          - cpu: 0.5
            memory: 100MiB
            traffic: {b: 4MB/s, outside: 1MB/s}
            work: 50
      - hosts: [h2]
        phases: [{cpu: 0, duration_s: 10}]
`

function error(text: string): ConfigError {
  try {
    parseScenario('lab.yaml', text)
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e))
    return e
  }
  assert.fail('no error')
}

describe('simulation scenarios (src/sim/scenario.ts)', () => {
  it('reads hosts, environments, VMs and phases with units', () => {
    const s = parseScenario('lab.yaml', GOOD.replace('b: 4MB/s', 'lab-2: 4MB/s'))
    assert.equal(s.name, 'lab')
    assert.deepEqual(s.hosts[1], {name: 'h2', site: 'east', cores: 1, memoryMiB: 1024, nicBytesPerSecond: 100e6})
    const [a, b] = s.environments[0]!.vms
    assert.equal(a!.name, 'a')
    assert.equal(b!.name, 'lab-2')
    assert.deepEqual(
      a!.phases[0],
      {cpu: 0.5, memoryMiB: 100, traffic: {'lab-2': 4e6, outside: 1e6}, dirtyBytesPerSecond: 0, seconds: 100},
      'no dirty_rate: nothing dirtied',
    )
    assert.equal(b!.phases[0]!.seconds, 10)
    assert.equal(s.environments[0]!.headSite, 'east')
  })

  it('names the file, the line and column, the field, what was expected and what was found', () => {
    const bad = GOOD.replace('b: 4MB/s', 'lab-2: 4MB/s').replace('cpu: 0.5', 'cpu: 1.5')
    assert.equal(
      error(bad).message,
      'lab.yaml:14:18: environments[0].vms[0].phases[0].cpu: expected a number from 0 to 1 (the share of its vCPUs it wants), found 1.5',
    )
  })

  it('names the position of a field in a flow mapping and of an unknown key', () => {
    const bad = GOOD.replace('b: 4MB/s', 'lab-2: 4MB/s').replace('duration_s: 10}', 'duration_s: -1}')
    assert.equal(
      error(bad).message,
      'lab.yaml:19:39: environments[0].vms[1].phases[0].duration_s: expected a number of seconds > 0, found -1',
    )
    const unknown = GOOD.replace('    memory: 256MiB', '    memroy: 256MiB')
    assert.match(
      error(unknown).message,
      /^lab\.yaml:11:9: environments\[0\]\.vms\[0\]\.memroy: expected a known key \(name, host, .*\), found "memroy"$/,
    )
  })

  it('rejects an unknown host and an unknown traffic peer', () => {
    assert.equal(
      error(GOOD.replace('host: h1', 'host: h9')).message,
      'lab.yaml:10:15: environments[0].vms[0].host: expected one of the hosts (h1, h2), found "h9"',
    )
    assert.equal(
      error(GOOD).message,
      'lab.yaml:16:23: environments[0].vms[0].phases[0].traffic.b: expected a VM of the scenario (or outside), found "b"',
    )
  })

  it('reads a size in every size field through the one size grammar', () => {
    const s = parseScenario(
      'lab.yaml',
      GOOD.replace('b: 4MB/s', 'lab-2: 4MB/s').replace('memory: 256MiB', 'memory: 256').replace('max_memory: 512MiB', 'max_memory: 0.5G'),
    )
    assert.deepEqual([s.environments[0]!.vms[0]!.memoryMiB, s.environments[0]!.vms[0]!.maxMemoryMiB], [256, 512])
    assert.equal(
      error(GOOD.replace('memory: 1GiB}', 'memory: 2PiB}')).message,
      'lab.yaml:4:46: hosts[0].memory: expected a size like 512M or 2GiB (a bare number is MiB), found "2PiB"',
    )
  })

  it('reports bad YAML with its line', () => {
    assert.match(error('hosts: [\n  - a: 1\n').message, /^lab\.yaml:\d+:\d+: not valid YAML: /)
  })
})
