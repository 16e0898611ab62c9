import assert from 'node:assert/strict'

import type {HostSample, VmSample} from '../../src/hypervisor/driver.js'
import {usageBetween} from '../../src/monitor/rates.js'

const host = {cores: 4, memoryMiB: 8192, freeMemoryMiB: 4096, hypervisor: 'test'}
const vm = (name: string, cpuTimeNs: number, extra: Partial<VmSample> = {}): VmSample => ({
  name,
  state: 'running',
  vcpus: 2,
  cpuTimeNs,
  raw: {},
  ...extra,
})
const at = (timeMs: number, vms: VmSample[]): HostSample => ({timeMs, host, vms})

describe('usage rates', () => {
  it("gives a VM's CPU as a share of its own vCPUs and the host's as a share of its cores", () => {
    const u = usageBetween(at(0, [vm('a', 0)]), at(1000, [vm('a', 1e9)]), {name: 'h', site: 's'})
    assert.equal(u.vms[0]!.cpuPercent, 50) // 1 CPU-second of 2 vCPUs in 1 s
    assert.equal(u.host.cpuPercent, 25) // of 4 cores
  })

  it("gives a VM's demand as the CPU it got plus the time it waited for a core", () => {
    const u = usageBetween(at(0, [vm('a', 0, {cpuWaitNs: 0}), vm('b', 0)]), at(1000, [vm('a', 1e9, {cpuWaitNs: 6e8}), vm('b', 1e9)]), {
      name: 'h',
      site: 's',
    })
    assert.equal(u.vms[0]!.cpuPercent, 50)
    assert.equal(u.vms[0]!.cpuDemandPercent, 80) // (1 + 0.6) CPU-seconds of 2 vCPUs in 1 s
    assert.equal(u.vms[1]!.cpuDemandPercent, undefined) // the hypervisor did not say
    assert.equal(u.host.cpuPercent, 50) // what the host gave, not what was asked
  })

  it('treats a CPU counter that went down (a migration, a restart) as unknown, not negative', () => {
    const u = usageBetween(at(0, [vm('a', 5e9)]), at(1000, [vm('a', 1e8)]), {name: 'h', site: 's'})
    assert.equal(u.vms[0]!.cpuPercent, undefined)
    assert.equal(u.host.cpuPercent, undefined)
  })

  it('reports a VM that appeared between the samples without a rate', () => {
    const u = usageBetween(at(0, []), at(1000, [vm('new', 1e9)]), {name: 'h', site: 's'})
    assert.equal(u.vms[0]!.cpuPercent, undefined)
  })

  it('counts a shut-off VM as idle, not running', () => {
    const u = usageBetween(at(0, [vm('off', 0, {state: 'shutoff'})]), at(1000, [vm('off', 0, {state: 'shutoff'})]), {name: 'h', site: 's'})
    assert.equal(u.vms[0]!.cpuPercent, 0)
    assert.equal(u.host.vms, 0)
  })
})
