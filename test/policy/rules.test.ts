import {strict as assert} from 'node:assert'

import {POLICIES} from '../../src/policy/policies.js'
import {broken, contradictions, type Rule} from '../../src/policy/rules.js'
import {planVacate} from '../../src/policy/vacate-plan.js'
import {cluster, host, moves, opts, vm} from './views.js'

/**
 * One cluster every policy acts on: e1 (one core) is asked for 158% by a and b, e2 and e3
 * are nearly idle, e2 the idlest. With no rule each policy moves one of a, b to e2.
 */
const one = (name: string, extra = {}) => host(name, {cores: 1, ...extra})
function overloaded(rules: Rule[] = [], extra: Parameters<typeof vm>[2] = {}) {
  return {
    ...cluster({
      hosts: [one('e1'), one('e2'), one('e3')],
      vms: [
        vm('a', 'e1', {cpuDemand: 0.8, ...extra}),
        vm('b', 'e1', {cpuDemand: 0.78}),
        vm('c', 'e3', {cpuDemand: 0.1}),
        vm('d', 'e2', {cpuDemand: 0.05}),
      ],
    }),
    rules,
  }
}
const plan = (policy: string, rules: Rule[]) => POLICIES[policy]!(overloaded(rules), opts({maxMigrations: 3}))
const hostAfter = (p: ReturnType<typeof plan>, name: string, start: string) =>
  p.actions.reduce((at, a) => (a.kind === 'migrate' && a.vm === name ? a.to : at), start)
const resized = (p: ReturnType<typeof plan>) => p.actions.flatMap((a) => (a.kind === 'set-memory' || a.kind === 'set-shares' ? [a.vm] : []))

describe('rules every policy obeys', () => {
  for (const policy of ['violin', 'idc', 'sandpiper']) {
    describe(policy, () => {
      it('moves a VM off the overloaded host when no rule says otherwise (the baseline of the cases below)', () => {
        const p = plan(policy, [])
        assert.equal(moves(p).length, 1, moves(p).join(' '))
        assert.match(moves(p)[0]!, /^[ab]:e1->e2$/)
      })

      it('exclude: never moves or resizes the VM, and says why', () => {
        for (const vmName of ['a', 'b']) {
          const p = plan(policy, [{kind: 'exclude', name: `exclude-${vmName}`, vm: vmName}])
          assert.equal(hostAfter(p, vmName, 'e1'), 'e1', moves(p).join(' '))
          assert.ok(!resized(p).includes(vmName))
        }
        // Both excluded: the hotspot stays and the notes name the rule.
        const p = plan(policy, [
          {kind: 'exclude', name: 'exclude-a', vm: 'a'},
          {kind: 'exclude', name: 'exclude-b', vm: 'b'},
        ])
        assert.deepEqual(moves(p), [])
        assert.match(p.notes.join('\n'), /rule exclude-[ab] excludes [ab] from the loop/)
      })

      it('exclude: no balloon or share change either', () => {
        const view = {
          ...cluster({
            hosts: [one('e1', {swapWritesPerSecond: 400, swapWritesPredicted: 400}), one('e2')],
            vms: [vm('a', 'e1', {cpuDemand: 0.9, memoryMiB: 256, memoryUsedMiB: 250, maxMemoryMiB: 1024})],
          }),
          rules: [{kind: 'exclude', name: 'x', vm: 'a'} as Rule],
        }
        const free = POLICIES[policy]!({...view, rules: []}, opts())
        const held = POLICIES[policy]!(view, opts())
        assert.ok(
          free.actions.some((a) => 'vm' in a && a.vm === 'a'),
          'without the rule a is acted on',
        )
        assert.deepEqual(
          held.actions.filter((a) => 'vm' in a && a.vm === 'a'),
          [],
        )
      })

      // The VM the policy moves without rules (a for violin, b for idc and sandpiper), and where.
      const baseline = () => {
        const [vm, move] = moves(plan(policy, []))[0]!.split(':')
        return {vm: vm!, to: move!.split('->')[1]!}
      }

      it('pin to a host: the VM the policy would move stays there', () => {
        const {vm} = baseline()
        const p = plan(policy, [{kind: 'pin', name: `pin-${vm}`, vm, host: 'e1'}])
        assert.equal(hostAfter(p, vm, 'e1'), 'e1', moves(p).join(' '))
      })

      it('pin to a site: the VM goes only to a host of that site', () => {
        // e3 alone is in west; without the rule the VM goes to e2 (east).
        const {vm, to} = baseline()
        assert.equal(to, 'e2')
        const view = {
          ...overloaded(),
          hosts: overloaded().hosts.map((h) => (h.name === 'e3' ? {...h, site: 'west'} : h)),
          rules: [{kind: 'pin', name: `pin-${vm}`, vm, site: 'west'} as Rule],
        }
        const p = POLICIES[policy]!(view, opts({maxMigrations: 3}))
        assert.equal(hostAfter(p, vm, 'e1'), 'e3', moves(p).join(' '))
      })

      it('anti-affinity: never lands a VM on the host of its peer', () => {
        // Without the rule a or b goes to e2, where d runs.
        const p = plan(policy, [
          {kind: 'anti-affinity', name: 'apart-a', vms: ['a', 'd']},
          {kind: 'anti-affinity', name: 'apart-b', vms: ['b', 'd']},
        ])
        for (const m of moves(p)) assert.doesNotMatch(m, /^[ab]:e1->e2$/)
        assert.ok(moves(p).length <= 1)
      })

      it('affinity: the VMs move together, or not at all', () => {
        // a and b do not fit together anywhere (one core each host): neither moves.
        const stuck = plan(policy, [{kind: 'affinity', name: 'ab', vms: ['a', 'b']}])
        assert.deepEqual([hostAfter(stuck, 'a', 'e1'), hostAfter(stuck, 'b', 'e1')], ['e1', 'e1'], moves(stuck).join(' '))
        // a with c (small): wherever a goes, c goes too.
        const p = plan(policy, [{kind: 'affinity', name: 'ac', vms: ['a', 'c']}])
        assert.equal(hostAfter(p, 'a', 'e1'), hostAfter(p, 'c', 'e3'), moves(p).join(' '))
      })

      it('mends a broken anti-affinity rule first: one of the two leaves the host', () => {
        const view = {
          ...cluster({hosts: [host('e1'), host('e2'), host('e3')], vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e2')]}),
          rules: [{kind: 'anti-affinity', name: 'ab', vms: ['a', 'b']} as Rule],
        }
        const p = POLICIES[policy]!(view, opts())
        assert.deepEqual(moves(p), ['b:e1->e3'], 'to the least-loaded host')
        assert.match(p.actions[0]!.reason, /^rule ab: b shares e1 with another VM of the rule$/)
      })

      it('mends a broken pin within the cap, and says when it cannot', () => {
        const view = {
          ...cluster({hosts: [host('e1'), host('e2')], vms: [vm('a', 'e1'), vm('b', 'e2')]}),
          rules: [{kind: 'pin', name: 'pin-a', vm: 'a', host: 'e2'} as Rule],
        }
        assert.deepEqual(moves(POLICIES[policy]!(view, opts())), ['a:e1->e2'])
        const capped = POLICIES[policy]!(view, opts({maxMigrations: 0}))
        assert.deepEqual(moves(capped), [])
        assert.ok(capped.notes.includes('rule pin-a not kept: a runs on e1, not on e2'), capped.notes.join('\n'))
      })

      it('reunites an affinity group that was apart', () => {
        const view = {
          ...cluster({hosts: [host('e1'), host('e2')], vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e2')]}),
          rules: [{kind: 'affinity', name: 'abc', vms: ['a', 'b', 'c']} as Rule],
        }
        assert.deepEqual(moves(POLICIES[policy]!(view, opts())), ['c:e2->e1'])
      })
    })
  }

  it('none mends nothing and reports every broken rule', () => {
    const view = {
      ...cluster({hosts: [host('e1'), host('e2')], vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e2')]}),
      rules: [
        {kind: 'anti-affinity', name: 'ab', vms: ['a', 'b']},
        {kind: 'affinity', name: 'ac', vms: ['a', 'c']},
        {kind: 'pin', name: 'pin-c', vm: 'c', site: 'west'},
      ] as Rule[],
    }
    const p = POLICIES.none!(view, opts())
    assert.deepEqual(p.actions, [])
    assert.deepEqual(p.notes, [
      'rule ab not kept: a and b share e1',
      'rule ac not kept: apart: a on e1, c on e2',
      'rule pin-c not kept: c runs on e2 in site east, not in west',
    ])
  })
})

describe('vacate obeys the rules', () => {
  const big = (name: string) => host(name, {cores: 8, memoryMiB: 8192})
  const view = (rules: Rule[]) => ({
    ...cluster({
      hosts: [big('e1'), big('e2'), big('e3')],
      vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e1'), vm('x', 'e2')],
    }),
    rules,
  })

  it('leaves an excluded VM, or one pinned to the vacated host, where it is and names the rule', () => {
    const plan = planVacate(
      view([
        {kind: 'exclude', name: 'keep-a', vm: 'a'},
        {kind: 'pin', name: 'pin-b', vm: 'b', host: 'e1'},
      ]),
      ['e1'],
    )
    assert.deepEqual(
      plan.stuck.map((s) => `${s.vm}: ${s.reason}`),
      ['a: rule keep-a excludes a from the loop', 'b: rule pin-b pins b to host e1'],
    )
    assert.deepEqual(
      plan.moves.map((m) => m.vm),
      ['c'],
    )
  })

  it('never puts two VMs of an anti-affinity rule on one host', () => {
    const plan = planVacate(view([{kind: 'anti-affinity', name: 'apart', vms: ['a', 'b', 'x']}]), ['e1'])
    // x is on e2: a and b may only go to e3, and only one of them may.
    const to = new Map(plan.moves.map((m) => [m.vm, m.to]))
    assert.notEqual(to.get('a'), 'e2')
    assert.notEqual(to.get('b'), 'e2')
    assert.equal(plan.stuck.length, 1)
    assert.match(plan.stuck[0]!.reason, /rule apart keeps [ab] apart from [abx], which is on e[23]/)
  })

  it('moves an affinity group together, its VMs off other hosts too', () => {
    const plan = planVacate(view([{kind: 'affinity', name: 'ax', vms: ['a', 'x']}]), ['e1'])
    const to = new Map(plan.moves.map((m) => [m.vm, m.to]))
    assert.equal(to.get('a'), to.get('x') ?? 'e2', JSON.stringify(plan.moves))
    assert.deepEqual(plan.stuck, [])
  })
})

describe('rules that contradict each other', () => {
  it('names each contradiction', () => {
    assert.deepEqual(
      contradictions([
        {kind: 'affinity', name: 'g1', vms: ['a', 'b']},
        {kind: 'affinity', name: 'g2', vms: ['b', 'c']},
        {kind: 'anti-affinity', name: 'ab', vms: ['a', 'b']},
        {kind: 'pin', name: 'p1', vm: 'a', host: 'e1'},
        {kind: 'pin', name: 'p2', vm: 'a', site: 'west'},
      ]),
      [
        'b is in two affinity rules, g1 and g2: join them into one',
        'rules p1 and p2 both pin a',
        'rule ab keeps a and b apart, rule g1 keeps them together',
      ],
    )
    assert.deepEqual(
      contradictions([
        {kind: 'affinity', name: 'g', vms: ['a', 'b']},
        {kind: 'pin', name: 'pa', vm: 'a', host: 'e1'},
        {kind: 'pin', name: 'pb', vm: 'b', host: 'e2'},
      ]),
      ['rule g keeps a, b together, but pa and pb pin them apart'],
    )
    assert.deepEqual(
      contradictions([
        {kind: 'anti-affinity', name: 'x', vms: ['a', 'b']},
        {kind: 'pin', name: 'pa', vm: 'a', host: 'e1'},
      ]),
      [],
    )
  })

  it('finds what a placement breaks', () => {
    const placement = new Map([
      ['a', 'e1'],
      ['b', 'e1'],
      ['c', 'w1'],
    ])
    const site = (h: string) => (h.startsWith('e') ? 'east' : 'west')
    assert.deepEqual(
      broken(
        [
          {kind: 'anti-affinity', name: 'ab', vms: ['a', 'b', 'gone']},
          {kind: 'affinity', name: 'bc', vms: ['b', 'c']},
          {kind: 'pin', name: 'pc', vm: 'c', site: 'west'},
          {kind: 'pin', name: 'pa', vm: 'a', host: 'e2'},
          {kind: 'exclude', name: 'x', vm: 'a'},
        ],
        placement,
        site,
      ),
      [
        {rule: 'ab', text: 'a and b share e1'},
        {rule: 'bc', text: 'apart: b on e1, c on w1'},
        {rule: 'pa', text: 'a runs on e1, not on e2'},
      ],
    )
  })
})
