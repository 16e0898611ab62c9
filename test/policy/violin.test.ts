import {strict as assert} from 'node:assert'

import {none} from '../../src/policy/none.js'
import {DEFAULT_POLICY_OPTIONS, type ClusterView, type HostView, type PolicyOptions, type VmView} from '../../src/policy/cluster-view.js'
import {violin} from '../../src/policy/violin.js'

const NOW = 1_700_000_000_000

function host(name: string, site: string, extra: Partial<HostView> = {}): HostView {
  return {name, site, cores: 2, memoryMiB: 4096, freeMemoryMiB: 4096, cpu: 0, swapWritesPerSecond: 0, nic: 0, hotSamples: 0, ...extra}
}

function vm(name: string, on: string, extra: Partial<VmView> = {}): VmView {
  return {name, host: on, vcpus: 1, memoryMiB: 512, maxMemoryMiB: 1024, cpuShares: 1024, cpu: 0.5, cpuDemand: 0.5, ...extra}
}

function view(hosts: HostView[], vms: VmView[], environments: ClusterView['environments'] = []): ClusterView {
  return {nowMs: NOW, hosts, vms, environments, traffic: []}
}

const busy = (name: string, on: string, extra: Partial<VmView> = {}) => vm(name, on, {cpu: 0.95, cpuDemand: 0.95, ...extra})
const opts = (extra: Partial<PolicyOptions> = {}): PolicyOptions => ({...DEFAULT_POLICY_OPTIONS, ...extra})
const moves = (plan: ReturnType<typeof violin>) =>
  plan.actions.filter((a) => a.kind === 'migrate').map((a) => (a.kind === 'migrate' ? `${a.vm}:${a.from}->${a.to}` : ''))

describe('the violin policy (JISA 2011 section 2.2)', () => {
  it('moves a high-demand VM from the host with the highest score to the least-loaded host of the site', () => {
    const plan = violin(
      view(
        [host('e1', 'east'), host('e2', 'east', {}), host('e3', 'east')],
        [busy('a', 'e1'), busy('b', 'e1'), busy('c', 'e1'), vm('d', 'e2', {cpuDemand: 0.5})],
      ),
      opts({maxMigrations: 1}),
    )
    assert.deepEqual(moves(plan), ['a:e1->e3'])
    assert.match(
      plan.actions[0]!.reason,
      /e1 has the highest score in east \(1\.50 high-demand VMs per core\).*e3, the least-loaded host that fits, lowers the spread/,
    )
  })

  it('stops moving once no move lowers the spread of host scores', () => {
    const plan = violin(view([host('e1', 'east'), host('e2', 'east')], [busy('a', 'e1'), busy('b', 'e1')]), opts({maxMigrations: 5}))
    assert.deepEqual(moves(plan), ['a:e1->e2'], 'one each is as even as it gets')
  })

  it('does not move anything when no VM is high-demand', () => {
    const plan = violin(view([host('e1', 'east'), host('e2', 'east')], [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e1')]), opts())
    assert.deepEqual(plan.actions, [])
  })

  it('moves inside the site only, even when another site is empty', () => {
    const plan = violin(
      view([host('e1', 'east'), host('e2', 'east', {maintenance: true}), host('w1', 'west')], [busy('a', 'e1'), busy('b', 'e1')]),
      opts(),
    )
    assert.deepEqual(moves(plan), [], 'e2 is in maintenance and w1 is in another site; e1 is not overloaded (2 VMs, 2 cores)')
  })

  it('never chooses a host in maintenance or in a running migration', () => {
    const plan = violin(
      view(
        [host('e1', 'east'), host('e2', 'east', {maintenance: true}), host('e3', 'east', {migrating: true}), host('e4', 'east')],
        [busy('a', 'e1'), busy('b', 'e1'), busy('c', 'e1')],
      ),
      opts({maxMigrations: 5}),
    )
    assert.ok(
      moves(plan).every((m) => m.endsWith('->e4')),
      moves(plan).join(' '),
    )
  })

  it('respects the cap on migrations per pass', () => {
    const hosts = [host('e1', 'east', {cores: 8}), ...['e2', 'e3', 'e4', 'e5'].map((n) => host(n, 'east', {cores: 8}))]
    const vms = Array.from({length: 8}, (_, i) => busy(`v${i}`, 'e1'))
    assert.equal(moves(violin(view(hosts, vms), opts({maxMigrations: 2}))).length, 2)
  })

  it('respects the cooldown: a VM moved a minute ago stays, another one goes', () => {
    const plan = violin(
      view([host('e1', 'east'), host('e2', 'east')], [busy('a', 'e1', {cpuDemand: 0.99, lastMigratedMs: NOW - 60_000}), busy('b', 'e1')]),
      opts(),
    )
    assert.deepEqual(moves(plan), ['b:e1->e2'])
  })

  it('deducts capacity as it plans: two VMs never both land on a host that fits one', () => {
    const plan = violin(
      view(
        [host('e1', 'east', {cores: 4}), host('e2', 'east', {cores: 4, memoryMiB: 600})],
        [busy('a', 'e1'), busy('b', 'e1'), busy('c', 'e1'), busy('d', 'e1')],
      ),
      opts({maxMigrations: 4}),
    )
    assert.deepEqual(moves(plan).length, 1, `e2 has memory for one 512 MiB VM: ${moves(plan).join(' ')}`)
  })

  it('keeps the head node in its site', () => {
    const envs = [{name: 'lab', headSite: 'east'}]
    const plan = violin(
      view(
        [host('e1', 'east', {cores: 1}), host('w1', 'west', {cores: 4})],
        [busy('lab-head', 'e1', {environment: 'lab', role: 'head', cpuDemand: 1}), busy('x', 'e1', {cpuDemand: 1})],
        envs,
      ),
      opts(),
    )
    assert.ok(!plan.actions.some((a) => a.kind === 'migrate' && a.vm === 'lab-head'))
    assert.ok(!plan.actions.some((a) => a.kind === 'migrate-environment' && a.moves.some((m) => m.vm === 'lab-head')))
  })

  it("moves a whole environment's compute nodes to another site when no host of the site can take the load", () => {
    const envs = [{name: 'lab', headSite: 'east'}]
    const vms = [
      vm('lab-head', 'e1', {environment: 'lab', role: 'head', cpuDemand: 0.5}),
      busy('lab-c1', 'e1', {environment: 'lab', cpuDemand: 1}),
      busy('lab-c2', 'e1', {environment: 'lab', cpuDemand: 1}),
      busy('other', 'e2', {cpuDemand: 1}),
      busy('other2', 'e2', {cpuDemand: 1}),
    ]
    const plan = violin(view([host('e1', 'east'), host('e2', 'east'), host('w1', 'west'), host('w2', 'west')], vms, envs), opts())
    const env = plan.actions.find((a) => a.kind === 'migrate-environment')
    assert.ok(env && env.kind === 'migrate-environment', JSON.stringify(plan))
    assert.deepEqual(
      [env.environment, env.fromSite, env.toSite, env.moves.map((m) => m.vm).sort()],
      ['lab', 'east', 'west', ['lab-c1', 'lab-c2']],
    )
    assert.equal(env.reason, 'e1 demands 125% of its cores; no host of east can take the load')
  })

  it("quotes the demand that called for an environment's move, not what the host is left with after it", () => {
    // e1: 2 cores asked for 1.9 (head) + 2 x 1.0 + ... = 190%; once the compute nodes go it has 47%.
    const envs = [{name: 'lab', headSite: 'east'}]
    const vms = [
      vm('lab-head', 'e1', {environment: 'lab', role: 'head', cpuDemand: 0.95}),
      busy('lab-c1', 'e1', {environment: 'lab', cpuDemand: 1.4}),
      busy('lab-c2', 'e1', {environment: 'lab', cpuDemand: 1.45}),
    ]
    const hosts = [host('e1', 'east'), host('w1', 'west', {cores: 4})]
    const plan = violin(view(hosts, vms, envs), opts())
    const env = plan.actions.find((a) => a.kind === 'migrate-environment')
    assert.ok(env, JSON.stringify(plan))
    const demand = vms.filter((v) => v.host === 'e1').reduce((sum, v) => sum + v.cpuDemand * v.vcpus, 0) / 2
    assert.equal(demand, 1.9)
    assert.match(env.reason, /^e1 demands 190% of its cores/, 'the demand the view had, before the planned moves (it was "48%")')
  })

  it('says so when no other site can take an overloaded environment', () => {
    const envs = [{name: 'lab', headSite: 'east'}]
    const vms = [
      busy('lab-c1', 'e1', {environment: 'lab', cpuDemand: 1, vcpus: 2}),
      busy('lab-c2', 'e1', {environment: 'lab', cpuDemand: 1}),
    ]
    const plan = violin(view([host('e1', 'east'), host('w1', 'west', {cores: 1})], vms, envs), opts())
    assert.deepEqual(
      plan.actions.filter((a) => a.kind !== 'set-shares'),
      [],
    )
    assert.deepEqual(
      plan.notes.filter((n) => /no other site/.test(n)),
      ['e1 in east demands 150% of its cores; no other site can take lab (2 compute nodes)'],
    )
  })

  it('says once per site which overloaded hosts no other site can relieve, with every environment named', () => {
    const envs = [
      {name: 'a', headSite: 'east'},
      {name: 'b', headSite: 'east'},
    ]
    const vms = ['e1', 'e2'].flatMap((h) => [
      busy(`a-${h}`, h, {environment: 'a', cpuDemand: 1, vcpus: 2}),
      busy(`b-${h}`, h, {environment: 'b', cpuDemand: 1, vcpus: 2}),
    ])
    const plan = violin(view([host('e1', 'east'), host('e2', 'east'), host('w1', 'west', {cores: 1})], vms, envs), opts())
    assert.deepEqual(
      plan.notes.filter((n) => /no other site/.test(n)),
      ['e1, e2 in east demand 200% of their cores; no other site can take a (2 compute nodes) or b (2)'],
    )
  })

  it('fine grain first: grows the balloon of a VM using most of its memory, where the host has free memory', () => {
    const plan = violin(view([host('e1', 'east')], [vm('a', 'e1', {memoryMiB: 512, maxMemoryMiB: 2048, memoryUsedMiB: 480})]), opts())
    const grow = plan.actions.find((a) => a.kind === 'set-memory')
    assert.ok(grow && grow.kind === 'set-memory')
    assert.equal(grow.toMiB, 960, 'used 480 MiB at the middle of the 25-75% range')
  })

  it('does not grow a balloon past max memory, and says so', () => {
    const plan = violin(view([host('e1', 'east')], [vm('a', 'e1', {memoryMiB: 1024, maxMemoryMiB: 1024, memoryUsedMiB: 1000})]), opts())
    assert.deepEqual(
      plan.actions.filter((a) => a.kind === 'set-memory'),
      [],
    )
    assert.ok(plan.notes.some((n) => /a uses 98% of its memory, but it is at its maximum/.test(n)))
  })

  it('gives back memory a VM does not use, and CPU shares it no longer needs', () => {
    const plan = violin(
      view([host('e1', 'east')], [vm('a', 'e1', {memoryMiB: 2048, memoryUsedMiB: 200, cpuDemand: 0.1, cpuShares: 4096})]),
      opts(),
    )
    assert.deepEqual(
      plan.actions.map((a) => (a.kind === 'set-memory' ? `memory ${a.toMiB}` : a.kind === 'set-shares' ? `shares ${a.to}` : a.kind)),
      ['shares 2048', 'memory 400'],
    )
  })

  it('raises the CPU shares of a VM using nearly all its CPU when the host has CPU to spare', () => {
    const plan = violin(view([host('e1', 'east', {cores: 4})], [busy('a', 'e1')]), opts())
    assert.deepEqual(
      plan.actions.map((a) => (a.kind === 'set-shares' ? [a.vm, a.from, a.to] : a.kind)),
      [['a', 1024, 2048]],
    )
  })
})

describe('the none policy', () => {
  it('reports hosts over a threshold and acts on nothing', () => {
    const plan = none(view([host('e1', 'east', {cpu: 0.97}), host('e2', 'east')], [busy('a', 'e1')]), opts())
    assert.deepEqual(plan.actions, [])
    assert.deepEqual(plan.notes, ['e1 is over a threshold (CPU 97%); policy none does not act'])
  })
})
