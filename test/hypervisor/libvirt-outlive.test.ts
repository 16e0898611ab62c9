import assert from 'node:assert/strict'

import {LibvirtDriver} from '../../src/hypervisor/libvirt/driver.js'
import {RecordedTransport} from '../helpers/recorded-transport.js'

/**
 * The adaptation loop's migrations must finish even if violin dies under them: peer to
 * peer (the source's libvirtd drives it), falling back to a client-driven one where the
 * hypervisor has no p2p. The refusal below is what Debian 12's virsh 9.0 prints on
 * libvirt's test driver (run here: `virsh -c test:///default migrate --live --p2p ...`).
 */
describe('libvirt migrations that outlive violin', () => {
  const dest = {hostName: 'b', uri: 'qemu+ssh://root@10.0.0.2/system'}
  const base = ['virsh', '-c', 'qemu:///system', 'migrate', '--live', '--persistent', '--undefinesource', '--verbose']
  const tail = ['--domain', 'vm1', '--desturi', dest.uri]
  const jobinfo = ['virsh', '-c', dest.uri, 'domjobinfo', '--domain', 'vm1', '--completed', '--keep-completed', '--rawstats']

  it('asks for --p2p', async () => {
    const t = new RecordedTransport('a', [
      [[...base, '--p2p', ...tail], {}],
      [jobinfo, {exitCode: 1}],
    ])
    await new LibvirtDriver(t, 'qemu:///system').migrate('vm1', dest, {live: true, outliveClient: true})
    assert.deepEqual(t.argvs()[0], [...base, '--p2p', ...tail])
  })

  it('falls back to a client-driven migration where p2p is not supported, and only then', async () => {
    const refused = {exitCode: 1, stderr: 'error: argument unsupported: p2p migration is not supported by the source host\n'}
    const t = new RecordedTransport('a', [
      [[...base, '--p2p', ...tail], refused],
      [[...base, ...tail], {}],
      [jobinfo, {exitCode: 1}],
    ])
    await new LibvirtDriver(t, 'qemu:///system').migrate('vm1', dest, {live: true, outliveClient: true})
    assert.deepEqual(t.argvs().slice(0, 2), [
      [...base, '--p2p', ...tail],
      [...base, ...tail],
    ])
    const other = new RecordedTransport('a', [
      [[...base, '--p2p', ...tail], {exitCode: 1, stderr: 'error: operation failed: migration out job: unexpectedly failed\n'}],
    ])
    await assert.rejects(
      new LibvirtDriver(other, 'qemu:///system').migrate('vm1', dest, {live: true, outliveClient: true}),
      /unexpectedly failed/,
    )
    assert.equal(other.argvs().length, 1, 'any other failure is not retried')
  })
})
