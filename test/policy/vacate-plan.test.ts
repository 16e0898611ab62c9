import {strict as assert} from 'node:assert'

import {planVacate} from '../../src/policy/vacate-plan.js'
import type {ClusterView, HostView, VmView} from '../../src/policy/cluster-view.js'

const host = (name: string, site: string, extra: Partial<HostView> = {}): HostView => ({
  name,
  site,
  cores: 8,
  memoryMiB: 8192,
  freeMemoryMiB: 8192,
  cpu: 0,
  swapWritesPerSecond: 0,
  nic: 0,
  hotSamples: 0,
  ...extra,
})
const vm = (name: string, on: string, extra: Partial<VmView> = {}): VmView => ({
  name,
  host: on,
  vcpus: 1,
  memoryMiB: 1024,
  maxMemoryMiB: 1024,
  cpuShares: 1024,
  cpu: 0.5,
  cpuDemand: 0.5,
  ...extra,
})
const view = (hosts: HostView[], vms: VmView[], environments: ClusterView['environments'] = []): ClusterView => ({
  nowMs: 0,
  hosts,
  vms,
  environments,
  traffic: [],
})

describe('vacating hosts', () => {
  it('moves every VM off, spread over the hosts that fit, never all onto one', () => {
    const plan = planVacate(
      view(
        [host('e1', 'east'), host('e2', 'east'), host('e3', 'east')],
        ['a', 'b', 'c', 'd'].map((n) => vm(n, 'e1')),
      ),
      ['e1'],
    )
    assert.equal(plan.moves.length, 4)
    assert.deepEqual(plan.stuck, [])
    const per: Record<string, number> = {}
    for (const m of plan.moves) per[m.to] = (per[m.to] ?? 0) + 1
    assert.deepEqual(per, {e2: 2, e3: 2})
  })

  it('stays in the site while a host there fits, then goes to another', () => {
    const plan = planVacate(
      view(
        [host('e1', 'east'), host('e2', 'east', {memoryMiB: 1536}), host('w1', 'west', {memoryMiB: 65_536})],
        [vm('a', 'e1'), vm('b', 'e1')],
      ),
      ['e1'],
    )
    assert.deepEqual(
      plan.moves.map((m) => [m.vm, m.to]),
      [
        ['a', 'e2'],
        ['b', 'w1'],
      ],
    )
  })

  it('keeps head nodes in their site and never uses a host in maintenance or another host being vacated', () => {
    const envs = [{name: 'lab', headSite: 'east'}]
    const hosts = [host('e1', 'east'), host('e2', 'east'), host('e3', 'east', {maintenance: true}), host('w1', 'west', {memoryMiB: 65_536})]
    const plan = planVacate(view(hosts, [vm('lab-head', 'e1', {environment: 'lab', role: 'head'}), vm('x', 'e2')], envs), ['e1', 'e2'])
    assert.deepEqual(
      plan.moves.map((m) => [m.vm, m.to]),
      [['x', 'w1']],
    )
    assert.deepEqual(
      plan.stuck.map((s) => [s.vm, s.reason]),
      [['lab-head', 'it is a head node and no other open host is in its site']],
    )
  })

  it('names what each host has left when a VM fits nowhere', () => {
    const plan = planVacate(view([host('e1', 'east'), host('e2', 'east', {memoryMiB: 512})], [vm('big', 'e1', {memoryMiB: 4096})]), ['e1'])
    assert.deepEqual(plan.moves, [])
    assert.match(plan.stuck[0]!.reason, /needs 4096 MiB and 1 vCPU\(s\) at 50%; e2 has 512 MiB, CPU 0% asked/)
  })
})
