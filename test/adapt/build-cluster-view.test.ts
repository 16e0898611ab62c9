import assert from 'node:assert/strict'

import {clusterView} from '../../src/adapt/build-cluster-view.js'
import type {HostRecord} from '../../src/inventory/host.js'
import {History, sampleFromReport} from '../../src/monitor/history.js'
import type {UsageReport} from '../../src/monitor/poll.js'
import type {HostUsage} from '../../src/monitor/rates.js'
import {none} from '../../src/policy/none.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'

const record = (name: string): HostRecord => ({name, site: 's', transport: {kind: 'local'}, driver: 'libvirt'})
const usage = (host: string, measured: Partial<HostUsage> = {}): HostUsage => ({
  host,
  site: 's',
  status: 'ok',
  cores: 4,
  cpuPercent: 20,
  memoryMiB: 8192,
  freeMemoryMiB: 4096,
  vms: 0,
  ...measured,
})

function view(hosts: HostUsage[]) {
  const report: UsageReport = {timeMs: 1000, intervalSec: 1, hosts, vms: []}
  const history = new History()
  history.record(sampleFromReport(report), DEFAULT_POLICY_OPTIONS)
  return clusterView({report, history, hosts: hosts.map((h) => record(h.host)), environments: []})
}

describe("the policies' view of a host's swap and NIC", () => {
  it('carries the measured swap writes, NIC use as a fraction, and NIC capacity', () => {
    const [h] = view([usage('busy', {swapWritesPerSecond: 240, nicPercent: 90, nicBytesPerSecond: 125e6, nic: 'eth0'})]).hosts
    assert.equal(h!.swapWritesPerSecond, 240)
    assert.equal(h!.nic, 0.9)
    assert.equal(h!.nicBytesPerSecond, 125e6)
    assert.equal(h!.swapWritesPredicted, 240)
    assert.equal(h!.nicPredicted, 0.9)
  })

  it('keeps zeros and no capacity for a host that measured neither, as before', () => {
    const [h] = view([usage('plain')]).hosts
    assert.equal(h!.swapWritesPerSecond, 0)
    assert.equal(h!.nic, 0)
    assert.ok(!('nicBytesPerSecond' in h!))
    assert.equal(h!.swapWritesPredicted, undefined)
  })

  it('lets a policy see a host swapping and a saturated NIC', () => {
    const plan = none(
      view([
        usage('busy', {swapWritesPerSecond: 240, nicPercent: 90, nicBytesPerSecond: 125e6}),
        usage('calm', {swapWritesPerSecond: 0, nicPercent: 3}),
      ]),
      DEFAULT_POLICY_OPTIONS,
    )
    assert.deepEqual(plan.notes, ['busy is over a threshold (240 swap writes/s, NIC 90%); policy none does not act'])
  })
})

describe("the policies' view of a VM", () => {
  const vmUsage = {host: 'h', site: 's', name: 'v', state: 'running' as const, vcpus: 2, memoryMiB: 1024, maxMemoryMiB: 2048}
  const viewOf = (vm: Partial<typeof vmUsage> & {cpuPercent?: number; cpuDemandPercent?: number}, history = new History()) => {
    const report: UsageReport = {timeMs: 1000, intervalSec: 1, hosts: [usage('h')], vms: [{...vmUsage, ...vm}]}
    history.record(sampleFromReport(report), DEFAULT_POLICY_OPTIONS)
    return clusterView({report, history, hosts: [record('h')], environments: []}).vms[0]!
  }

  it('takes what the VM asked for (used + waited for a core) as its CPU when the hypervisor tells', () => {
    assert.equal(viewOf({cpuPercent: 50, cpuDemandPercent: 100}).cpu, 1)
    assert.equal(viewOf({cpuPercent: 50, cpuDemandPercent: 100}).cpuDemand, 1)
    assert.equal(viewOf({cpuPercent: 50}).cpu, 0.5, 'what it used, when the wait is unknown')
  })

  it('starts from the CPU shares violin last gave the VM, the default before', () => {
    assert.equal(viewOf({cpuPercent: 10}).cpuShares, 1024)
    const history = new History()
    history.recordShares('v', 4096)
    assert.equal(viewOf({cpuPercent: 10}, history).cpuShares, 4096)
  })
})
