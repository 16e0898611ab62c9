import {strict as assert} from 'node:assert'

import {sandpiper} from '../../src/policy/sandpiper.js'
import {sandpiperVolume} from '../../src/policy/volume.js'
import {
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

describe('the sandpiper policy (the baseline of Liang 2009, section 4.2)', () => {
  describe('hotspots', () => {
    it('does not call a host hot when only its current load is over the threshold, not its prediction', () => {
      const view = cluster({
        hosts: [one('e1', {cpuPredicted: 0.8}), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.deepEqual(plan.notes, [
        'e1 is over a threshold now but not predicted to stay over (cpu 0.90, predicted 0.80 <= 0.85): not a hotspot',
      ])
    })

    it('holds a hotspot until it has been hot for holdSamples', () => {
      const hosts = (hotSamples: number) => [one('e1', {hotSamples}), one('e2')]
      const vms = [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})]
      const early = sandpiper(cluster({hosts: hosts(2), vms}), opts({holdSamples: 3}))
      assert.deepEqual(early.actions, [])
      assert.deepEqual(early.notes, ['e1 is hot (cpu 0.90, predicted 0.90 > 0.85) for 2 sample(s) in a row; held back until 3'])
      assert.equal(moves(sandpiper(cluster({hosts: hosts(3), vms}), opts({holdSamples: 3}))).length, 1)
    })

    it('handles the hottest hotspot first (largest host volume)', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2'), one('e3'), one('e4')],
        vms: [
          vm('a', 'e1', {cpuDemand: 0.5}),
          vm('b', 'e1', {cpuDemand: 0.4}),
          vm('c', 'e2', {cpuDemand: 0.5}),
          vm('d', 'e2', {cpuDemand: 0.49}),
        ],
      })
      const plan = sandpiper(view, opts({maxMigrations: 1}))
      assert.deepEqual(moves(plan), ['c:e2->e3'])
      assert.deepEqual(plan.notes, ["e1 stay hot: the pass's cap of 1 migration(s) is reached"])
    })
  })

  describe('victim and destination', () => {
    it('computes the volume as 1/((1-cpu)(1-mem)(1-net)), each utilisation capped below 1 (Liang 2009 eq. 5)', () => {
      assert.equal(sandpiperVolume(0.5, 0.5, 0), 4)
      assert.equal(sandpiperVolume(0.5, 0, 0.75), 8)
      assert.equal(Math.round(sandpiperVolume(1, 0, 0)), 100)
    })

    it('picks as victim the VM with the largest volume/size', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2')],
        vms: [vm('big', 'e1', {cpuDemand: 0.6, memoryMiB: 2048}), vm('small', 'e1', {cpuDemand: 0.3, memoryMiB: 256})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual(moves(plan), ['small:e1->e2'], 'volume 1.52 over 256 MiB beats volume 5.0 over 2048 MiB')
      assert.match(
        reasonOf(plan, 'small'),
        /^e1 is a CPU hotspot \(cpu 0\.90, predicted 0\.90 > 0\.85\); small has the largest volume\/size \(volume 1\.52 = 1\/\(\(1-0\.30\)\(1-0\.06\)\(1-0\.00\)\), size 256 MiB: 5\.95e-3 per MiB\); e2 is the least-loaded host that fits \(volume 1\.00\)$/,
      )
    })

    it("counts a VM's IDC as network traffic, as Sandpiper does (Liang 2009 section 3.3)", () => {
      const view = cluster({
        hosts: [host('e1'), host('e2'), host('e3'), host('e4'), host('e5')],
        vms: [vm('a', 'e1'), vm('b', 'e1'), vm('c', 'e1'), vm('d', 'e1'), vm('x', 'e3'), vm('y', 'e4'), vm('z', 'e5')],
        traffic: [talk('a', 'x', 40), talk('a', 'b', 40), talk('c', 'y', 35), talk('d', 'z', 30)],
      })
      assert.deepEqual(moves(sandpiper(view, opts())), ['a:e1->e2'], 'a has the most traffic, 40 MB/s of it IDC that never crossed the NIC')
    })

    it('moves the victim to the least-loaded host that fits, wherever its peers are', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {cpu: 0.2}), one('e3'), one('e4', {cpu: 0.6})],
        vms: [
          vm('a', 'e1', {cpuDemand: 0.5}),
          vm('b', 'e1', {cpuDemand: 0.4}),
          vm('w', 'e2', {cpuDemand: 0.2}),
          vm('p', 'e3', {cpuDemand: 0.1}),
          vm('q', 'e4', {cpuDemand: 0.6}),
        ],
        traffic: [talk('a', 'p', 1)],
      })
      assert.deepEqual(moves(sandpiper(view, opts())), ['a:e1->e3'])
      const peersOnE2 = cluster({
        hosts: [one('e1'), one('e2', {cpu: 0.2}), one('e3')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4}), vm('p', 'e2', {cpuDemand: 0.2})],
        traffic: [talk('a', 'p', 1)],
      })
      assert.deepEqual(moves(sandpiper(peersOnE2, opts())), ['a:e1->e3'], 'e3 is idle, e2 holds its peer')
    })

    it('never chooses a host in maintenance', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {maintenance: true}), one('e3', {cpu: 0.3})],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      assert.deepEqual(moves(sandpiper(view, opts())), ['a:e1->e3'])
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
      assert.deepEqual(moves(sandpiper(view, opts())), ['x:e1->w1'])
    })

    it('passes over a VM whose move would not lower the overload by minImprovement', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2')],
        vms: [vm('tiny', 'e1', {cpuDemand: 0.005, memoryMiB: 32}), vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual(moves(plan), ['a:e1->e2'], 'tiny has the largest volume/size, but moving it lowers the CPU by 0.005')
    })

    it('notes when no host can take any VM of a hotspot', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2', {maintenance: true})],
        vms: [vm('a', 'e1', {cpuDemand: 0.5}), vm('b', 'e1', {cpuDemand: 0.4})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual(plan.actions, [])
      assert.deepEqual(plan.notes, [
        'e1 stays a CPU hotspot: no VM can move (a not moved: no open host may take a, b not moved: no open host may take b)',
      ])
    })
  })

  describe('memory', () => {
    it('grows the balloon in steps up to max memory before migrating (Liang 2009 section 4.2.2)', () => {
      let view = cluster({
        hosts: [host('e1', {swapWritesPerSecond: 400}), host('e2')],
        vms: [vm('a', 'e1', {memoryMiB: 512, maxMemoryMiB: 640, memoryUsedMiB: 510}), vm('b', 'e1', {memoryMiB: 1024, memoryUsedMiB: 300})],
      })
      const steps: string[] = []
      for (let pass = 0; pass < 2; pass++) {
        const plan = sandpiper(view, opts({memoryStepMiB: 64}))
        assert.deepEqual(moves(plan), [])
        steps.push(...balloons(plan))
        view = afterBalloons(view, plan)
      }
      assert.deepEqual(steps, ['a:512->576', 'a:576->640'])
      const last = sandpiper(view, opts({memoryStepMiB: 64}))
      assert.deepEqual(moves(last), ['a:e1->e2'], 'a, the smaller, has the larger volume/size')
      assert.match(reasonOf(last, 'a'), /the balloon cannot relieve it: a is at its maximum memory \(640 MiB\)/)
    })

    it('does not hold back a CPU migration while a balloon grows', () => {
      const view = cluster({
        hosts: [one('e1', {swapWritesPerSecond: 300}), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5, memoryUsedMiB: 500}), vm('b', 'e1', {cpuDemand: 0.45})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual([balloons(plan), moves(plan)], [['a:512->576'], ['b:e1->e2']], 'a grew, so b has the larger volume/size')
    })
  })

  describe('guards', () => {
    it('stops once the hotspot is no longer predicted over the threshold', () => {
      const view = cluster({hosts: [one('e1'), one('e2'), one('e3')], vms: ['a', 'b', 'c', 'd'].map((n) => vm(n, 'e1', {cpuDemand: 0.24}))})
      assert.equal(moves(sandpiper(view, opts({maxMigrations: 5}))).length, 1)
    })

    it('keeps moving while the hotspot is still predicted over the threshold', () => {
      const view = cluster({
        hosts: [host('e1', {cores: 2}), host('e2', {cores: 2}), host('e3', {cores: 2}), host('e4', {cores: 2})],
        vms: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => vm(n, 'e1', {cpuDemand: 0.5})),
      })
      assert.equal(moves(sandpiper(view, opts({maxMigrations: 5}))).length, 3)
    })

    it('respects the cap on migrations per pass', () => {
      const hot = (n: string) => [vm(`${n}a`, n, {cpuDemand: 0.5}), vm(`${n}b`, n, {cpuDemand: 0.45})]
      const view = cluster({
        hosts: ['h1', 'h2', 'h3', 'c1', 'c2', 'c3'].map((n) => one(n)),
        vms: [...hot('h1'), ...hot('h2'), ...hot('h3')],
      })
      assert.equal(moves(sandpiper(view, opts({maxMigrations: 2}))).length, 2)
    })

    it('respects the cooldown', () => {
      const view = cluster({
        hosts: [one('e1'), one('e2')],
        vms: [vm('a', 'e1', {cpuDemand: 0.5, lastMigratedMs: NOW - 60_000}), vm('b', 'e1', {cpuDemand: 0.45})],
      })
      const plan = sandpiper(view, opts())
      assert.deepEqual(moves(plan), ['b:e1->e2'])
      assert.deepEqual(plan.notes, ['a not moved: a moved 60 s ago (cooldown 600 s)'])
    })
  })

  describe("Liang 2009's experiments (chapter 4), Sandpiper's choices", () => {
    it('CPU overload (section 4.2.1, Table 4.2): migrates VM1 to PM3, the lightest host, splitting group 1', () => {
      assert.deepEqual(moves(sandpiper(thesisIsolated(), THESIS_OPTIONS)), ['VM1:PM1->PM3'])
    })

    it('group reunion (section 4.2.1, Table 4.3): migrates VM1 to PM2, splitting group 1', () => {
      assert.deepEqual(moves(sandpiper(thesisReunion(), THESIS_OPTIONS)), ['VM1:PM1->PM2'])
    })

    it('memory overload (section 4.2.2, Table 4.4): first gives VM1 32 MB, then migrates VM1 to PM2', () => {
      const first = sandpiper(thesisMemory(64), THESIS_OPTIONS)
      assert.deepEqual([balloons(first), moves(first)], [['VM1:64->96'], []])
      const second = sandpiper(thesisMemory(96), THESIS_OPTIONS)
      assert.deepEqual([balloons(second), moves(second)], [[], ['VM1:PM1->PM2']])
    })

    it('network overload (section 4.2.3, Table 4.5): migrates VM3 to PM4, the machine with the lightest load', () => {
      assert.deepEqual(moves(sandpiper(thesisNetwork(), THESIS_OPTIONS)), ['VM3:PM1->PM4'])
    })
  })
})
