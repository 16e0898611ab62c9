import {strict as assert} from 'node:assert'

import {applyKernelSwitch, bridgeName, vmMtu} from '../../src/mesh/kernel.js'
import {
  applyKernelTraffic,
  kernelTrafficRuleset,
  parseKernelTraffic,
  readKernelTraffic,
  removeKernelTraffic,
} from '../../src/mesh/kernel-traffic.js'
import type {PairCount} from '../../src/monitor/traffic-matrix.js'
import {requireIntegration} from '../helpers/integration.js'
import {NamespaceTransport, NetnsLab, type TestVm, type Underlay, netnsUnavailable, pingCounts} from '../helpers/netns.js'

const VNI = 700
const MACS = {a: '52:54:00:07:00:01', b: '52:54:00:07:00:02', c: '52:54:00:07:00:03', d: '52:54:00:07:00:04'}
const NAMES = new Map(Object.entries(MACS).map(([vm, mac]) => [mac, vm]))

/**
 * The kernel data plane's traffic matrix (src/mesh/kernel-traffic.ts): nftables counters set
 * up by violin's own commands on three hosts that are network namespaces, VMs a and d on
 * h1, b on h2, c on h3. Each VM knows the others' MACs (static neighbours), so no ARP adds
 * frames: a pair's count is exactly what the pings and the TCP stream sent.
 */
describe('the traffic matrix of the kernel data plane, counted by nftables (network namespaces)', function () {
  this.timeout(90_000)
  let lab: NetnsLab | undefined
  let ul: Underlay
  const vms = new Map<string, TestVm>()
  const t = (host: string) => new NamespaceTransport(host, ul.host(host).ns)
  const read = async (host: string) => readKernelTraffic(t(host), VNI, NAMES)
  const pair = (pairs: PairCount[], src: string, dst: string) => pairs.find((p) => p.srcVm === src && p.dstVm === dst)
  /** What `src -> dst` gained on `host` between two readings. */
  const gained = (before: PairCount[], after: PairCount[], src: string, dst: string) => {
    const b = pair(before, src, dst) ?? {frames: 0, bytes: 0}
    const a = pair(after, src, dst) ?? {frames: 0, bytes: 0, remote: false}
    return {frames: a.frames - b.frames, bytes: a.bytes - b.bytes, remote: 'remote' in a ? a.remote : false}
  }

  before(async function () {
    requireIntegration(this, 'network namespaces', netnsUnavailable)
    lab = new NetnsLab()
    ul = await lab.underlay(['h1', 'h2', 'h3'])
    const hosts = ['h1', 'h2', 'h3']
    for (const h of hosts) {
      await applyKernelSwitch(t(h), {
        vni: VNI,
        local: ul.host(h).address,
        device: 'ul0',
        peers: hosts.filter((p) => p !== h).map((p) => ul.host(p).address),
      })
      assert.deepEqual(await applyKernelTraffic(t(h), VNI, Object.values(MACS)), {created: true})
    }
    const place: Array<[keyof typeof MACS, string, number]> = [
      ['a', 'h1', 1],
      ['b', 'h2', 2],
      ['c', 'h3', 3],
      ['d', 'h1', 4],
    ]
    for (const [vm, host, i] of place) {
      vms.set(
        vm,
        await lab.vethVm({
          name: `t${vm}`,
          hostNs: ul.host(host).ns,
          bridge: bridgeName(VNI),
          port: `p${vm}`,
          cidr: `10.77.0.${i}/24`,
          mac: MACS[vm],
          mtu: vmMtu(),
        }),
      )
    }
    for (const from of vms.values())
      for (const to of vms.values())
        if (from !== to) await lab.exec(from.ns, ['ip', 'neigh', 'replace', to.ip, 'lladdr', to.mac, 'dev', 'eth0', 'nud', 'permanent'])
  })

  after(async () => {
    await lab?.cleanup()
  })

  it('counts each ping once, on the host where it entered the mesh, with the bytes of its frames', async () => {
    const before = await Promise.all(['h1', 'h2', 'h3'].map(read))
    const ping = await lab!.exec(vms.get('a')!.ns, ['ping', '-n', '-c', '5', '-i', '0.2', '-s', '1000', '-W', '2', vms.get('b')!.ip], {
      check: false,
    })
    assert.equal(pingCounts(ping.stdout).received, 5, ping.stdout)
    const after = await Promise.all(['h1', 'h2', 'h3'].map(read))
    // An echo of 1000 bytes: ICMP 8 + IPv4 20 + Ethernet 14 = 1042 bytes a frame.
    assert.deepEqual(gained(before[0]!, after[0]!, 'a', 'b'), {frames: 5, bytes: 5 * 1042, remote: true}, 'a -> b counted on h1')
    assert.deepEqual(gained(before[1]!, after[1]!, 'b', 'a'), {frames: 5, bytes: 5 * 1042, remote: true}, 'the replies, on h2')
    assert.equal(gained(before[1]!, after[1]!, 'a', 'b').frames, 0, 'not counted again where they left the mesh')
    assert.equal(gained(before[0]!, after[0]!, 'b', 'a').frames, 0)
    assert.equal(gained(before[2]!, after[2]!, 'a', 'b').frames, 0, 'h3 carried none of it')
  })

  it('marks a pair on one host as local, and counts a TCP stream by its bytes', async () => {
    // d speaks first, so h1's bridge knows its port: no frame to it is flooded to the peers.
    await lab!.exec(vms.get('d')!.ns, ['ping', '-n', '-c', '1', '-W', '2', vms.get('a')!.ip], {check: false})
    const before = await read('h1')
    const ping = await lab!.exec(vms.get('a')!.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', vms.get('d')!.ip], {check: false})
    assert.equal(pingCounts(ping.stdout).received, 3, ping.stdout)
    const local = gained(before, await read('h1'), 'a', 'd')
    assert.deepEqual([local.frames, local.remote], [3, false])

    const stream = 8 * 1024 * 1024
    const server = lab!.start(vms.get('c')!.ns, ['iperf3', '-s', '-1', '-B', vms.get('c')!.ip])
    const h1 = await read('h1')
    const h3 = await read('h3')
    try {
      // iperf3 needs its server listening: a bounded wait for it.
      let code: number | undefined = 1
      let out = ''
      for (let tries = 0; tries < 20 && code !== 0; tries++) {
        const client = await lab!.exec(vms.get('a')!.ns, ['iperf3', '-c', vms.get('c')!.ip, '-n', String(stream), '-J'], {check: false})
        code = client.exitCode
        out = client.stdout
        if (code !== 0) await new Promise((r) => setTimeout(r, 250))
      }
      assert.equal(code, 0, out.slice(-300))
    } finally {
      await server.kill()
    }
    const sent = gained(h1, await read('h1'), 'a', 'c')
    const acked = gained(h3, await read('h3'), 'c', 'a')
    assert.equal(sent.remote, true)
    // The stream's bytes and its TCP/IP/Ethernet headers (well under 10% at this MTU), and iperf3's own control connection.
    assert.ok(sent.bytes >= stream && sent.bytes <= stream * 1.1, `a -> c: ${sent.bytes} bytes for a ${stream}-byte stream`)
    assert.ok(acked.bytes > 0 && acked.bytes < sent.bytes / 5, `c -> a (acknowledgements): ${acked.bytes} bytes`)
  })

  it('counts only the environment VMs: a stranger on the bridge is not in the matrix', async () => {
    const stranger = await lab!.vethVm({
      name: 'tx',
      hostNs: ul.host('h2').ns,
      bridge: bridgeName(VNI),
      port: 'px',
      cidr: '10.77.0.9/24',
      mac: '52:54:00:07:00:99',
      mtu: vmMtu(),
    })
    const b = vms.get('b')!
    await lab!.exec(stranger.ns, ['ip', 'neigh', 'replace', b.ip, 'lladdr', b.mac, 'dev', 'eth0', 'nud', 'permanent'])
    await lab!.exec(b.ns, ['ip', 'neigh', 'replace', stranger.ip, 'lladdr', stranger.mac, 'dev', 'eth0', 'nud', 'permanent'])
    const ping = await lab!.exec(stranger.ns, ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', b.ip], {check: false})
    assert.equal(pingCounts(ping.stdout).received, 2, ping.stdout)
    assert.ok(!(await read('h2')).some((p) => p.src === '52:54:00:07:00:99'))
  })

  it('is idempotent (the counters go on), made anew when the VMs change, and removed', async () => {
    const before = pair(await read('h1'), 'a', 'b')!
    assert.deepEqual(await applyKernelTraffic(t('h1'), VNI, [...Object.values(MACS)].reverse()), {created: false})
    assert.equal(pair(await read('h1'), 'a', 'b')!.frames, before.frames)
    assert.deepEqual(await applyKernelTraffic(t('h1'), VNI, [MACS.a, MACS.b]), {created: true})
    assert.equal(pair(await read('h1'), 'a', 'b'), undefined, 'a new table counts from zero')
    await removeKernelTraffic(t('h1'), VNI)
    await removeKernelTraffic(t('h1'), VNI)
    await assert.rejects(read('h1'), /host "h1": no traffic counted for VNI 700 .*violin switch start counts it/)
  })
})

describe('reading the kernel counters (pure)', () => {
  it('adds the Ethernet header to each frame, names the VMs, and marks what crossed to a peer', () => {
    const json = JSON.stringify({
      nftables: [
        {set: {name: 'macs', elem: ['52:54:00:07:00:01']}},
        {
          set: {
            name: 'pairs',
            elem: [
              {elem: {val: {concat: ['52:54:00:07:00:01', '52:54:00:07:00:02']}, counter: {packets: 2, bytes: 2000}}},
              {elem: {val: {concat: ['52:54:00:07:00:01', 'ff:ff:ff:ff:ff:ff']}, counter: {packets: 1, bytes: 28}}},
            ],
          },
        },
        {
          set: {
            name: 'remote',
            elem: [{elem: {val: {concat: ['52:54:00:07:00:01', '52:54:00:07:00:02']}, counter: {packets: 2, bytes: 2000}}}],
          },
        },
      ],
    })
    assert.deepEqual(parseKernelTraffic(json, NAMES), [
      {src: '52:54:00:07:00:01', dst: '52:54:00:07:00:02', srcVm: 'a', dstVm: 'b', frames: 2, bytes: 2028, remote: true},
      {src: '52:54:00:07:00:01', dst: 'ff:ff:ff:ff:ff:ff', srcVm: 'a', frames: 1, bytes: 42, remote: false},
    ])
  })

  it('writes every MAC in one form, so no name reaches nft unchecked', () => {
    assert.match(kernelTrafficRuleset(7, ['52:54:00:07:00:0A']), /elements = \{ 52:54:00:07:00:0a \}/)
    assert.throws(() => kernelTrafficRuleset(7, ['52:54:00:07:00:0a }; flush ruleset; {']))
  })
})
