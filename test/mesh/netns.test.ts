import {strict as assert} from 'node:assert'
import {fileURLToPath} from 'node:url'

import {requireIntegration} from '../helpers/integration.js'
import {NetnsLab, type NsProcess, type TestVm, type Underlay, netnsUnavailable, pingCounts, snmpCounter} from '../helpers/netns.js'
import type {RunnerConfig, RunnerEnvironment, RunnerStats} from './fixtures/daemon-runner.js'

/**
 * The userspace switch daemons on a real (namespaced) network, end to end:
 *
 *   underlay bridge (ns ul) -- h1 10.77.0.1, h2 10.77.0.2, h3 10.77.0.3: one MeshDaemon each
 *                                              (fixtures/daemon-runner.ts), peer socket :4789
 *                           -- h4 10.77.0.4: no daemon, a Linux bridge + kernel vxlan device
 *
 *   VNI 100: a1, a1b on h1; a2 on h2; a3 on h3                10.77.1.0/24
 *   VNI 200: b1 on h1, b2 on h2: the SAME IPs and MACs as a1, a2 (twins)
 *   VNI 300: d1 on h1 (daemon), k4 on h4 (kernel vxlan)       10.77.3.0/24
 *
 * Daemon-attached VMs are namespaces with a TAP bridged by socat to the daemon's VM port
 * (one raw frame per UDP datagram, as QEMU's UDP NIC does); k4 is a veth on h4's bridge.
 * Everything is deleted in `after`, whatever happened.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RUNNER = fileURLToPath(new URL('fixtures/daemon-runner.ts', import.meta.url))
const VXLAN_PORT = 4789
const LO = '127.0.0.1'

interface VmSpec {
  name: string
  host: string
  vni: number
  ip: string
  mac: string
}

const VMS: VmSpec[] = [
  {name: 'a1', host: 'h1', vni: 100, ip: '10.77.1.1', mac: '02:00:00:00:00:01'},
  {name: 'a1b', host: 'h1', vni: 100, ip: '10.77.1.11', mac: '02:00:00:00:00:11'},
  {name: 'a2', host: 'h2', vni: 100, ip: '10.77.1.2', mac: '02:00:00:00:00:02'},
  {name: 'a3', host: 'h3', vni: 100, ip: '10.77.1.3', mac: '02:00:00:00:00:03'},
  {name: 'b1', host: 'h1', vni: 200, ip: '10.77.1.1', mac: '02:00:00:00:00:01'},
  {name: 'b2', host: 'h2', vni: 200, ip: '10.77.1.2', mac: '02:00:00:00:00:02'},
  {name: 'd1', host: 'h1', vni: 300, ip: '10.77.3.1', mac: '02:00:00:00:03:01'},
]
const DAEMON_HOSTS = ['h1', 'h2', 'h3']
/** Which daemon hosts carry which environment (VNI 300's other end is h4's kernel vxlan). */
const ENV_HOSTS: Record<number, string[]> = {100: ['h1', 'h2', 'h3'], 200: ['h1', 'h2', 'h3'], 300: ['h1', 'h4']}
const K4 = {name: 'k4', ip: '10.77.3.4', mac: '02:00:00:00:03:04'}

/** Per host, VM k (1, 2...) gets daemon port 10000+k and VM-side port 20000+k on the host's loopback. */
function vmPorts(spec: VmSpec): {listen: {address: string; port: number}; vm: {address: string; port: number}} {
  const k = VMS.filter((v) => v.host === spec.host).indexOf(spec) + 1
  return {listen: {address: LO, port: 10_000 + k}, vm: {address: LO, port: 20_000 + k}}
}

describe('switch mesh in network namespaces (3 daemon hosts, TAP VMs, kernel VXLAN peer)', function () {
  this.timeout(60_000)
  let lab: NetnsLab | undefined
  let ul: Underlay
  const daemons = new Map<string, NsProcess>()
  const vms = new Map<string, TestVm>()
  const vm = (name: string): TestVm => vms.get(name) ?? assert.fail(`no VM ${name}`)

  async function stats(host: string): Promise<RunnerStats> {
    const daemon = daemons.get(host)!
    const line = daemon.waitFor(/^STATS /, 5000)
    daemon.write('stats\n')
    return JSON.parse((await line).slice('STATS '.length)) as RunnerStats
  }

  /** Frames the daemon on `host` has sent to VM `id` of environment `vni`. */
  async function framesTo(host: string, vni: number, id: string): Promise<number> {
    const env = (await stats(host)).environments.find((e) => e.vni === vni)
    const port = env?.vms.find((p) => p.id === id)
    if (!port) assert.fail(`no VM port ${id} in VNI ${vni} on ${host}`)
    return port.framesOut
  }

  async function ping(from: TestVm, to: string, count: number, extra: string[] = []): Promise<{transmitted: number; received: number; stdout: string}> {
    const r = await lab!.exec(from.ns, ['ping', '-n', '-q', '-c', String(count), '-i', '0.05', '-W', '2', ...extra, to], {check: false, timeoutMs: 5000 + count * 2500})
    return {...pingCounts(r.stdout), stdout: r.stdout}
  }

  async function assertPings(from: TestVm, to: string, count = 3): Promise<void> {
    const r = await ping(from, to, count)
    assert.equal(r.received, count, `${from.name} -> ${to}: ${r.received}/${count} replies\n${r.stdout}`)
  }

  const echos = (v: TestVm) => snmpCounter(lab!, v.ns, 'Icmp', 'InEchos')

  /** iperf3 TCP for `seconds` from `client` to `server`; Gbit/s received. */
  async function iperf(client: TestVm, server: TestVm, seconds: number): Promise<number> {
    const srv = lab!.start(server.ns, ['iperf3', '-s', '-1', '-B', server.ip, '-p', '5201', '--forceflush'])
    try {
      await srv.waitFor(/Server listening/, 5000)
      const r = await lab!.exec(client.ns, ['iperf3', '-c', server.ip, '-p', '5201', '-t', String(seconds), '-J', '--connect-timeout', '3000'], {
        check: false,
        timeoutMs: (seconds + 10) * 1000,
      })
      const json = JSON.parse(r.stdout) as {error?: string; end?: {sum_received?: {bits_per_second: number}}}
      if (json.error) assert.fail(`iperf3 ${client.name} -> ${server.name}: ${json.error}`)
      return (json.end?.sum_received?.bits_per_second ?? 0) / 1e9
    } finally {
      await srv.kill(1000)
    }
  }

  before(async function () {
    requireIntegration(this, 'network namespaces', netnsUnavailable)
    this.timeout(40_000)
    const started = Date.now()
    lab = new NetnsLab()
    ul = await lab.underlay([...DAEMON_HOSTS, 'h4'])
    const peer = (host: string) => ({address: ul.host(host).address, port: VXLAN_PORT})

    // One daemon per host, started (and bound) before any socat talks to it.
    await Promise.all(
      DAEMON_HOSTS.map(async (host) => {
        const environments: RunnerEnvironment[] = Object.entries(ENV_HOSTS)
          .filter(([, hosts]) => hosts.includes(host))
          .map(([vni, hosts]) => ({
            vni: Number(vni),
            peers: hosts.filter((h) => h !== host).map(peer),
            vms: VMS.filter((v) => v.host === host && v.vni === Number(vni)).map((v) => ({id: v.name, ...vmPorts(v)})),
          }))
        const config: RunnerConfig = {peer: peer(host), environments}
        const daemon = lab!.start(ul.host(host).ns, [process.execPath, '--import', 'tsx', RUNNER, JSON.stringify(config)], {cwd: ROOT})
        daemons.set(host, daemon)
        await daemon.waitFor(/^READY /, 20_000)
      }),
    )

    await Promise.all(
      DAEMON_HOSTS.map(async (host) => {
        for (const spec of VMS.filter((v) => v.host === host)) {
          const {listen, vm: local} = vmPorts(spec)
          vms.set(spec.name, await lab!.tapVm({name: spec.name, hostNs: ul.host(host).ns, daemon: listen, local, cidr: `${spec.ip}/24`, mac: spec.mac}))
        }
      }),
    )

    // h4: the kernel's own VXLAN as the other end of VNI 300 (notes/mesh.md traps: the
    // daemon is on another host/namespace, and veth must segment UDP-tunnel GSO in software
    // or a 64 KB datagram reaches the daemon's socket). No `srcport`: the kernel sends from
    // a hashed source port range and the daemon knows its peers by address.
    const h4 = ul.host('h4').ns
    await lab.exec(h4, ['ethtool', '-K', 'ul0', 'tx-udp_tnl-segmentation', 'off', 'tx-udp_tnl-csum-segmentation', 'off'])
    await lab.exec(h4, ['ip', 'link', 'add', 'brk', 'type', 'bridge'])
    await lab.exec(h4, ['ip', 'link', 'set', 'brk', 'up'])
    await lab.exec(h4, ['ip', 'link', 'add', 'vx', 'type', 'vxlan', 'id', '300', 'local', ul.host('h4').address, 'dev', 'ul0', 'dstport', String(VXLAN_PORT), 'learning'])
    await lab.exec(h4, ['ip', 'link', 'set', 'vx', 'master', 'brk', 'up'])
    await lab.exec(h4, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx', 'dst', ul.host('h1').address])
    vms.set(K4.name, await lab.vethVm({name: K4.name, hostNs: h4, bridge: 'brk', port: 'k4', cidr: `${K4.ip}/24`, mac: K4.mac}))
    console.log(`      set up ${lab.list().length} namespaces, 3 daemons, ${VMS.length + 1} VMs in ${Date.now() - started} ms`)
  })

  after(async function () {
    this.timeout(20_000)
    if (!lab) return
    for (const [host, d] of daemons) if (!d.running && d.stderr()) console.log(`      daemon ${host} stderr: ${d.stderr().trim()}`)
    await lab.cleanup()
  })

  it('(a) VMs ping each other across hosts, and through one switch on the same host', async () => {
    await assertPings(vm('a1'), vm('a2').ip)
    await assertPings(vm('a1'), vm('a3').ip)
    await assertPings(vm('a3'), vm('a2').ip)
    await assertPings(vm('a1'), vm('a1b').ip)
    const h1 = (await stats('h1')).environments.find((e) => e.vni === 100)!
    const local = h1.traffic.find((t) => t.src === vm('a1').mac && t.dst === vm('a1b').mac)
    assert.ok(local && local.frames >= 3 && !local.remote, `a1 -> a1b stayed on h1's switch: ${JSON.stringify(local)}`)
    const remote = h1.traffic.find((t) => t.src === vm('a1').mac && t.dst === vm('a2').mac)
    assert.ok(remote && remote.frames >= 3 && remote.remote, `a1 -> a2 crossed to a peer: ${JSON.stringify(remote)}`)
  })

  it('(b) carries a TCP stream across hosts (iperf3, 2 s)', async () => {
    const gbps = await iperf(vm('a1'), vm('a2'), 2)
    console.log(`      iperf3 TCP a1 (h1) -> a2 (h2) through two daemons: ${gbps.toFixed(3)} Gbit/s`)
    assert.ok(gbps > 0, 'nonzero TCP throughput')
  })

  it('(c) keeps two environments with the same IPs and MACs apart: pings reach the right twin only', async () => {
    const [a1, a2, a3, b1, b2] = ['a1', 'a2', 'a3', 'b1', 'b2'].map(vm) as [TestVm, TestVm, TestVm, TestVm, TestVm]
    assert.equal(a1.ip, b1.ip)
    assert.equal(a1.mac, b1.mac)
    assert.equal(a2.ip, b2.ip)
    assert.equal(a2.mac, b2.mac)
    const n = 10
    const snapshot = async () => ({
      a2: await echos(a2),
      b2: await echos(b2),
      a3: await echos(a3),
      toA2: await framesTo('h2', 100, 'a2'),
      toB2: await framesTo('h2', 200, 'b2'),
      toA3: await framesTo('h3', 100, 'a3'),
    })

    // VNI 100: a1 -> 10.77.1.2 must be answered by a2; b2 (same IP, same MAC) sees nothing.
    let before = await snapshot()
    assert.equal((await ping(a1, a2.ip, n)).received, n)
    let after = await snapshot()
    assert.equal(after.a2 - before.a2, n, 'a2 got every echo request of its environment')
    assert.equal(after.b2 - before.b2, 0, 'b2 (the twin in VNI 200) got none of them')
    assert.equal(after.toB2 - before.toB2, 0, "h2's VNI 200 switch sent b2 no frame at all")
    assert.ok(after.toA2 - before.toA2 >= n, "h2's VNI 100 switch delivered them to a2")

    // VNI 200: the same addresses the other way round.
    before = after
    assert.equal((await ping(b1, b2.ip, n)).received, n)
    after = await snapshot()
    assert.equal(after.b2 - before.b2, n, 'b2 got every echo request of its environment')
    assert.equal(after.a2 - before.a2, 0, 'a2 (the twin in VNI 100) got none of them')
    assert.equal(after.toA2 - before.toA2, 0, "h2's VNI 100 switch sent a2 no frame at all")

    // VNI 200 has no 10.77.1.3: b1's ARP for it floods VNI 200 only, never reaching a3.
    before = after
    assert.equal((await ping(b1, a3.ip, 2, ['-W', '1'])).received, 0, 'VNI 200 cannot reach a VNI 100 address')
    after = await snapshot()
    assert.equal(after.a3 - before.a3, 0)
    assert.equal(after.toA3 - before.toA3, 0, "h3's VNI 100 switch sent a3 nothing while b1 looked for 10.77.1.3")

    // Both switches on h1 learned the same MAC, each in its own table.
    const h1 = await stats('h1')
    for (const vni of [100, 200]) {
      const env = h1.environments.find((e) => e.vni === vni)!
      assert.ok(
        env.traffic.some((t) => t.src === a1.mac && t.remote),
        `VNI ${vni} on h1 carried ${a1.mac}`,
      )
    }
  })

  it('(d) a userspace daemon and a kernel VXLAN device are peers: ping both ways', async () => {
    const d1 = vm('d1')
    const k4 = vm('k4')
    await assertPings(k4, d1.ip)
    await assertPings(d1, k4.ip)
    // The kernel learned d1's MAC behind the daemon's host from the daemon's datagrams.
    const {stdout: fdb} = await lab!.exec(ul.host('h4').ns, ['bridge', 'fdb', 'show', 'dev', 'vx'])
    assert.match(fdb, new RegExp(`^${d1.mac} dst ${ul.host('h1').address.replaceAll('.', '\\.')} `, 'm'), fdb)
    const h1 = await stats('h1')
    const env = h1.environments.find((e) => e.vni === 300)!
    assert.ok(env.peers[0]!.framesIn >= 3, `h1's daemon got frames from the kernel peer: ${JSON.stringify(env.peers)}`)
    assert.equal(env.drops['unknown-peer'], 0, 'the kernel VTEP is known by address, whatever its source port')
    assert.deepEqual([h1.drops.badHeader, h1.drops.unknownVni], [0, 0], `every kernel datagram parsed as VXLAN of a known VNI: ${JSON.stringify(h1.drops)}`)
    const gbps = await iperf(k4, d1, 1)
    console.log(`      iperf3 TCP k4 (kernel vxlan, h4) -> d1 (daemon, h1): ${gbps.toFixed(3)} Gbit/s`)
    assert.ok(gbps > 0, 'nonzero TCP throughput through kernel vxlan -> daemon')
  })
})
