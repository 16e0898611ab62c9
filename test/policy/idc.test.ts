import {strict as assert} from 'node:assert'

import {idc} from '../../src/policy/idc.js'
import {GIGABIT_BYTES_PER_SECOND} from '../../src/policy/nic.js'
import {networkBenefit} from '../../src/policy/network-benefit.js'
import {
  MB,
  NOW,
  THESIS_OPTIONS,
  afterBalloons,
  balloons,
  cluster,
  host,
  moves,
  opts,
  reasonOf,
  talk,
  thesisIsolated,
  thesisMemory,
  thesisNetwork,
  thesisReunion,
  vm,
} from './views.js'

/** Single-core hosts, as in Liang 2009's testbed, so a VM's demand is its share of the host. */
const one = (name: string, extra = {}) => host(name, {cores: 1, ...extra})

describe('the idc policy (Liang 2009 chapter 3)', () => {
  describe('hotspots', () => {
    it('does not call a host hot when only its current load is over the threshold, not its prediction', () => {
      const view = cluster({
        hosts: [one('e1', {cpuPredicted: 0.8}), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      const plan = idc(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.deepEqual(plan.notes, [
        'e1 is over a threshold now but not predicted to stay over (cpu 0.90, predicted 0.80 <= 0.85): not a hotspot',
      ])
    })

    it('does not call a host hot when only its prediction is over the threshold', () => {
      const view = cluster({
        hosts: [one('e1', {cpuPredicted: 0.95}), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.4}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      assert.deepEqual(idc(view, opts()), {policy: 'idc', actions: [], notes: []})
    })

    it('takes a missing prediction as equal to the current reading', () => {
      const view = cluster({hosts: [one('e1'), one('e2')], vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})]})
      assert.deepEqual(moves(idc(view, opts())), ['a:e1->e2'])
    })

    it('holds a hotspot until it has been hot for holdSamples', () => {
      const hosts = (hotSamples: number) => [one('e1', {hotSamples}), one('e2')]
      const vms = [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})]
      const early = idc(cluster({hosts: hosts(1), vms}), opts({holdSamples: 2}))
      assert.deepEqual(early.actions, [])
      assert.deepEqual(early.notes, ['e1 is hot (cpu 0.90, predicted 0.90 > 0.85) for 1 sample(s) in a row; held back until 2'])
      assert.deepEqual(moves(idc(cluster({hosts: hosts(2), vms}), opts({holdSamples: 2}))), ['a:e1->e2'])
    })

    it('does not judge a host that is part of a running migration, nor send VMs to one', () => {
      const view = cluster({
        hosts: [one('e1', {migrating: true}), one('e2'), one('e3', {cpu: 0.9})],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      const plan = idc(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.match(plan.notes[0]!, /^e1 is over a threshold \(cpu 0\.90.*\) but is part of a running migration: not judged this pass$/)
      const busy = cluster({
        hosts: [one('e1'), one('e2', {migrating: true}), one('e3', {cpu: 0.3})],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      assert.deepEqual(moves(idc(busy, opts())), ['a:e1->e3'])
    })
  })

  describe('memory first', () => {
    it('grows the balloon in steps up to max memory before migrating', () => {
      const swapping = {swapWritesPerSecond: 400, swapWritesPredicted: 390}
      let view = cluster({
        hosts: [host('e1', swapping), host('e2')],
        vms: [vm('a', 'e1', {memoryMiB: 512, maxMemoryMiB: 640, memoryUsedMiB: 510}), vm('b', 'e1', {memoryMiB: 1024, memoryUsedMiB: 300})],
      })
      const steps: string[] = []
      for (let pass = 0; pass < 2; pass++) {
        const plan = idc(view, opts({memoryStepMiB: 64}))
        assert.deepEqual(moves(plan), [], `pass ${pass}: no migration while the balloon can grow`)
        steps.push(...balloons(plan))
        view = afterBalloons(view, plan)
      }
      assert.deepEqual(steps, ['a:512->576', 'a:576->640'])
      const last = idc(view, opts({memoryStepMiB: 64}))
      assert.deepEqual(balloons(last), [])
      assert.deepEqual(moves(last), ['b:e1->e2'], 'a is at its maximum: the VM that frees the most memory goes')
      assert.match(
        reasonOf(last, 'b'),
        /^e1 is a memory hotspot \(swap 400 writes\/s, predicted 390 > 150\); memory alone cannot relieve it: a is at its maximum memory \(640 MiB\); b has the largest volume 0\.25 = CPU 0\.05 x 0 \+ Mem 0\.25 x 1 \+ NB 0\.00 x 1/,
      )
    })

    it('grows the balloon only while the host has free memory for a step, then migrates', () => {
      const view = cluster({
        hosts: [host('e1', {memoryMiB: 1100, swapWritesPerSecond: 300}), host('e2'), host('e3')],
        vms: [vm('a', 'e1', {memoryMiB: 512, memoryUsedMiB: 510}), vm('b', 'e1', {memoryMiB: 512, memoryUsedMiB: 200}), vm('c', 'e3')],
        traffic: [talk('b', 'c', 2)],
      })
      const plan = idc(view, opts({memoryStepMiB: 128}))
      assert.deepEqual(balloons(plan), [])
      assert.deepEqual(moves(plan), ['b:e1->e3'], 'b frees as much memory as a, and its network benefit is larger')
      assert.match(reasonOf(plan, 'b'), /memory alone cannot relieve it: e1 has 76 MiB free, less than the 128 MiB step a needs/)
    })

    it('solves a memory overload before a CPU overload on the same host (Liang 2009 section 4.2.4)', () => {
      const view = cluster({
        hosts: [one('e1', {swapWritesPerSecond: 300}), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5, memoryUsedMiB: 500}), vm('b', 'e1', {cpuDemand: 0.45})],
      })
      const plan = idc(view, opts())
      assert.deepEqual(balloons(plan), ['a:512->576'])
      assert.deepEqual(moves(plan), [])
      assert.deepEqual(plan.notes, [
        'e1 is also a CPU hotspot; memory comes first (Liang 2009 section 3.3), so its migrations wait for a later pass',
      ])
    })
  })

  describe('victim and destination', () => {
    it('picks as victim the VM with the largest volume, an isolated VM before one that talks to its neighbour', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.35}), vm('b', 'e1', {cpuDemand: 0.3}), vm('c', 'e1', {cpuDemand: 0.32})],
        traffic: [talk('a', 'b', 10)],
      })
      const plan = idc(view, opts())
      assert.deepEqual(moves(plan), ['c:e1->e2'], 'a has more CPU, but moving it turns 10 MB/s of IDC into NIC traffic (NB -0.08)')
      assert.match(reasonOf(plan, 'c'), /c has the largest volume 0\.32 = CPU 0\.32 x 1 \+ Mem 0\.13 x 0 \+ NB 0\.00 x 1/)
    })

    it('picks the VM whose move gives the NIC back the most, not the one with the most traffic (network benefit)', () => {
      const view = cluster({
        hosts: [host('e1'), host('e2'), host('e3'), host('e4'), host('e5')],
        vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e1'), vm('d', 'e1'), vm('x', 'e3'), vm('y', 'e4'), vm('z', 'e5')],
        traffic: [talk('a', 'x', 40), talk('a', 'b', 40), talk('c', 'y', 35), talk('d', 'z', 30)],
      })
      const plan = idc(view, opts())
      assert.deepEqual(moves(plan), ['c:e1->e4'])
      assert.match(
        reasonOf(plan, 'c'),
        /^e1 is a NIC hotspot \(nic 0\.84, predicted 0\.84 > 0\.80\); c has the largest volume 0\.28 = CPU 0\.05 x 0 \+ Mem 0\.13 x 0 \+ NB 0\.28 x 1 \(NB = Nso 0 B\/s \+ Nsd 35\.0 MB\/s - Nds 0 B\/s, Nds = min\(Is 0 B\/s, AB 55\.0 MB\/s, bound 125\.0 MB\/s\)\); e4 reunites it with y \(35\.0 MB\/s between them\), and fits$/,
      )
    })

    it('predicts Nds as min(Is, AB, NB bound) (Liang 2009 eq. 2)', () => {
      const split = {local: 50 * MB, byHost: new Map([['d', 5 * MB]]), remote: 10 * MB}
      const d = {name: 'd', site: 'east', cores: 1, memoryMiB: 1, freeMemoryMiB: 1, cpu: 0, swapWritesPerSecond: 0, nic: 0, hotSamples: 0}
      assert.deepEqual(
        networkBenefit(split, 20 * MB, d),
        {is: 50 * MB, nsd: 5 * MB, nso: 5 * MB, ab: 30 * MB, bound: GIGABIT_BYTES_PER_SECOND, nds: 30 * MB, nb: -20 * MB},
        'AB = 20 free + 10 freed',
      )
      assert.equal(networkBenefit(split, 20 * MB, {...d, nicBytesPerSecond: 8 * MB}).nds, 8 * MB, 'bounded by the NIC the VM lands behind')
      assert.equal(networkBenefit({...split, local: 2 * MB}, 20 * MB, d).nds, 2 * MB, 'at most the IDC it had')
    })

    it('moves the victim to the host where its peers are (group reunion)', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2'), one('e3')],
        vms: [vm('a', 'e1', {cpuDemand: 0.45}), vm('b', 'e1', {cpuDemand: 0.45}), vm('p', 'e3', {cpuDemand: 0.3})],
        traffic: [talk('a', 'p', 10)],
      })
      const plan = idc(view, opts())
      assert.deepEqual(moves(plan), ['a:e1->e3'], 'e2 is emptier, but a talks to p on e3')
      assert.match(reasonOf(plan, 'a'), /e3 reunites it with p \(10\.0 MB\/s between them\), and fits$/)
    })

    it("falls back to the least-loaded host when its peers' host cannot take the victim", () => {
      const view = cluster({
        hosts: [one('e1'), one('e2'), one('e3'), one('e4')],
        vms: [
          vm('a', 'e1', {cpuDemand: 0.45}),
          vm('b', 'e1', {cpuDemand: 0.45}),
          vm('p', 'e3', {cpuDemand: 0.6}),
          vm('q', 'e4', {cpuDemand: 0.2}),
        ],
        traffic: [talk('a', 'p', 10)],
      })
      const plan = idc(view, opts())
      assert.deepEqual(moves(plan), ['a:e1->e2'], 'e3 would reach cpu 1.05')
      assert.match(reasonOf(plan, 'a'), /e2 is the least-loaded host that fits \(volume 1\.00\)$/)
    })

    it('never chooses a host in maintenance, even where the peers are', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {maintenance: true}), one('e3', {maintenance: true}), one('e4', {cpu: 0.3})],
        vms: [vm('a', 'e1', {cpuDemand: 0.45}), vm('b', 'e1', {cpuDemand: 0.45}), vm('p', 'e3', {cpuDemand: 0.1})],
        traffic: [talk('a', 'p', 10)],
      })
      assert.deepEqual(moves(idc(view, opts())), ['a:e1->e4'])
    })

    it('keeps the head node in its site', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {cpu: 0.5}), one('w1', {site: 'west'})],
        vms: [
          vm('lab-head', 'e1', {environment: 'lab', role: 'head', cpuDemand: 0.5}),
          vm('x', 'e1', {cpuDemand: 0.4}),
          vm('busy', 'e2', {cpuDemand: 0.5}),
        ],
        environments: [{name: 'lab', headSite: 'east'}],
      })
      assert.deepEqual(
        moves(idc(view, opts())),
        ['x:e1->w1'],
        'the head node has the larger volume, but west is not its site and e2 would be hot',
      )
    })

    it('does not send a VM where it would push the host over a threshold, and says so', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {cpu: 0.7})],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4}), vm('c', 'e2', {cpuDemand: 0.7})],
      })
      const plan = idc(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.deepEqual(plan.notes, [
        'e1 stays a CPU hotspot: no VM can move (a not moved: none of the 1 least-loaded open host(s) has room for a under the thresholds, b not moved: none of the 1 least-loaded open host(s) has room for b under the thresholds)',
      ])
    })
  })

  describe('guards', () => {
    it('stops moving once the hotspot is no longer predicted over the threshold', () => {
      const view = cluster({hosts: [one('e1'), one('e2'), one('e3')], vms: ['a', 'b', 'c', 'd'].map((n) => vm(n, 'e1', {cpuDemand: 0.24}))})
      assert.equal(moves(idc(view, opts({maxMigrations: 5}))).length, 1, '0.96 - 0.24 = 0.72')
    })

    it('keeps moving while the hotspot is still predicted over the threshold', () => {
      const view = cluster({
        hosts: [host('e1', {cores: 2}), host('e2', {cores: 2}), host('e3', {cores: 2}), host('e4', {cores: 2})],
        vms: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => vm(n, 'e1', {cpuDemand: 0.5})),
      })
      assert.deepEqual(moves(idc(view, opts({maxMigrations: 5}))), ['a:e1->e2', 'b:e1->e3', 'c:e1->e4'], '1.5 -> 1.25 -> 1.0 -> 0.75')
    })

    it('does not move a VM whose move would not lower the overload by minImprovement', () => {
      const view = cluster({
        hosts: [host('e1', {nic: 0.9}), host('e2')],
        vms: [vm('a', 'e1'), vm('b', 'e1')],
        traffic: [talk('a', 'b', 50)],
      })
      const plan = idc(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.match(
        plan.notes[0]!,
        /^e1 stays a NIC hotspot: no VM can move \(a not moved: it would lower e1's NIC load by only 0\.00 \(less than 0\.01\)/,
      )
    })

    it('respects the cap on migrations per pass', () => {
      const hot = (n: string) => [vm(`${n}a`, n, {cpuDemand: 0.5}), vm(`${n}b`, n, {cpuDemand: 0.45})]
      const view = cluster({
        hosts: ['h1', 'h2', 'h3', 'c1', 'c2', 'c3'].map((n) => one(n)),
        vms: [...hot('h1'), ...hot('h2'), ...hot('h3')],
      })
      const plan = idc(view, opts({maxMigrations: 2}))
      assert.equal(moves(plan).length, 2)
      assert.deepEqual(plan.notes, ["h3 stay hot: the pass's cap of 2 migration(s) is reached"])
    })

    it('respects the cooldown', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5, lastMigratedMs: NOW - 60_000}), vm('b', 'e1', {cpuDemand: 0.45})],
      })
      const plan = idc(view, opts())
      assert.deepEqual(moves(plan), ['b:e1->e2'])
      assert.deepEqual(plan.notes, ['a not moved: a moved 60 s ago (cooldown 600 s)'])
    })
  })

  describe("Liang 2009's experiments (chapter 4), the IDC policy's choices", () => {
    it('CPU overload (section 4.2.1, Table 4.2): migrates the isolated VM4 to PM3, keeping group 1 (VM1, VM2) together', () => {
      const plan = idc(thesisIsolated(), THESIS_OPTIONS)
      assert.deepEqual(moves(plan), ['VM4:PM1->PM3'])
    })

    it('group reunion (section 4.2.1, Table 4.3): migrates VM3 to PM2, where its group mate VM4 runs', () => {
      const plan = idc(thesisReunion(), THESIS_OPTIONS)
      assert.deepEqual(moves(plan), ['VM3:PM1->PM2'])
      assert.match(reasonOf(plan, 'VM3'), /PM2 reunites it with VM4/)
    })

    it('memory overload (section 4.2.2, Table 4.4): first gives VM1 32 MB, then migrates VM3 to PM2, freeing memory for VM1', () => {
      const first = idc(thesisMemory(64), THESIS_OPTIONS)
      assert.deepEqual([balloons(first), moves(first)], [['VM1:64->96'], []])
      const second = idc(thesisMemory(96), THESIS_OPTIONS)
      assert.deepEqual([balloons(second), moves(second)], [[], ['VM3:PM1->PM2']])
      assert.match(reasonOf(second, 'VM3'), /PM1 has 30 MiB free, less than the 32 MiB step VM1 needs.*PM2 reunites it with VM4/)
    })

    it('network overload (section 4.2.3, Table 4.5): migrates VM3 to PM3, where its netperf server VM6 runs, not to the idle PM4', () => {
      const plan = idc(thesisNetwork(), THESIS_OPTIONS)
      assert.deepEqual(moves(plan), ['VM3:PM1->PM3'])
    })
  })
})
