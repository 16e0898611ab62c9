import {strict as assert} from 'node:assert'

import {ConfigError} from '../../src/errors.js'
import {simulate, type TimelineEvent} from '../../src/sim/engine.js'
import {loadScenario, parseScenario} from '../../src/sim/scenario.js'

/** Each VM's host after every migration of the run, from the timeline's "migrated" lines. */
function placements(start: Record<string, string>, timeline: TimelineEvent[]): Array<Record<string, string>> {
  const now = {...start}
  const out = [{...now}]
  for (const e of timeline) {
    const m = /^(\S+) is on (\S+)/.exec(e.text)
    if (e.kind !== 'migrated' || !m) continue
    now[m[1]!] = m[2]!
    out.push({...now})
  }
  return out
}

describe('a scenario carries rules, and the policies obey them in the simulator', () => {
  const start = {VM1: 'PM1', VM2: 'PM1', VM3: 'PM1', VM4: 'PM2'}

  it('anti-affinity changes what idc does: VM3 is never put with VM4, VM1 goes instead', () => {
    const free = simulate(loadScenario('examples/scenarios/thesis-group-reunion.yaml'), 'idc')
    const ruled = simulate(loadScenario('examples/scenarios/anti-affinity.yaml'), 'idc')
    // Without the rule, idc reunites VM3 with VM4 (the thesis's result).
    assert.ok(placements(start, free.timeline).some((p) => p.VM3 === p.VM4))
    const after = placements(start, ruled.timeline)
    assert.ok(after.length > 1, 'idc still relieves PM1')
    for (const p of after) assert.notEqual(p.VM3, p.VM4, JSON.stringify(p))
    assert.equal(after.at(-1)!.VM1, 'PM2')
  })

  it('reads each kind, naming pin and exclude rules after their VM', () => {
    const s = loadScenario('examples/scenarios/anti-affinity.yaml')
    assert.deepEqual(s.rules, [{kind: 'anti-affinity', name: 'server-apart-from-db', vms: ['VM3', 'VM4']}])
    const more = parseScenario(
      'r.yaml',
      `${BASE}rules:\n  - {kind: pin, vms: [a], site: east}\n  - {kind: exclude, vms: [a, b]}\n  - {kind: affinity, name: ab, vms: [a, b]}\n`,
    )
    assert.deepEqual(more.rules, [
      {kind: 'pin', name: 'pin-a', vm: 'a', site: 'east'},
      {kind: 'exclude', name: 'exclude-a', vm: 'a'},
      {kind: 'exclude', name: 'exclude-b', vm: 'b'},
      {kind: 'affinity', name: 'ab', vms: ['a', 'b']},
    ])
  })

  const BASE = `hosts:
  - {name: h1, site: east, cores: 1, memory: 1GiB}
  - {name: h2, site: east, cores: 1, memory: 1GiB}
environments:
  - name: lab
    vms:
      - {name: a, host: h1, phases: [{cpu: 0.5, duration_s: 10}]}
      - {name: b, host: h2, phases: [{cpu: 0.5, duration_s: 10}]}
`
  const refused: Array<[string, string, RegExp]> = [
    ['an unknown VM', '  - {kind: exclude, vms: [c]}', /r\.yaml:10:\d+: rules\[0\]\.vms\[0\]: expected a VM of the scenario, found "c"/],
    [
      'a pin with neither host nor site',
      '  - {kind: pin, vms: [a]}',
      /rules\[0\]: expected host or site \(where the pin holds\), one of them, found neither/,
    ],
    ['a pin to an unknown host', '  - {kind: pin, vms: [a], host: h9}', /rules\[0\]\.host: expected a host of the scenario, found "h9"/],
    [
      'a pin to an unknown site',
      '  - {kind: pin, vms: [a], site: west}',
      /rules\[0\]\.site: expected a site of the scenario \(east\), found "west"/,
    ],
    [
      'anti-affinity of one VM',
      '  - {kind: anti-affinity, name: x, vms: [a]}',
      /rules\[0\]\.vms: expected two VMs or more for anti-affinity/,
    ],
    ['affinity without a name', '  - {kind: affinity, vms: [a, b]}', /rules\[0\]: expected a name for the affinity rule, found none/],
    ['a host on an anti-affinity rule', '  - {kind: anti-affinity, name: x, vms: [a, b], host: h1}', /rules\[0\]\.host: expected nothing/],
    [
      'an unknown kind',
      '  - {kind: apart, name: x, vms: [a, b]}',
      /rules\[0\]\.kind: expected one of pin, exclude, anti-affinity, affinity/,
    ],
    [
      'rules that contradict',
      '  - {kind: affinity, name: x, vms: [a, b]}\n  - {kind: anti-affinity, name: y, vms: [a, b]}',
      /rules: expected rules that can all be kept, found "rule y keeps a and b apart, rule x keeps them together"/,
    ],
  ]
  for (const [what, rules, message] of refused) {
    it(`refuses ${what}, naming the line`, () => {
      assert.throws(
        () => parseScenario('r.yaml', `${BASE}rules:\n${rules}\n`),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      )
    })
  }
})
