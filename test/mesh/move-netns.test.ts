import {strict as assert} from 'node:assert'
import {setTimeout as sleep} from 'node:timers/promises'

import type {AgentRequest, SwitchSpec} from '../../src/agent/protocol.js'
import {applyKernelSwitch, bridgeName, vmMtu} from '../../src/mesh/kernel.js'
import {requireIntegration} from '../helpers/integration.js'
import {
  NamespaceTransport,
  NetnsLab,
  type NsAgent,
  type TestVm,
  type Underlay,
  netnsUnavailable,
  pingCounts,
  waitForMembers,
} from '../helpers/netns.js'

/**
 * A VM moving between hosts while a TCP stream runs to it, on both data planes, on three
 * hosts that are network namespaces. "VMs" are namespaces too; a move unplugs the VM's
 * NIC on one host and plugs an identical one in on another, while the namespace (its TCP
 * connections) stays: what a live migration looks like to the network.
 * - udp: real `violin agent` processes in the host namespaces, VMs on TAP + socat.
 * - vxlan: the kernel bridge + VXLAN device as violin configures it, VMs on veths.
 */
/** Bytes the iperf3 client got through in each 0.5 s interval of its -J report. */
function intervalBytes(json: string): number[] {
  const report = JSON.parse(json) as {intervals: Array<{sum: {bytes: number}}>; error?: string}
  if (report.error) throw new Error(`iperf3: ${report.error}`)
  return report.intervals.map((i) => i.sum.bytes)
}

describe('a TCP stream to a VM survives its move to another host (network namespaces)', function () {
  this.timeout(90_000)
  let lab: NetnsLab | undefined
  let ul: Underlay

  before(async function () {
    requireIntegration(this, 'network namespaces', netnsUnavailable)
    lab = new NetnsLab()
    ul = await lab.underlay(['h1', 'h2', 'h3'])
  })

  after(async () => {
    await lab?.cleanup()
  })

  /** Streams from `client` to `server` for `seconds`, calling `move` after `moveAfterMs`; the -J report. */
  async function streamAcross(
    client: TestVm,
    server: TestVm,
    seconds: number,
    moveAfterMs: number,
    move: () => Promise<void>,
  ): Promise<number[]> {
    const iperfServer = lab!.start(server.ns, ['iperf3', '-s', '-1', '-B', server.ip])
    await sleep(300)
    const iperf = lab!.start(client.ns, ['iperf3', '-c', server.ip, '-t', String(seconds), '-i', '0.5', '-J'])
    await sleep(moveAfterMs)
    await move()
    const code = await iperf.exited
    await iperfServer.kill()
    assert.equal(code, 0, `iperf3 client failed: ${iperf.stdout().slice(-300)} ${iperf.stderr()}`)
    return intervalBytes(iperf.stdout())
  }

  function assertSurvived(plane: string, bytes: number[], moveAtInterval: number): void {
    const after = bytes.slice(moveAtInterval + 2)
    console.log(`      ${plane}: bytes per 0.5 s around the move: ${bytes.map((b) => (b / 1e6).toFixed(1)).join(' ')} MB`)
    assert.ok(
      after.length >= 2 && after.every((b) => b > 0),
      `the stream carried data after the move in every interval: ${bytes.join(', ')}`,
    )
  }

  it('udp data plane: agents in each host, the VM port opened on the destination before the move, the VM announced after', async () => {
    const agents = new Map<string, NsAgent>()
    for (const h of ul.hosts) agents.set(h.name, await lab!.agent(h.ns, h.address, {hello: 200}))
    const ask = <T>(host: string, request: AgentRequest): Promise<T> => agents.get(host)!.ask<T>(request)
    const member = (h: string) => agents.get(h)!.member()
    const vmPort = (id: string, mac: string, port: number) => ({
      id,
      mac,
      listen: {address: '127.0.0.1', port},
      vm: {address: '127.0.0.1', port: port + 1},
    })
    const client = vmPort('client', '52:54:00:00:07:01', 20_000)
    const mover = vmPort('mover', '52:54:00:00:07:02', 20_002)
    const spec = (vms: SwitchSpec['vms'], known: SwitchSpec['known']): SwitchSpec => ({vni: 700, key: 'ab'.repeat(32), known, vms})
    await ask(ul.hosts[0]!.name, {op: 'apply', spec: spec([client], [])})
    await ask('h2', {op: 'apply', spec: spec([mover], [member('h1')])})
    await ask('h3', {op: 'apply', spec: spec([], [member('h1')])})
    await waitForMembers(agents.get('h3')!, 700, 2)
    const c = await lab!.tapVm({
      name: 'uc',
      hostNs: ul.host('h1').ns,
      daemon: client.listen,
      local: client.vm,
      cidr: '10.66.0.1/24',
      mac: client.mac,
    })
    let m = await lab!.tapVm({
      name: 'um',
      hostNs: ul.host('h2').ns,
      daemon: mover.listen,
      local: mover.vm,
      cidr: '10.66.0.2/24',
      mac: mover.mac,
    })
    assert.equal(
      pingCounts((await lab!.exec(c.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', m.ip], {check: false})).stdout).received,
      3,
    )

    const bytes = await streamAcross(c, m, 5, 1500, async () => {
      await ask('h3', {op: 'apply', spec: spec([mover], [])}) // the destination's port first
      m = await lab!.moveTapVm(m, {hostNs: ul.host('h3').ns, daemon: mover.listen, local: mover.vm, cidr: '10.66.0.2/24'})
      await ask('h2', {op: 'apply', spec: spec([], [])})
      await ask('h3', {op: 'announce', vni: 700, vm: 'mover'})
    })
    assertSurvived('udp', bytes, 3)
    const fdb = await ask<Array<{mac: string; via: string}>>('h1', {op: 'fdb', vni: 700})
    assert.equal(fdb.find((e) => e.mac === mover.mac)?.via, ul.host('h3').address, "h1's switch knows the VM is behind h3 now")
    assert.equal(
      pingCounts((await lab!.exec(c.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', m.ip], {check: false})).stdout).received,
      3,
    )
  })

  it('vxlan data plane: kernel bridges and VXLAN devices; the stream goes on once the VM is plugged in on the new host', async () => {
    const t = (h: string) => new NamespaceTransport(h, ul.host(h).ns)
    const hosts = ['h1', 'h2', 'h3']
    for (const h of hosts)
      await applyKernelSwitch(t(h), {
        vni: 800,
        local: ul.host(h).address,
        device: 'ul0',
        peers: hosts.filter((p) => p !== h).map((p) => ul.host(p).address),
      })
    const c = await lab!.vethVm({
      name: 'kc',
      hostNs: ul.host('h1').ns,
      bridge: bridgeName(800),
      port: 'kc',
      cidr: '10.67.0.1/24',
      mac: '52:54:00:00:08:01',
      mtu: vmMtu(),
    })
    const m = await lab!.vethVm({
      name: 'km',
      hostNs: ul.host('h2').ns,
      bridge: bridgeName(800),
      port: 'km2',
      cidr: '10.67.0.2/24',
      mac: '52:54:00:00:08:02',
      mtu: vmMtu(),
    })
    assert.equal(
      pingCounts((await lab!.exec(c.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', m.ip], {check: false})).stdout).received,
      3,
    )
    const bytes = await streamAcross(c, m, 5, 1500, async () => {
      await lab!.moveVethVm(m, {
        fromNs: ul.host('h2').ns,
        oldPort: 'km2',
        hostNs: ul.host('h3').ns,
        bridge: bridgeName(800),
        port: 'km3',
        cidr: '10.67.0.2/24',
        mtu: vmMtu(),
      })
      // The hypervisor's part of a move: QEMU announces a migrated guest with a broadcast
      // (RARP) from its MAC. Here the VM sends one broadcast itself, which teaches the same.
      await lab!.exec(m.ns, ['ping', '-b', '-n', '-c', '1', '-W', '0.2', '10.67.0.255'], {check: false})
    })
    assertSurvived('vxlan', bytes, 3)
    const fdb = await t('h1').run(['bridge', 'fdb', 'show', 'dev', 'vx800'])
    assert.match(
      fdb.stdout,
      new RegExp(`52:54:00:00:08:02 dst ${ul.host('h3').address.replaceAll('.', '\\.')}`),
      'h1 learned the VM behind h3',
    )
  })
})
