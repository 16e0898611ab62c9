import assert from 'node:assert/strict'

import {HOST_COUNTERS_ARGV} from '../../src/hypervisor/host-counters.js'
import {LibvirtDriver} from '../../src/hypervisor/libvirt/driver.js'
import {isRealLocalHypervisor} from '../../src/hypervisor/libvirt/uri.js'
import {CommandFailedError} from '../../src/errors.js'
import type {RunOptions, RunResult, Transport} from '../../src/transport/transport.js'
import {fixture} from '../helpers/fixtures.js'

/** Answers virsh with the recorded sample batch and the counters script with `counters`; keeps every argv. */
function host(counters: RunResult | Error): {transport: Transport; runs: string[][]} {
  const runs: string[][] = []
  const transport: Transport = {
    host: 'h1',
    target: 'recorded',
    async run(argv: readonly string[], _options?: RunOptions): Promise<RunResult> {
      runs.push([...argv])
      if (argv[0] === 'virsh') return {stdout: fixture('virsh', 'testdrv-sample-batch.txt'), stderr: '', exitCode: 0}
      if (JSON.stringify(argv) !== JSON.stringify(HOST_COUNTERS_ARGV)) throw new Error(`unexpected argv ${JSON.stringify(argv)}`)
      if (counters instanceof Error) throw counters
      return counters
    },
    putFile: async () => {},
    connectSocket: async () => {
      throw new Error('no sockets')
    },
    close: async () => {},
  }
  return {transport, runs}
}

const VETH: RunResult = {stdout: fixture('proc', 'host-counters-veth.txt'), stderr: '', exitCode: 0}

describe("the libvirt driver reads the host's own counters", () => {
  it('on a real hypervisor, through the same transport as virsh, in one command', async () => {
    const {transport, runs} = host(VETH)
    const sample = await new LibvirtDriver(transport, 'qemu:///system').sample()
    assert.deepEqual(sample.counters, {swapOutPages: 0, nicBytes: 516 + 762, nicBytesPerSecond: 1.25e9, nic: 'rec0'})
    assert.deepEqual(
      runs.filter((argv) => argv[0] === 'sh'),
      [[...HOST_COUNTERS_ARGV]],
    )
  })

  it('for the NIC the host record names', async () => {
    const {transport} = host(VETH)
    assert.equal((await new LibvirtDriver(transport, 'qemu:///system', Date.now, {nic: 'lo'}).sample()).counters?.nic, 'lo')
  })

  it("not for libvirt's test driver, nor for a URI naming another machine", async () => {
    for (const uri of ['test:///default', 'qemu+ssh://root@h2/system']) {
      const {transport, runs} = host(VETH)
      const sample = await new LibvirtDriver(transport, uri).sample()
      assert.equal(sample.counters, undefined, uri)
      assert.ok(
        runs.every((argv) => argv[0] === 'virsh'),
        uri,
      )
    }
  })

  it('and samples the VMs without them when the host cannot answer', async () => {
    const {transport} = host(new CommandFailedError('h1', 'sh -c ...', 255, 'Connection reset'))
    const sample = await new LibvirtDriver(transport, 'qemu:///system').sample()
    assert.equal(sample.counters, undefined)
    assert.equal(sample.host.cores, 16)
    assert.ok(sample.vms.length > 0)
  })
})

describe('which libvirt URIs are the host the transport reaches', () => {
  it('local system and session URIs are; the test driver and remote URIs are not', () => {
    for (const uri of [
      'qemu:///system',
      'qemu:///session',
      'qemu+unix:///system',
      'xen:///system',
      'qemu://localhost/system',
      'qemu+tcp://[::1]:16509/system',
    ])
      assert.equal(isRealLocalHypervisor(uri), true, uri)
    for (const uri of [
      'test:///default',
      'test:///tmp/two-hosts.xml',
      'qemu+ssh://root@h2/system',
      'qemu+tcp://10.0.0.2/system',
      'nonsense',
    ])
      assert.equal(isRealLocalHypervisor(uri), false, uri)
  })
})
