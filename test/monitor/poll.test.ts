import assert from 'node:assert/strict'

import type {HostCounters, HostSample} from '../../src/hypervisor/driver.js'
import type {HostRecord} from '../../src/inventory/host.js'
import {report, type Samples} from '../../src/monitor/poll.js'

const GIGABIT = 125e6
const h1: HostRecord = {name: 'h1', site: 's', transport: {kind: 'local'}, driver: 'libvirt'}
const info = {cores: 4, memoryMiB: 8192, freeMemoryMiB: 4096, hypervisor: 'QEMU'}
const sample = (timeMs: number, counters?: HostCounters): HostSample => ({timeMs, host: info, vms: [], ...(counters ? {counters} : {})})
const poll = (a: HostSample, b: HostSample) => report([h1], new Map([['h1', a]]) as Samples, new Map([['h1', b]]) as Samples).hosts[0]!

describe("usage poll: the host's swap writes and NIC use", () => {
  it('gives swap pages written per second and NIC bytes both ways as a % of its speed', () => {
    const before = sample(10_000, {swapOutPages: 1000, nicBytes: 5e9, nicBytesPerSecond: GIGABIT, nic: 'eth0'})
    const after = sample(12_000, {swapOutPages: 1400, nicBytes: 5e9 + 0.5 * GIGABIT * 2, nicBytesPerSecond: GIGABIT, nic: 'eth0'})
    const h = poll(before, after)
    assert.equal(h.swapWritesPerSecond, 200) // 400 pages in 2 s
    assert.equal(h.nicPercent, 50) // half a gigabit for 2 s
    assert.equal(h.nicBytesPerSecond, GIGABIT)
    assert.equal(h.nic, 'eth0')
  })

  it('gives swap but no NIC % when the NIC does not say its speed', () => {
    const h = poll(sample(0, {swapOutPages: 0, nicBytes: 0, nic: 'eth0'}), sample(1000, {swapOutPages: 3, nicBytes: 1e6, nic: 'eth0'}))
    assert.equal(h.swapWritesPerSecond, 3)
    assert.equal(h.nicPercent, undefined)
    assert.equal(h.nicBytesPerSecond, undefined)
  })

  it('gives no rate from a counter that went down (a reboot) or a NIC that changed', () => {
    const rebooted = poll(
      sample(0, {swapOutPages: 900, nicBytes: 9e9, nicBytesPerSecond: GIGABIT, nic: 'eth0'}),
      sample(1000, {swapOutPages: 5, nicBytes: 1e3, nicBytesPerSecond: GIGABIT, nic: 'eth0'}),
    )
    assert.equal(rebooted.swapWritesPerSecond, undefined)
    assert.equal(rebooted.nicPercent, undefined)
    const moved = poll(
      sample(0, {swapOutPages: 0, nicBytes: 0, nicBytesPerSecond: GIGABIT, nic: 'eth0'}),
      sample(1000, {swapOutPages: 0, nicBytes: 9e9, nicBytesPerSecond: GIGABIT, nic: 'eth1'}),
    )
    assert.equal(moved.nicPercent, undefined)
    assert.equal(moved.nic, 'eth1')
  })

  it('reports nothing new for a host without counters, as before', () => {
    const h = poll(sample(0), sample(1000, {swapOutPages: 1, nicBytes: 1, nicBytesPerSecond: GIGABIT, nic: 'eth0'}))
    assert.equal(h.swapWritesPerSecond, undefined)
    assert.equal(h.nicPercent, undefined)
    assert.deepEqual(Object.keys(poll(sample(0), sample(1000))).sort(), [
      'cores',
      'cpuPercent',
      'freeMemoryMiB',
      'host',
      'memoryMiB',
      'site',
      'status',
      'vms',
    ])
  })
})
