import assert from 'node:assert/strict'

import {ExitCode, UsageError} from '../../src/errors.js'
import {domainXml} from '../../src/hypervisor/libvirt/domain-xml.js'
import {macFor} from '../../src/services/env-macs.js'
import {uniformVms} from '../../src/services/env-request.js'

const none: ReadonlySet<string> = new Set()

describe('VM MAC addresses', () => {
  it('gives a VM the same MAC every time, so a re-created environment keeps its addresses', () => {
    assert.equal(macFor('lab-head', none), macFor('lab-head', new Set()))
    // recorded values: a change here re-addresses every existing environment
    assert.equal(macFor('lab-head', none), '52:54:00:39:fd:0a')
    assert.equal(macFor('lab-c1', none), '52:54:00:13:83:4b')
  })

  it("uses QEMU's 52:54:00 prefix, lower-case and colon separated", () => {
    for (const name of ['lab-head', 'lab-c1', 'x', 'a.b_c-9']) {
      assert.match(macFor(name, none), /^52:54:00(:[0-9a-f]{2}){3}$/, name)
    }
  })

  it('is a unicast, locally administered address', () => {
    for (const name of ['lab-head', 'lab-c1', 'lab-c2']) {
      const first = Number.parseInt(macFor(name, none).slice(0, 2), 16)
      assert.equal(first & 0b01, 0, `${name}: multicast bit set`)
      assert.equal(first & 0b10, 0b10, `${name}: not locally administered`)
    }
  })

  it('gives different VMs different MACs', () => {
    const names = Array.from({length: 64}, (_, i) => (i === 0 ? 'lab-head' : `lab-c${i}`))
    const macs = new Set(names.map((n) => macFor(n, none)))
    assert.equal(macs.size, names.length)
  })

  it('avoids MACs already taken, and stays stable given the same taken set', () => {
    const usual = macFor('lab-head', none)
    const other = macFor('lab-head', new Set([usual]))
    assert.notEqual(other, usual)
    assert.match(other, /^52:54:00(:[0-9a-f]{2}){3}$/)
    assert.equal(macFor('lab-head', new Set([usual])), other)
    const third = macFor('lab-head', new Set([usual, other]))
    assert.ok(third !== usual && third !== other)
  })

  it('is accepted by the libvirt domain XML', () => {
    const mac = macFor('lab-head', none)
    assert.ok(domainXml({name: 'lab-head', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 256, mac}, 'kvm').includes(`<mac address='${mac}'/>`))
  })
})

describe('uniform VMs (env create --vms N)', () => {
  const shape = {vcpus: 2, memoryMiB: 512, maxMemoryMiB: 1024}

  it('names them NAME-head, NAME-c1, ..., the first the head node', () => {
    const vms = uniformVms('lab', 4, shape)
    assert.deepEqual(
      vms.map((v) => [v.name, v.role]),
      [
        ['lab-head', 'head'],
        ['lab-c1', 'compute'],
        ['lab-c2', 'compute'],
        ['lab-c3', 'compute'],
      ],
    )
  })

  it('makes a lone VM the head node', () => {
    assert.deepEqual(uniformVms('solo', 1, shape), [{name: 'solo-head', role: 'head', vcpus: 2, memoryMiB: 512, maxMemoryMiB: 1024}])
  })

  it('gives every VM the shape, each its own object', () => {
    const vms = uniformVms('lab', 3, {...shape, cmdline: 'quiet'})
    for (const vm of vms)
      assert.deepEqual(
        {vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, maxMemoryMiB: vm.maxMemoryMiB, cmdline: vm.cmdline},
        {...shape, cmdline: 'quiet'},
      )
    vms[1]!.vcpus = 8
    assert.equal(vms[2]!.vcpus, 2)
  })

  it('refuses fewer than one VM, or a count that is not whole, as a usage error', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => uniformVms('lab', count, shape),
        (e: unknown) => e instanceof UsageError && e.exitCode === ExitCode.usage && /at least one VM/.test(e.message),
        String(count),
      )
    }
  })
})
