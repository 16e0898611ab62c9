import assert from 'node:assert/strict'

import {type HostRoom, place, PlacementError, type VmDemand} from '../../src/policy/placement.js'

const room = (name: string, site: string, freeCores: number, freeMemoryMiB: number, closed?: boolean): HostRoom => ({
  name,
  site,
  freeCores,
  freeMemoryMiB,
  ...(closed ? {closed} : {}),
})
const head = (name: string, vcpus = 1, memoryMiB = 256, host?: string): VmDemand => ({
  name,
  role: 'head',
  vcpus,
  memoryMiB,
  ...(host ? {host} : {}),
})
const compute = (name: string, vcpus = 1, memoryMiB = 256, host?: string): VmDemand => ({
  name,
  role: 'compute',
  vcpus,
  memoryMiB,
  ...(host ? {host} : {}),
})

/** The placement as a plain object, for readable assertion failures. */
const asObject = (m: Map<string, string>) => Object.fromEntries(m)

/** How many VMs went to each host. */
function perHost(m: Map<string, string>): Record<string, number> {
  const count: Record<string, number> = {}
  for (const host of m.values()) count[host] = (count[host] ?? 0) + 1
  return count
}

const placementError = (pattern: RegExp) => (e: unknown) => e instanceof PlacementError && pattern.test(e.message)

describe('placement: spread', () => {
  it('puts one VM on each host while there are empty hosts', () => {
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 8, 8192), room('c', 'east', 8, 8192)]
    const placed = place([head('e-head'), compute('e-c1'), compute('e-c2')], rooms, {placement: 'spread'})
    assert.deepEqual(perHost(placed), {a: 1, b: 1, c: 1})
  })

  it('takes the host with the most free cores first', () => {
    const rooms = [room('a', 'east', 2, 8192), room('b', 'east', 6, 1024), room('c', 'east', 4, 8192)]
    assert.equal(place([head('h')], rooms, {placement: 'spread'}).get('h'), 'b')
  })

  it('breaks a tie on cores by the most free memory, then by host name', () => {
    const byMemory = [room('a', 'east', 4, 1024), room('b', 'east', 4, 4096), room('c', 'east', 4, 2048)]
    assert.equal(place([head('h')], byMemory, {placement: 'spread'}).get('h'), 'b')
    const byName = [room('zeta', 'east', 4, 2048), room('alpha', 'east', 4, 2048), room('mid', 'east', 4, 2048)]
    assert.equal(place([head('h')], byName, {placement: 'spread'}).get('h'), 'alpha')
  })

  it('goes round the hosts again once each has a VM, still by what is left', () => {
    const rooms = [room('a', 'east', 4, 8192), room('b', 'east', 3, 8192)]
    const placed = place([head('h'), compute('c1'), compute('c2'), compute('c3')], rooms, {placement: 'spread'})
    // a(4)→h, then a 3 vs b 3: tie on cores and memory less on a → b, then a(3) vs b(2) → a, then a 2, b 2, a less memory → b
    assert.deepEqual(asObject(placed), {h: 'a', c1: 'b', c2: 'a', c3: 'b'})
  })
})

describe('placement: pack', () => {
  it('takes the fullest host that still fits (best fit)', () => {
    const rooms = [room('big', 'east', 16, 65536), room('snug', 'east', 2, 2048), room('mid', 'east', 4, 4096)]
    assert.equal(place([head('h', 2, 1024)], rooms, {placement: 'pack'}).get('h'), 'snug')
  })

  it('passes over a fuller host that is too small for the VM', () => {
    const rooms = [room('big', 'east', 16, 65536), room('tiny', 'east', 1, 8192), room('mid', 'east', 4, 4096)]
    assert.equal(place([head('h', 2, 1024)], rooms, {placement: 'pack'}).get('h'), 'mid')
  })

  it('fills one host before opening the next', () => {
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 8, 8192)]
    const placed = place([head('h'), compute('c1'), compute('c2'), compute('c3')], rooms, {placement: 'pack'})
    assert.deepEqual(perHost(placed), {a: 4})
  })

  it('breaks a tie on cores by the least free memory', () => {
    const rooms = [room('a', 'east', 4, 8192), room('b', 'east', 4, 1024), room('c', 'east', 4, 4096)]
    assert.equal(place([head('h', 1, 512)], rooms, {placement: 'pack'}).get('h'), 'b')
  })
})

describe('placement: sites', () => {
  it('puts the head node in headSite even when another site has more room', () => {
    const rooms = [room('e1', 'east', 2, 2048), room('w1', 'west', 32, 65536)]
    assert.equal(place([head('h')], rooms, {placement: 'spread', headSite: 'east'}).get('h'), 'e1')
  })

  it('without headSite, puts the head in the site with the most free cores in total', () => {
    // west has the single largest host, east has more cores altogether
    const rooms = [room('e1', 'east', 6, 8192), room('e2', 'east', 6, 8192), room('w1', 'west', 10, 8192)]
    const placed = place([head('h')], rooms, {placement: 'spread'})
    assert.equal(placed.get('h'), 'e1')
  })

  it('does not count closed hosts when choosing the roomiest site', () => {
    const rooms = [room('e1', 'east', 32, 65536, true), room('w1', 'west', 4, 8192)]
    assert.equal(place([head('h')], rooms, {placement: 'spread'}).get('h'), 'w1')
  })

  it('never places the head node outside headSite, even when it fits nowhere there', () => {
    const rooms = [room('e1', 'east', 1, 8192), room('w1', 'west', 32, 65536)]
    assert.throws(() => place([head('h', 4, 1024)], rooms, {placement: 'spread', headSite: 'east'}), placementError(/"h".*site "east"/))
  })

  it("keeps compute nodes in the head's site while they fit there", () => {
    const rooms = [room('e1', 'east', 4, 8192), room('w1', 'west', 64, 262144), room('w2', 'west', 64, 262144)]
    const placed = place([head('h'), compute('c1'), compute('c2'), compute('c3')], rooms, {placement: 'spread', headSite: 'east'})
    assert.deepEqual(asObject(placed), {h: 'e1', c1: 'e1', c2: 'e1', c3: 'e1'})
  })

  it("spills compute nodes to other sites only once the head's site is full", () => {
    const rooms = [room('e1', 'east', 2, 8192), room('w1', 'west', 8, 8192)]
    const placed = place([head('h'), compute('c1'), compute('c2'), compute('c3')], rooms, {placement: 'spread', headSite: 'east'})
    assert.deepEqual(asObject(placed), {h: 'e1', c1: 'e1', c2: 'w1', c3: 'w1'})
  })

  it("uses the site of a pinned head as the head's site when headSite is not given", () => {
    const rooms = [room('e1', 'east', 32, 65536), room('w1', 'west', 4, 8192), room('w2', 'west', 4, 8192)]
    const placed = place([head('h', 1, 256, 'w1'), compute('c1')], rooms, {placement: 'spread'})
    assert.equal(placed.get('h'), 'w1')
    assert.equal(placed.get('c1'), 'w2')
  })

  it('places the head first, whatever its position in the list', () => {
    // one core in east: if c1 went first it would take it and the head could not be placed
    const rooms = [room('e1', 'east', 1, 8192), room('w1', 'west', 8, 8192)]
    const placed = place([compute('c1'), head('h')], rooms, {placement: 'spread', headSite: 'east'})
    assert.deepEqual(asObject(placed), {c1: 'w1', h: 'e1'})
  })
})

describe('placement: pinned hosts', () => {
  it('honours a pinned host even when the policy would choose another', () => {
    const rooms = [room('a', 'east', 16, 65536), room('b', 'east', 2, 2048)]
    const placed = place([head('h'), compute('c1', 1, 256, 'b')], rooms, {placement: 'spread'})
    assert.equal(placed.get('c1'), 'b')
  })

  it('lets a compute node be pinned to a host in another site', () => {
    const rooms = [room('e1', 'east', 8, 8192), room('w1', 'west', 8, 8192)]
    const placed = place([head('h'), compute('c1', 1, 256, 'w1')], rooms, {placement: 'spread', headSite: 'east'})
    assert.equal(placed.get('c1'), 'w1')
  })

  it('places pinned VMs before the others, so their room is kept for them', () => {
    // b has room for one 2-vCPU VM: unpinned c1 (listed first) would take it under pack
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 2, 8192)]
    const placed = place([head('h', 1, 256, 'a'), compute('c1', 2), compute('c2', 2, 256, 'b')], rooms, {placement: 'pack'})
    assert.equal(placed.get('c2'), 'b')
    assert.equal(placed.get('c1'), 'a')
  })

  it('refuses a head pinned outside headSite', () => {
    const rooms = [room('e1', 'east', 8, 8192), room('w1', 'west', 8, 8192)]
    assert.throws(
      () => place([head('h', 1, 256, 'w1')], rooms, {placement: 'spread', headSite: 'east'}),
      placementError(/"h".*site "east".*"w1".*"west"/),
    )
  })

  it('refuses a pinned host the VM does not fit on, saying what is left there', () => {
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 2, 1024)]
    assert.throws(
      () => place([head('h'), compute('c1', 4, 512, 'b')], rooms, {placement: 'spread'}),
      placementError(/"c1" \(4 vCPU, 512 MiB\).*"b" \(2 cores, 1024 MiB left\)/),
    )
    assert.throws(
      () => place([head('h'), compute('c1', 1, 2048, 'b')], rooms, {placement: 'spread'}),
      placementError(/"c1".*does not fit on host "b"/),
    )
  })

  it('counts what earlier VMs took when checking a pinned host', () => {
    const rooms = [room('a', 'east', 3, 8192)]
    assert.throws(
      () => place([head('h', 2, 256, 'a'), compute('c1', 2, 256, 'a')], rooms, {placement: 'spread'}),
      placementError(/"c1".*"a" \(1 cores/),
    )
  })

  it('refuses an unknown pinned host', () => {
    const rooms = [room('a', 'east', 8, 8192)]
    assert.throws(
      () => place([head('h'), compute('c1', 1, 256, 'nowhere')], rooms, {placement: 'spread'}),
      placementError(/"c1".*"nowhere"/),
    )
  })

  it('refuses a pinned host that is closed', () => {
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 8, 8192, true)]
    assert.throws(
      () => place([head('h'), compute('c1', 1, 256, 'b')], rooms, {placement: 'spread'}),
      placementError(/"c1" asks for host "b", which is closed to new VMs/),
    )
  })
})

describe('placement: capacity', () => {
  it('never chooses a closed host, however much room it has', () => {
    const rooms = [room('open', 'east', 3, 2048), room('shut', 'east', 64, 262144, true)]
    for (const placement of ['spread', 'pack'] as const) {
      const placed = place([head('h'), compute('c1'), compute('c2')], rooms, {placement})
      assert.ok(![...placed.values()].includes('shut'), placement)
    }
  })

  it('deducts cores as VMs are placed: two 2-vCPU VMs do not both go on a 3-core host', () => {
    const rooms = [room('three', 'east', 3, 65536), room('two', 'east', 2, 65536)]
    const placed = place([head('h', 2), compute('c1', 2)], rooms, {placement: 'pack'})
    assert.notEqual(placed.get('h'), placed.get('c1'))
    assert.deepEqual(perHost(placed), {three: 1, two: 1})
  })

  it('deducts memory as VMs are placed', () => {
    const rooms = [room('a', 'east', 16, 1536), room('b', 'east', 16, 1024)]
    const placed = place([head('h', 1, 1024), compute('c1', 1, 1024)], rooms, {placement: 'pack'})
    assert.deepEqual(perHost(placed), {a: 1, b: 1})
  })

  it('fails when the VMs together do not fit, though each would alone', () => {
    const rooms = [room('a', 'east', 3, 8192)]
    assert.throws(() => place([head('h', 2), compute('c1', 2)], rooms, {placement: 'spread'}), placementError(/"c1"/))
  })

  it('names the VM, its needs and what each open host has left when nothing fits', () => {
    const rooms = [room('a', 'east', 3, 1000.7), room('b', 'west', 1, 4096), room('c', 'west', 64, 65536, true)]
    assert.throws(
      () => place([head('h', 1, 256, 'a'), compute('big', 4, 2048)], rooms, {placement: 'spread'}),
      (e: unknown) => {
        assert.ok(e instanceof PlacementError)
        assert.match(e.message, /"big" \(4 vCPU, 2048 MiB\) fits on no host/)
        assert.match(e.message, /a has 2 cores, 744 MiB/)
        assert.match(e.message, /b has 1 cores, 4096 MiB/)
        assert.doesNotMatch(e.message, /\bc has/, 'a closed host is not offered')
        return true
      },
    )
  })

  it("names the head's site and only its hosts when the head fits nowhere", () => {
    const rooms = [room('e1', 'east', 1, 512), room('w1', 'west', 64, 65536)]
    assert.throws(
      () => place([head('h', 2, 1024)], rooms, {placement: 'spread', headSite: 'east'}),
      (e: unknown) => e instanceof PlacementError && /in site "east": e1 has 1 cores, 512 MiB$/.test(e.message),
    )
  })

  it('says no host is open when all are closed', () => {
    const rooms = [room('a', 'east', 8, 8192, true)]
    assert.throws(() => place([head('h')], rooms, {placement: 'spread', headSite: 'east'}), placementError(/no host is open/))
  })

  it('does not change the rooms it is given', () => {
    const rooms = [room('a', 'east', 4, 4096), room('b', 'west', 4, 4096), room('c', 'east', 8, 8192, true)]
    const before = structuredClone(rooms)
    const placed = place([head('h', 2, 1024), compute('c1', 2, 1024), compute('c2', 2, 1024)], rooms, {placement: 'pack'})
    assert.equal(placed.size, 3)
    assert.deepEqual(rooms, before)
  })

  it('returns every VM exactly once', () => {
    const rooms = [room('a', 'east', 8, 8192), room('b', 'east', 8, 8192)]
    const vms = [head('h'), compute('c1'), compute('c2'), compute('c3'), compute('c4')]
    const placed = place(vms, rooms, {placement: 'spread'})
    assert.deepEqual([...placed.keys()].sort(), vms.map((v) => v.name).sort())
  })
})

describe('placement obeys the rules (env create, env migrate)', () => {
  const rooms = [room('e1', 'east', 8, 8192), room('e2', 'east', 8, 8192), room('e3', 'east', 8, 8192), room('w1', 'west', 16, 16384)]

  it('keeps anti-affine VMs apart, from each other and from VMs already running', () => {
    const placed = place([head('h'), compute('db1'), compute('db2')], rooms, {
      placement: 'pack',
      rules: [{kind: 'anti-affinity', name: 'dbs', vms: ['db1', 'db2', 'old-db']}],
      running: new Map([['old-db', 'e1']]),
    })
    // pack would put all three on one host.
    const hosts = new Set([placed.get('db1'), placed.get('db2'), 'e1'])
    assert.equal(hosts.size, 3, JSON.stringify(asObject(placed)))
  })

  it('puts an affinity group together, with a companion already running', () => {
    const placed = place([head('h'), compute('a'), compute('b')], rooms, {
      placement: 'spread',
      rules: [{kind: 'affinity', name: 'ab', vms: ['a', 'b', 'c']}],
      running: new Map([['c', 'e3']]),
    })
    assert.equal(placed.get('a'), 'e3')
    assert.equal(placed.get('b'), 'e3')
  })

  it('places a pinned VM on its host or in its site only', () => {
    const placed = place([head('h'), compute('a'), compute('b')], rooms, {
      placement: 'spread',
      rules: [
        {kind: 'pin', name: 'pin-a', vm: 'a', host: 'e2'},
        {kind: 'pin', name: 'pin-b', vm: 'b', site: 'west'},
      ],
    })
    assert.equal(placed.get('a'), 'e2')
    assert.equal(placed.get('b'), 'w1')
  })

  it('refuses a host asked for that a rule forbids, and says which rule', () => {
    assert.throws(
      () =>
        place([head('h'), compute('a', 1, 256, 'e1')], rooms, {
          placement: 'spread',
          rules: [{kind: 'pin', name: 'pin-a', vm: 'a', site: 'west'}],
        }),
      (e: Error) => e instanceof PlacementError && e.message === 'VM "a" asks for host "e1", but rule pin-a pins a to site west',
    )
  })

  it('names the rule when no host is left', () => {
    assert.throws(
      () =>
        place([head('h'), compute('a'), compute('b')], [room('e1', 'east', 8, 8192), room('e2', 'east', 8, 8192)], {
          placement: 'spread',
          rules: [{kind: 'anti-affinity', name: 'three', vms: ['a', 'b', 'x']}],
          running: new Map([['x', 'e1']]),
        }),
      (e: Error) =>
        e instanceof PlacementError &&
        /VM "b" .* fits on no host: rule three keeps b apart from x, which is on e1; rule three keeps b apart from a, which is on e2/.test(
          e.message,
        ),
    )
  })
})
