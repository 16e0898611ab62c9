import {strict as assert} from 'node:assert'

import {ViolinError} from '../../src/errors.js'
import {applyKernelSwitch, bridgeName, removeKernelSwitch, vmMtu, vxlanName} from '../../src/mesh/kernel.js'
import {requireIntegration} from '../helpers/integration.js'
import {NamespaceTransport, NetnsLab, type Underlay, netnsUnavailable, pingCounts, snmpCounter} from '../helpers/netns.js'

/**
 * The kernel data plane as violin configures it (src/mesh/kernel.ts), on three hosts that
 * are network namespaces: the commands are the real ip and bridge, run through violin's
 * local transport inside each host's namespace (the SSH transport runs the same argv).
 */
describe('kernel VXLAN data plane configured by violin (network namespaces)', function () {
  this.timeout(60_000)
  let lab: NetnsLab | undefined
  let ul: Underlay
  const vms = new Map<string, string>()
  const t = (host: string) => new NamespaceTransport(host, ul.host(host).ns)
  const spec = (host: string, vni: number, peers: string[]) => ({
    vni,
    local: ul.host(host).address,
    device: 'ul0',
    peers: peers.map((p) => ul.host(p).address),
  })

  before(async function () {
    requireIntegration(this, 'network namespaces', netnsUnavailable)
    lab = new NetnsLab()
    ul = await lab.underlay(['h1', 'h2', 'h3'])
  })

  after(async () => {
    await lab?.cleanup()
  })

  it('builds a bridge and a VXLAN device per environment; VMs on three hosts ping each other', async () => {
    for (const h of ['h1', 'h2', 'h3']) {
      const r = await applyKernelSwitch(
        t(h),
        spec(
          h,
          100,
          ['h1', 'h2', 'h3'].filter((p) => p !== h),
        ),
      )
      assert.equal(r.created, true)
      assert.equal(r.added.length, 2)
    }
    for (const [i, h] of ['h1', 'h2', 'h3'].entries()) {
      const vm = await lab!.vethVm({
        name: `red${i + 1}`,
        hostNs: ul.host(h).ns,
        bridge: bridgeName(100),
        port: `r${i + 1}`,
        cidr: `10.88.0.${i + 1}/24`,
        mac: `52:54:00:00:01:0${i + 1}`,
        mtu: vmMtu(),
      })
      vms.set(vm.name, vm.ns)
    }
    for (const dst of ['10.88.0.2', '10.88.0.3']) {
      const ping = await lab!.exec(vms.get('red1')!, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', dst], {check: false})
      assert.equal(pingCounts(ping.stdout).received, 3, `red1 -> ${dst}: ${ping.stdout}`)
    }
  })

  it('keeps a second environment with the same IPs and MACs apart', async () => {
    for (const h of ['h1', 'h2']) await applyKernelSwitch(t(h), spec(h, 200, [h === 'h1' ? 'h2' : 'h1']))
    for (const [i, h] of ['h1', 'h2'].entries()) {
      const vm = await lab!.vethVm({
        name: `blue${i + 1}`,
        hostNs: ul.host(h).ns,
        bridge: bridgeName(200),
        port: `b${i + 1}`,
        cidr: `10.88.0.${i + 1}/24`,
        mac: `52:54:00:00:01:0${i + 1}`,
        mtu: vmMtu(),
      })
      vms.set(vm.name, vm.ns)
    }
    const before = await snmpCounter(lab!, vms.get('red2')!, 'Icmp', 'InEchos')
    const ping = await lab!.exec(vms.get('blue1')!, ['ping', '-n', '-c', '5', '-i', '0.2', '-W', '2', '10.88.0.2'], {check: false})
    assert.equal(pingCounts(ping.stdout).received, 5)
    assert.equal(await snmpCounter(lab!, vms.get('red2')!, 'Icmp', 'InEchos'), before, "red2 saw none of blue's pings")
    const lost = await lab!.exec(vms.get('blue1')!, ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', '10.88.0.3'], {check: false})
    assert.equal(pingCounts(lost.stdout).received, 0, 'red3 is not in the blue environment')
  })

  it('is idempotent, and makes the peer entries match: a peer that left is removed', async () => {
    const again = await applyKernelSwitch(t('h1'), spec('h1', 100, ['h2', 'h3']))
    assert.deepEqual(again, {created: false, added: [], removed: []})
    const shrink = await applyKernelSwitch(t('h1'), spec('h1', 100, ['h2']))
    assert.deepEqual(shrink.removed, [ul.host('h3').address])
    const fdb = await lab!.exec(ul.host('h1').ns, ['bridge', 'fdb', 'show', 'dev', vxlanName(100)])
    assert.doesNotMatch(fdb.stdout, new RegExp(`00:00:00:00:00:00 dst ${ul.host('h3').address.replaceAll('.', '\\.')}\\b`))
  })

  it('refuses to take over a device of that name that is not its VXLAN', async () => {
    await lab!.exec(ul.host('h3').ns, ['ip', 'link', 'add', vxlanName(300), 'type', 'bridge'])
    await assert.rejects(
      applyKernelSwitch(t('h3'), spec('h3', 300, ['h1'])),
      (e: unknown) => e instanceof ViolinError && /not VXLAN 300; violin will not touch it/.test(e.message),
    )
    assert.match((await lab!.exec(ul.host('h3').ns, ['ip', '-d', 'link', 'show', vxlanName(300)])).stdout, /bridge/)
  })

  it('removes the bridge and the VXLAN device, and a second removal is not an error', async () => {
    await removeKernelSwitch(t('h2'), 200)
    await removeKernelSwitch(t('h2'), 200)
    const links = (await lab!.exec(ul.host('h2').ns, ['ip', '-o', 'link', 'show'])).stdout
    assert.doesNotMatch(links, new RegExp(`\\b(${bridgeName(200)}|${vxlanName(200)})\\b`))
    assert.match(links, new RegExp(`\\b${vxlanName(100)}\\b`), 'the other environment is untouched')
  })

  it('checks its input before running anything', async () => {
    await assert.rejects(applyKernelSwitch(t('h1'), {...spec('h1', 0, ['h2'])}), /VNI 0 is not between 1/)
    await assert.rejects(applyKernelSwitch(t('h1'), {...spec('h1', 5, ['h2']), device: 'eth0; reboot'}), /not a network device name/)
    await assert.rejects(applyKernelSwitch(t('h1'), {...spec('h1', 5, []), peers: ['10.0.0.1 && id']}), /not an IP address/)
  })
})
