import {strict as assert} from 'node:assert'

import type {HostCounters, HostSample} from '../../src/hypervisor/driver.js'
import {readHostCounters} from '../../src/hypervisor/host-counters.js'
import {report} from '../../src/monitor/poll.js'
import {requireIntegration} from '../helpers/integration.js'
import {NamespaceTransport, NetnsLab, netnsUnavailable, pingCounts} from '../helpers/netns.js'

const PAYLOAD = 1400

/**
 * The counters script the drivers run, on a "host" that is a network namespace: h1 has its
 * default route on veth nc0 to h2, and a second veth nc2 to h2 that carries nothing. Real
 * traffic goes over nc0 (a flood ping with a count: bounded, and every byte accounted for
 * once ping has exited); the bytes counted must cover it.
 */
describe("a host's NIC counters, read through violin's transport (network namespaces)", function () {
  this.timeout(60_000)
  let lab: NetnsLab | undefined
  let h1: string
  let h2: string

  before(async function () {
    requireIntegration(this, 'network namespaces', netnsUnavailable)
    lab = new NetnsLab()
    h1 = await lab.namespace('h1')
    h2 = await lab.namespace('h2')
    for (const [mine, peer, subnet] of [
      ['nc0', 'nc1', '10.77.5'],
      ['nc2', 'nc3', '10.77.6'],
    ] as const) {
      await lab.run(['ip', 'link', 'add', mine, 'netns', h1, 'type', 'veth', 'peer', 'name', peer, 'netns', h2])
      await lab.exec(h1, ['ip', 'addr', 'add', `${subnet}.1/24`, 'dev', mine])
      await lab.exec(h2, ['ip', 'addr', 'add', `${subnet}.2/24`, 'dev', peer])
      await lab.exec(h1, ['ip', 'link', 'set', mine, 'up'])
      await lab.exec(h2, ['ip', 'link', 'set', peer, 'up'])
    }
    await lab.exec(h1, ['ip', 'route', 'add', 'default', 'via', '10.77.5.2'])
  })

  after(async () => {
    await lab?.cleanup()
  })

  async function read(nic?: string): Promise<HostSample & {counters: HostCounters}> {
    const counters = await readHostCounters(new NamespaceTransport('h1', h1), nic)
    assert.ok(counters, 'the counters could be read')
    return {timeMs: Date.now(), host: {cores: 1, memoryMiB: 1024, hypervisor: 'netns'}, vms: [], counters}
  }

  it('measures the default route device, with the speed veth reports', async () => {
    const {counters} = await read()
    assert.equal(counters.nic, 'nc0')
    assert.equal(counters.nicBytesPerSecond, 10_000 * 125_000)
    assert.ok(Number.isInteger(counters.swapOutPages) && counters.swapOutPages >= 0)
  })

  it('counts at least the bytes a burst of pings carried, and the poll turns them into a % of its speed', async () => {
    const before = await read()
    const ping = await lab!.exec(h1, ['ping', '-n', '-q', '-f', '-c', '2000', '-s', String(PAYLOAD), '10.77.5.2'], {timeoutMs: 30_000})
    const after = await read()
    const {transmitted, received} = pingCounts(ping.stdout)
    assert.equal(transmitted, 2000, ping.stdout)
    // Each request out and each reply back is an IP packet of the payload + 8 (ICMP) + 20 (IP) bytes, before any Ethernet header.
    const carried = (transmitted + received) * (PAYLOAD + 28)
    const counted = after.counters.nicBytes - before.counters.nicBytes
    assert.ok(counted >= carried, `nc0 counted ${counted} bytes for ${carried} carried`)

    const host = {name: 'h1', site: 'lab', transport: {kind: 'local'} as const, driver: 'libvirt' as const}
    const usage = report([host], new Map([['h1', before]]), new Map([['h1', after]])).hosts[0]!
    const seconds = (after.timeMs - before.timeMs) / 1000
    assert.equal(usage.nic, 'nc0')
    assert.ok(
      Math.abs(usage.nicPercent! - (counted / seconds / 1.25e9) * 100) <= 0.05 + 1e-9,
      `nicPercent ${usage.nicPercent} for ${counted} bytes in ${seconds} s`,
    )
    assert.ok(usage.swapWritesPerSecond !== undefined && usage.swapWritesPerSecond >= 0)
  })

  it('measures the NIC named instead, which the traffic did not cross', async () => {
    const before = await read('nc2')
    const ping = await lab!.exec(h1, ['ping', '-n', '-q', '-c', '5', '-i', '0.2', '-s', '1000', '10.77.5.2'])
    assert.match(ping.stdout, /5 received/)
    const after = await read('nc2')
    assert.equal(after.counters.nic, 'nc2')
    assert.ok(after.counters.nicBytes - before.counters.nicBytes < 5 * 1000, 'the pings went over nc0, not nc2')
  })
})
