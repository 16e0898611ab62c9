import {strict as assert} from 'node:assert'

import {checkPlan} from '../../src/adapt/plan-check.js'
import type {Action} from '../../src/policy/cluster-view.js'
import type {Rule} from '../../src/policy/rules.js'
import {cluster, host, vm} from '../policy/views.js'

const migrate = (name: string, from: string, to: string): Action => ({kind: 'migrate', vm: name, from, to, reason: 'planned'})
const verdicts = (r: ReturnType<typeof checkPlan>) => [
  ...r.accepted.map((a) => `ok ${'vm' in a ? a.vm : a.kind === 'migrate-environment' ? a.environment : ''}`),
  ...r.refused.map(
    (x) => `refused ${'vm' in x.action ? x.action.vm : x.action.kind === 'migrate-environment' ? x.action.environment : ''}: ${x.why}`,
  ),
]

describe("plan apply's re-check of each action (src/adapt/plan-check.ts)", () => {
  // As the plan found it: a and b on e1, c on e2; now a was moved by hand to e2.
  const now = (rules: Rule[] = [], extra: {e3MiB?: number} = {}) => ({
    ...cluster({
      hosts: [host('e1'), host('e2'), host('e3', {memoryMiB: extra.e3MiB ?? 4096})],
      vms: [vm('a', 'e2'), vm('b', 'e1'), vm('c', 'e2', {memoryMiB: 1024}), vm('d', 'e3', {memoryMiB: 512})],
    }),
    rules,
  })

  it('refuses the move of a VM that moved since, and carries out the others', () => {
    const r = checkPlan([migrate('a', 'e1', 'e3'), migrate('b', 'e1', 'e3')], now(), new Set())
    assert.deepEqual(verdicts(r), ['ok b', 'refused a: a is on e2 now, not on e1 as planned'])
  })

  it('refuses a move to a destination that filled up, counting the moves accepted before it', () => {
    // e3 has 1536 MiB: d holds 512, b takes 512, then c's 1024 no longer fits.
    const r = checkPlan([migrate('b', 'e1', 'e3'), migrate('c', 'e2', 'e3')], now([], {e3MiB: 1536}), new Set())
    assert.deepEqual(verdicts(r), ['ok b', 'refused c: c needs 1024 MiB; e3 has 512 MiB left'])
  })

  it('refuses what a rule forbids now', () => {
    const r = checkPlan(
      [migrate('b', 'e1', 'e2'), migrate('d', 'e3', 'e1')],
      now([
        {kind: 'anti-affinity', name: 'bc', vms: ['b', 'c']},
        {kind: 'exclude', name: 'keep-d', vm: 'd'},
      ]),
      new Set(),
    )
    assert.deepEqual(verdicts(r), [
      'refused b: rule bc keeps b apart from c, which is on e2',
      'refused d: rule keep-d excludes d from the loop',
    ])
  })

  it('refuses a move to or from a host that did not answer, saying so', () => {
    const view = now()
    const without = {...view, hosts: view.hosts.filter((h) => h.name !== 'e3'), vms: view.vms.filter((v) => v.host !== 'e3')}
    const r = checkPlan([migrate('b', 'e1', 'e3'), migrate('d', 'e3', 'e1')], without, new Set(['e3']))
    assert.deepEqual(verdicts(r), ['refused b: e3 did not answer', 'refused d: e3 did not answer'])
  })

  it("refuses an environment's move whole when one of its moves no longer holds", () => {
    const env: Action = {
      kind: 'migrate-environment',
      environment: 'lab',
      fromSite: 'east',
      toSite: 'east',
      moves: [
        {vm: 'b', from: 'e1', to: 'e3'},
        {vm: 'a', from: 'e1', to: 'e3'},
      ],
      reason: 'planned',
    }
    const r = checkPlan([env, migrate('c', 'e2', 'e3')], now([], {e3MiB: 2048}), new Set())
    // b's trial move is taken back: c still fits where b would have gone.
    assert.deepEqual(verdicts(r), ['ok c', 'refused lab: a: a is on e2 now, not on e1 as planned'])
  })

  it('refuses a balloon change when the memory is no longer what the plan assumed', () => {
    const r = checkPlan(
      [
        {kind: 'set-memory', vm: 'c', host: 'e2', fromMiB: 768, toMiB: 1024, reason: 'planned'},
        {kind: 'set-memory', vm: 'b', host: 'e1', fromMiB: 512, toMiB: 640, reason: 'planned'},
      ],
      now(),
      new Set(),
    )
    assert.deepEqual(verdicts(r), ['ok b', 'refused c: c has 1024 MiB now; the plan assumed 768 MiB'])
  })

  it('refuses the companion of a refused move that an affinity rule keeps with it', () => {
    const view = {
      ...cluster({hosts: [host('e1'), host('e2'), host('e3')], vms: [vm('a', 'e2'), vm('b', 'e1'), vm('x', 'e1')]}),
      rules: [{kind: 'affinity', name: 'bx', vms: ['b', 'x']} as Rule],
    }
    // The plan moved b and x together to e3; b is now excluded by a new rule.
    const r = checkPlan(
      [migrate('b', 'e1', 'e3'), migrate('x', 'e1', 'e3')],
      {...view, rules: [...view.rules, {kind: 'exclude', name: 'keep-b', vm: 'b'}]},
      new Set(),
    )
    assert.deepEqual(verdicts(r), [
      'refused b: rule keep-b excludes b from the loop',
      'refused x: b moves with x (rule bx), but rule keep-b excludes b from the loop',
    ])
  })
})
