import {strict as assert} from 'node:assert'
import {randomBytes} from 'node:crypto'

import type {AgentHello, SwitchReport} from '../../src/agent/agent.js'
import type {SwitchSpec} from '../../src/agent/protocol.js'
import type {Member} from '../../src/mesh/control.js'
import {requireIntegration} from '../helpers/integration.js'
import {
  NetnsLab,
  type NsAgent,
  type TestVm,
  type Underlay,
  netnsUnavailable,
  pingCounts,
  snmpCounter,
  waitForMembers,
} from '../helpers/netns.js'

/**
 * The userspace switches on a real (namespaced) network, end to end:
 *
 *   underlay bridge (ns ul) -- h1 10.77.0.1, h2 10.77.0.2, h3 10.77.0.3: a real `violin agent`
 *                              each (the built CLI), data :4790, control :4791; every switch
 *                              configured by an `apply` request with the environment's key
 *                           -- h4 10.77.0.4: no agent, a Linux bridge + kernel vxlan device
 *                              (dstport 4790, the agents' data port)
 *
 *   VNI 100: a1, a1b on h1; a2 on h2; a3 on h3                10.77.1.0/24
 *   VNI 200: b1 on h1, b2 on h2: the SAME IPs and MACs as a1, a2 (twins)
 *   VNI 300: d1 on h1 (agent), k4 on h4 (kernel vxlan)         10.77.3.0/24
 *
 * The agents of VNI 100 and 200 find each other through the control plane (h2 and h3 join
 * through h1). The kernel device has no control plane: h1's switch for VNI 300 lists it as
 * a VTEP (a static data-plane peer). Agent-attached VMs are namespaces with a TAP bridged by
 * socat to the agent's VM port (one raw frame per UDP datagram, as QEMU's UDP NIC does); k4
 * is a veth on h4's bridge. Counters come from the agents' `status`, `traffic` and `hello`.
 * Everything (namespaces, processes, the agents' directories) is deleted in `after`.
 */
/** The agents' default data port: the kernel device must send to (and so listen on) it. */
const DATA_PORT = 4790
const KEY = randomBytes(32).toString('hex')
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
const AGENT_HOSTS = ['h1', 'h2', 'h3']
/** Which agents carry which environment, the first the one the others join through (VNI 300's other end is h4's kernel vxlan). */
const ENV_HOSTS: Record<number, string[]> = {100: ['h1', 'h2', 'h3'], 200: ['h1', 'h2', 'h3'], 300: ['h1']}
const K4 = {name: 'k4', ip: '10.77.3.4', mac: '02:00:00:00:03:04'}

/** Per host, VM k (1, 2...) gets agent port 10000+k and VM-side port 20000+k on the host's loopback. */
function vmPorts(spec: VmSpec): {listen: {address: string; port: number}; vm: {address: string; port: number}} {
  const k = VMS.filter((v) => v.host === spec.host).indexOf(spec) + 1
  return {listen: {address: LO, port: 10_000 + k}, vm: {address: LO, port: 20_000 + k}}
}

describe('switch mesh in network namespaces (3 violin agents, TAP VMs, kernel VXLAN peer)', function () {
  this.timeout(60_000)
  let lab: NetnsLab | undefined
  let ul: Underlay
  const agents = new Map<string, NsAgent>()
  const vms = new Map<string, TestVm>()
  const vm = (name: string): TestVm => vms.get(name) ?? assert.fail(`no VM ${name}`)
  const agent = (host: string): NsAgent => agents.get(host) ?? assert.fail(`no agent on ${host}`)

  /** The `status` of the switch for `vni` on `host`. */
  async function report(host: string, vni: number): Promise<SwitchReport> {
    const [r] = await agent(host).ask<SwitchReport[]>({op: 'status', vni})
    return r ?? assert.fail(`no switch for VNI ${vni} on ${host}`)
  }

  /** The traffic matrix of the switch for `vni` on `host`. */
  async function traffic(host: string, vni: number): Promise<Array<{src: string; dst: string; frames: number; remote: boolean}>> {
    const [t] = await agent(host).ask<Array<{vni: number; pairs: Array<{src: string; dst: string; frames: number; remote: boolean}>}>>({
      op: 'traffic',
      vni,
    })
    return t?.pairs ?? []
  }

  async function ping(
    from: TestVm,
    to: string,
    count: number,
    extra: string[] = [],
  ): Promise<{transmitted: number; received: number; stdout: string}> {
    const r = await lab!.exec(from.ns, ['ping', '-n', '-q', '-c', String(count), '-i', '0.05', '-W', '2', ...extra, to], {
      check: false,
      timeoutMs: 5000 + count * 2500,
    })
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
      const r = await lab!.exec(
        client.ns,
        ['iperf3', '-c', server.ip, '-p', '5201', '-t', String(seconds), '-J', '--connect-timeout', '3000'],
        {
          check: false,
          timeoutMs: (seconds + 10) * 1000,
        },
      )
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
    ul = await lab.underlay([...AGENT_HOSTS, 'h4'])

    // One agent per host, each switch applied (and its VM ports bound) before any socat talks to it.
    await Promise.all(AGENT_HOSTS.map(async (h) => agents.set(h, await lab!.agent(ul.host(h).ns, ul.host(h).address))))
    // Each environment's first host starts its mesh; the others join through it.
    const spec = (vni: number, host: string, known: Member[]): SwitchSpec => ({
      vni,
      key: KEY,
      known,
      vms: VMS.filter((v) => v.host === host && v.vni === vni).map((v) => ({id: v.name, mac: v.mac, ...vmPorts(v)})),
    })
    for (const [vni, [first, ...others]] of Object.entries(ENV_HOSTS)) {
      await agent(first!).ask({op: 'apply', spec: spec(Number(vni), first!, [])})
      for (const host of others) await agent(host).ask({op: 'apply', spec: spec(Number(vni), host, [agent(first!).member()])})
    }
    for (const vni of [100, 200]) for (const h of ENV_HOSTS[vni]!) await waitForMembers(agent(h), vni, 2)

    await Promise.all(
      AGENT_HOSTS.map(async (host) => {
        for (const spec of VMS.filter((v) => v.host === host)) {
          const {listen, vm: local} = vmPorts(spec)
          vms.set(
            spec.name,
            await lab!.tapVm({name: spec.name, hostNs: ul.host(host).ns, daemon: listen, local, cidr: `${spec.ip}/24`, mac: spec.mac}),
          )
        }
      }),
    )

    // h4: the kernel's own VXLAN as the other end of VNI 300 (traps found on this machine: the
    // agent is on another host/namespace, and veth must segment UDP-tunnel GSO in software
    // or a 64 KB datagram reaches the agent's socket). No `srcport`: the kernel sends from
    // a hashed source port range and the switch knows its peers by address. The VTEP is
    // made h1's peer first: the bridge sends a frame or two as soon as it is up, and h1's
    // switch would count them as from an unknown peer.
    const h4 = ul.host('h4').ns
    await agent('h1').ask({op: 'apply', spec: {...spec(300, 'h1', []), vteps: [{address: ul.host('h4').address, port: DATA_PORT}]}})
    await lab.exec(h4, ['ethtool', '-K', 'ul0', 'tx-udp_tnl-segmentation', 'off', 'tx-udp_tnl-csum-segmentation', 'off'])
    await lab.exec(h4, ['ip', 'link', 'add', 'brk', 'type', 'bridge'])
    await lab.exec(h4, ['ip', 'link', 'set', 'brk', 'up'])
    await lab.exec(h4, [
      'ip',
      'link',
      'add',
      'vx',
      'type',
      'vxlan',
      'id',
      '300',
      'local',
      ul.host('h4').address,
      'dev',
      'ul0',
      'dstport',
      String(DATA_PORT),
      'learning',
    ])
    await lab.exec(h4, ['ip', 'link', 'set', 'vx', 'master', 'brk', 'up'])
    await lab.exec(h4, ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vx', 'dst', ul.host('h1').address])
    vms.set(K4.name, await lab.vethVm({name: K4.name, hostNs: h4, bridge: 'brk', port: 'k4', cidr: `${K4.ip}/24`, mac: K4.mac}))
    console.log(`      set up ${lab.list().length} namespaces, 3 agents, ${VMS.length + 1} VMs in ${Date.now() - started} ms`)
  })

  after(async function () {
    this.timeout(20_000)
    if (!lab) return
    for (const [host, a] of agents) if (!a.process.running) console.log(`      agent ${host} exited early: ${a.process.stderr().trim()}`)
    await lab.cleanup()
  })

  it('(a) VMs ping each other across hosts, and through one switch on the same host', async () => {
    await assertPings(vm('a1'), vm('a2').ip)
    await assertPings(vm('a1'), vm('a3').ip)
    await assertPings(vm('a3'), vm('a2').ip)
    await assertPings(vm('a1'), vm('a1b').ip)
    const h1 = await traffic('h1', 100)
    const local = h1.find((t) => t.src === vm('a1').mac && t.dst === vm('a1b').mac)
    assert.ok(local && local.frames >= 3 && !local.remote, `a1 -> a1b stayed on h1's switch: ${JSON.stringify(local)}`)
    const remote = h1.find((t) => t.src === vm('a1').mac && t.dst === vm('a2').mac)
    assert.ok(remote && remote.frames >= 3 && remote.remote, `a1 -> a2 crossed to a peer: ${JSON.stringify(remote)}`)
  })

  it('(b) carries a TCP stream across hosts (iperf3, 2 s)', async () => {
    const gbps = await iperf(vm('a1'), vm('a2'), 2)
    console.log(`      iperf3 TCP a1 (h1) -> a2 (h2) through two agents: ${gbps.toFixed(3)} Gbit/s`)
    assert.ok(gbps > 0, 'nonzero TCP throughput')
  })

  /**
   * Captures what `v`'s own NIC receives that matches a tcpdump filter, from now until the
   * returned stop(): each matching frame is one line. What a VM received is the isolation
   * that matters, and a filter on what only the probe sends cannot be disturbed by the
   * environments' own traffic (ARP refreshes and the like).
   */
  async function capture(v: TestVm, filter: string): Promise<() => Promise<string[]>> {
    const dump = lab!.start(v.ns, ['sh', '-c', `exec tcpdump -i ${v.dev} -n -e -l --immediate-mode -Q in '${filter}' 2>&1`])
    await dump.waitFor(/listening on/, 5000)
    return async () => {
      await new Promise((r) => setTimeout(r, 300))
      await dump.kill(1000)
      return dump
        .stdout()
        .split('\n')
        .filter((l) => /^\d\d:\d\d:/.test(l))
    }
  }

  it('(c) keeps two environments with the same IPs and MACs apart: no frame of one reaches the other', async () => {
    const [a1, a2, a3, b1, b2] = ['a1', 'a2', 'a3', 'b1', 'b2'].map(vm) as [TestVm, TestVm, TestVm, TestVm, TestVm]
    assert.equal(a1.ip, b1.ip)
    assert.equal(a1.mac, b1.mac)
    assert.equal(a2.ip, b2.ip)
    assert.equal(a2.mac, b2.mac)
    const n = 10
    // Each probe has a size no other traffic has, so a capture tells its frames from the
    // environments' own: the IP length of an echo with -s S is S + 28.
    const echoOfSize = (size: number) => `icmp[icmptype] = icmp-echo and ip[2:2] = ${size + 28}`

    // VNI 100: a1 -> 10.77.1.2 must be answered by a2; b2 (same IP, same MAC) receives none of it.
    let atA2 = await capture(a2, echoOfSize(1111))
    let atB2 = await capture(b2, echoOfSize(1111))
    assert.equal((await ping(a1, a2.ip, n, ['-s', '1111'])).received, n)
    assert.equal((await atA2()).length, n, 'a2 received every echo request of its environment')
    assert.deepEqual(await atB2(), [], 'b2, the twin in VNI 200, received none of them')

    // VNI 200: the same addresses the other way round.
    atA2 = await capture(a2, echoOfSize(1222))
    atB2 = await capture(b2, echoOfSize(1222))
    assert.equal((await ping(b1, b2.ip, n, ['-s', '1222'])).received, n)
    assert.equal((await atB2()).length, n, 'b2 received every echo request of its environment')
    assert.deepEqual(await atA2(), [], 'a2, the twin in VNI 100, received none of them')

    // VNI 200 has no 10.77.1.3: b1's ARP for it floods VNI 200 only, never reaching a3. b1
    // asks from an address of its own (10.77.1.201 = 0x0a4d01c9) so that its ARP requests
    // differ from any that a1, its twin, may send for a3.
    await lab!.exec(b1.ns, ['ip', 'addr', 'add', '10.77.1.201/24', 'dev', b1.dev])
    const fromB1 = 'arp and arp[14:4] = 0x0a4d01c9'
    const atA3 = await capture(a3, fromB1)
    const inB = await capture(b2, fromB1)
    const echosBefore = await echos(a3)
    assert.equal((await ping(b1, a3.ip, 2, ['-W', '1', '-I', '10.77.1.201'])).received, 0, 'VNI 200 cannot reach a VNI 100 address')
    assert.ok((await inB()).length >= 1, "b1's ARP requests flooded its own environment (b2 saw them)")
    assert.deepEqual(await atA3(), [], 'a3 received none of the ARP requests of VNI 200')
    assert.equal((await echos(a3)) - echosBefore, 0, 'a3 received no echo request')

    // Both switches on h1 learned the same MAC, each in its own table.
    for (const vni of [100, 200]) {
      assert.ok(
        (await traffic('h1', vni)).some((t) => t.src === a1.mac && t.remote),
        `VNI ${vni} on h1 carried ${a1.mac}`,
      )
    }
  })

  it("(d) an agent's switch and a kernel VXLAN device are peers: ping both ways", async () => {
    const d1 = vm('d1')
    const k4 = vm('k4')
    await assertPings(k4, d1.ip)
    await assertPings(d1, k4.ip)
    // The kernel learned d1's MAC behind the agent's host from the agent's datagrams.
    const {stdout: fdb} = await lab!.exec(ul.host('h4').ns, ['bridge', 'fdb', 'show', 'dev', 'vx'])
    assert.match(fdb, new RegExp(`^${d1.mac} dst ${ul.host('h1').address.replaceAll('.', '\\.')} `, 'm'), fdb)
    const env = await report('h1', 300)
    assert.ok(env.peers[0]!.framesIn >= 3, `h1's switch got frames from the kernel peer: ${JSON.stringify(env.peers)}`)
    assert.equal(env.drops['unknown-peer'], 0, 'the kernel VTEP is known by address, whatever its source port')
    const {drops} = await agent('h1').ask<AgentHello>({op: 'hello'})
    assert.deepEqual(
      [drops.badHeader, drops.unknownVni],
      [0, 0],
      `every kernel datagram parsed as VXLAN of a known VNI: ${JSON.stringify(drops)}`,
    )
    const gbps = await iperf(k4, d1, 1)
    console.log(`      iperf3 TCP k4 (kernel vxlan, h4) -> d1 (agent, h1): ${gbps.toFixed(3)} Gbit/s`)
    assert.ok(gbps > 0, 'nonzero TCP throughput through kernel vxlan -> agent')
  })
})
