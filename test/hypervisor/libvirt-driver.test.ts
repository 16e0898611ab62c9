import assert from 'node:assert/strict'
import {join} from 'node:path'

import {HypervisorUnavailableError, NotFoundError} from '../../src/errors.js'
import {LibvirtDriver} from '../../src/hypervisor/libvirt/driver.js'
import {LocalTransport} from '../../src/transport/local.js'
import type {RunOptions, Transport} from '../../src/transport/transport.js'
import {ROOT} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

const URI = `test://${join(ROOT, 'test/fixtures/libvirt/two-hosts-a.xml')}`

/** The real local transport, counting the virsh processes it starts. */
function counted(): {transport: Transport; runs: string[][]} {
  const inner = new LocalTransport('lab')
  const runs: string[][] = []
  return {
    runs,
    transport: {
      host: inner.host,
      target: inner.target,
      run: (argv: readonly string[], options?: RunOptions) => {
        runs.push([...argv])
        return inner.run(argv, options)
      },
      putFile: (from: string, to: string) => inner.putFile(from, to),
      connectSocket: (path: string) => inner.connectSocket(path),
      close: () => inner.close(),
    },
  }
}

describe('the libvirt driver on the real virsh and test driver', () => {
  before(function () {
    requireIntegration(this, 'virsh', virshUnavailable)
  })

  it('samples a host in one virsh run once it knows which VMs need dominfo', async () => {
    const {transport, runs} = counted()
    const driver = new LibvirtDriver(transport, URI)
    const first = await driver.sample()
    assert.equal(runs.length, 2) // the batch, then dominfo for what domstats lacked
    const second = await driver.sample()
    assert.equal(runs.length, 3)
    for (const sample of [first, second]) {
      const web1 = sample.vms.find((v) => v.name === 'web1')!
      assert.equal(web1.memoryMiB, 512)
      assert.equal(web1.vcpus, 2)
      assert.ok(web1.cpuTimeNs! > 0)
    }
    assert.equal(second.host.cores, 2)
    assert.equal(second.vms.find((v) => v.name === 'stopped1')!.state, 'shutoff')
  })

  it('reports an unknown VM as not found, naming the host', async () => {
    const driver = new LibvirtDriver(new LocalTransport('lab'), URI)
    await assert.rejects(
      driver.vmInfo('ghost'),
      (e: unknown) => e instanceof NotFoundError && /VM "ghost" is not on host "lab"/.test(e.message),
    )
  })

  it('lists every domain with its state and id', async () => {
    const vms = await new LibvirtDriver(new LocalTransport('lab'), URI).listVms()
    assert.deepEqual(vms.map((v) => `${v.name}:${v.state}:${v.id ?? '-'}`).sort(), [
      'db1:running:2',
      `it's a "vm" $(x):running:3`,
      'stopped1:shutoff:-',
      'web1:running:1',
    ])
  })

  it('finds the tools on the host and the hypervisor behind the URI', async () => {
    const checks = await new LibvirtDriver(new LocalTransport('lab'), URI).checkTools()
    assert.deepEqual(
      checks.map((c) => c.ok),
      [true, true],
    )
    assert.match(checks[1]!.detail, /^test 0\.0\.2$/)
    const broken = await new LibvirtDriver(new LocalTransport('lab'), 'test:///nonexistent/file.xml').checkTools()
    assert.equal(broken[1]!.ok, false)
  })

  it("never takes a libvirt it cannot reach for a host with no VMs: every call fails, naming the host and virsh's words", async () => {
    // What a stopped libvirtd looks like to virsh: its socket is not there.
    const down = new LibvirtDriver(new LocalTransport('lab'), 'qemu+unix:///system?socket=/nonexistent/libvirt-sock')
    const unavailable = (e: unknown) =>
      e instanceof HypervisorUnavailableError &&
      e.exitCode === 5 &&
      e.message.startsWith(
        'host "lab": the hypervisor did not answer (virsh -c qemu+unix:///system?socket=/nonexistent/libvirt-sock: failed to connect to the hypervisor: ',
      ) &&
      e.hint === 'violin host check lab'
    await assert.rejects(down.listVms(), unavailable)
    await assert.rejects(down.sample(), unavailable)
    await assert.rejects(down.hostInfo(), unavailable)
    await assert.rejects(down.vmInfo('web1'), unavailable)
    await assert.rejects(down.destroyVm('web1'), unavailable)
  })
})
