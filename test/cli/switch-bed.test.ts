import {strict as assert} from 'node:assert'

import {type Bed, bedUnavailable, guestEnvFile, pingStats, startBed, until, hostAddArgs} from '../helpers/bed.js'
import {type CliResult, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {NetnsLab, pingCounts} from '../helpers/netns.js'

/**
 * `violin switch` with the kernel data plane on two hosts of the test bed, over SSH: the
 * environment's VMs are defined (not booted); test "VMs" are namespaces with a veth on the
 * environment's bridge in each bed host, so the ping below crosses violin's VXLAN mesh.
 */
describe('switch start/status/fdb/stop on the test bed (kernel VXLAN over SSH)', function () {
  this.timeout(120_000)
  let bed: Bed
  let lab: NetnsLab | undefined
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]): Promise<CliResult> => violinProcess(args, home.env)

  before(async function () {
    this.timeout(300_000)
    const why = await bedUnavailable()
    requireIntegration(this, 'test bed', () => why)
    bed = await startBed(2)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    for (const h of bed.hosts) {
      const r = await cli(hostAddArgs(bed, h, 'east', '--cpu-overcommit', '4'))
      assert.equal(r.exitCode, 0, r.stderr)
    }
    const env = await cli([
      'env',
      'create',
      'net',
      '--vms',
      '2',
      '--kernel',
      bed.guest.kernel,
      '--initrd',
      bed.guest.initrd,
      '--no-start',
      '--dataplane',
      'none',
      '--json',
    ])
    assert.equal(env.exitCode, 0, env.stderr)
    assert.deepEqual(env.json.vms.map((v: {host: string}) => v.host).sort(), ['vbed1', 'vbed2'])
    lab = new NetnsLab()
  })

  after(async function () {
    this.timeout(60_000)
    await lab?.cleanup()
    if (bed) await bed.down()
    home?.remove()
  })

  it('has no switch before start', async () => {
    const r = await cli(['switch', 'status', 'net'])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /has no switch yet/)
  })

  it("start builds the mesh on both hosts; VMs on the environment's bridge ping across hosts", async () => {
    const r = await cli(['switch', 'start', 'net', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.vni, 1000)
    for (const h of r.json.hosts) {
      assert.deepEqual([h.ok, h.device, h.bridge, h.created, h.added.length], [true, 'eth0', 'vbr1000', true, 1])
    }
    // Created with --dataplane none, the (shut-off) VMs had a NIC on nothing: now on the bridge.
    assert.deepEqual([...r.json.replugged].sort(), ['net-c1', 'net-head'])
    const head = (await cli(['env', 'info', 'net', '--json'])).json.vms.find((v: {name: string}) => v.name === 'net-head')
    const xml = await bed.virsh(bed.hosts.find((h) => h.name === head.host)!.index, ['dumpxml', 'net-head'])
    assert.match(xml, /<interface type='bridge'>[\s\S]*<source bridge='vbr1000'\/>/, xml)
    const a = await lab!.vethVm({
      name: 'a',
      hostNs: 'vbed1',
      bridge: 'vbr1000',
      port: 'va',
      cidr: '10.99.0.1/24',
      mac: '52:54:00:99:00:01',
      mtu: 1450,
    })
    await lab!.vethVm({
      name: 'b',
      hostNs: 'vbed2',
      bridge: 'vbr1000',
      port: 'vb',
      cidr: '10.99.0.2/24',
      mac: '52:54:00:99:00:02',
      mtu: 1450,
    })
    const ping = await lab!.exec(a.ns, ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', '10.99.0.2'], {check: false})
    assert.equal(pingCounts(ping.stdout).received, 3, ping.stdout)
  })

  it('status and fdb show each host up, its peer, and where each VM MAC was learned', async () => {
    const status = await cli(['switch', 'status', 'net', '--json'])
    assert.equal(status.exitCode, 0, status.stderr)
    const by = Object.fromEntries(status.json.hosts.map((h: {host: string}) => [h.host, h]))
    assert.deepEqual(by.vbed1.peers, ['10.232.0.2'])
    assert.deepEqual(by.vbed2.peers, ['10.232.0.1'])
    assert.equal(by.vbed1.up, true)
    assert.ok(by.vbed1.tx_packets >= 3 && by.vbed1.rx_packets >= 3, JSON.stringify(by.vbed1))
    const fdb = await cli(['switch', 'fdb', 'net', '--host', 'vbed1', '--json'])
    const entries = fdb.json.entries.map(
      (e: {mac: string; local: boolean; via: string}) => `${e.mac} ${e.local ? 'local' : 'peer'} ${e.via}`,
    )
    assert.ok(entries.includes('52:54:00:99:00:01 local va'), entries.join('\n'))
    assert.ok(entries.includes('52:54:00:99:00:02 peer 10.232.0.2'), entries.join('\n'))
    // The kernel counts the environment's VMs' frames (by their MACs): these namespaces are not its VMs.
    const traffic = await cli(['usage', '--traffic', '--env', 'net', '--interval', '1', '--json'])
    assert.equal(traffic.exitCode, 0, traffic.stderr)
    assert.deepEqual(
      traffic.json.pairs.filter((p: {src_mac: string}) => p.src_mac.startsWith('52:54:00:99:')),
      [],
      'frames of MACs that are not the environment VMs are not counted',
    )
    for (const h of bed.hosts) assert.match(await bed.exec(h.index, ['nft', 'list', 'tables']), /^table bridge violin_1000$/m, h.name)
  })

  it("refuses an underlay MTU that the hosts' devices do not carry, naming each", async () => {
    const r = await cli(['switch', 'start', 'net', '--underlay-mtu', '9000'])
    assert.equal(r.exitCode, 2, r.stderr)
    assert.match(r.stderr, /an underlay MTU of 9000 was asked for, but vbed1's eth0 has 1500, vbed2's eth0 has 1500/)
  })

  it('start again changes nothing; another environment gets the next VNI', async () => {
    const again = await cli(['switch', 'start', 'net', '--json'])
    for (const h of again.json.hosts) assert.deepEqual([h.created, h.added, h.removed], [false, [], []])
    const other = await cli(['env', 'create', 'net2', '--vms', '1', '--kernel', bed.guest.kernel, '--no-start', '--host', 'vbed1'])
    assert.equal(other.exitCode, 0, other.stderr)
    const start2 = await cli(['switch', 'start', 'net2', '--json'])
    assert.equal(start2.json.vni, 1001)
    assert.deepEqual(
      start2.json.hosts.map((h: {host: string; added: string[]}) => [h.host, h.added]),
      [['vbed1', []]],
    )
  })

  it('env create --dataplane vxlan starts the switch before the VMs and puts their NICs on it; undefine takes it down', async () => {
    const r = await cli([
      'env',
      'create',
      'web',
      '--vms',
      '2',
      '--kernel',
      bed.guest.kernel,
      '--no-start',
      '--dataplane',
      'vxlan',
      '--json',
    ])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const info = await cli(['env', 'info', 'web', '--json'])
    assert.deepEqual(info.json.network, {vni: 1002, dataplane: 'vxlan', stopped: false})
    for (const vm of info.json.vms) {
      const xml = await bed.virsh(bed.hosts.find((h) => h.name === vm.host)!.index, ['dumpxml', vm.name])
      assert.match(xml, /<interface type='bridge'>[\s\S]*<source bridge='vbr1002'\/>[\s\S]*<mtu size='1450'\/>/)
      assert.match(xml, new RegExp(`<mac address='${vm.mac}'/>`))
    }
    for (const h of bed.hosts) assert.match(await bed.exec(h.index, ['ip', '-o', 'link', 'show']), /\bvx1002\b/, h.name)
    const destroy = await cli(['env', 'undefine', 'web', '--yes'])
    assert.equal(destroy.exitCode, 0, destroy.stderr)
    for (const h of bed.hosts) assert.doesNotMatch(await bed.exec(h.index, ['ip', '-o', 'link', 'show']), /\b(vx1002|vbr1002)\b/, h.name)
  })

  it('stop removes the bridge and the VXLAN device from every host', async () => {
    const r = await cli(['switch', 'stop', 'net'])
    assert.equal(r.exitCode, 0, r.stderr)
    for (const h of bed.hosts) {
      const links = await bed.exec(h.index, ['ip', '-o', 'link', 'show'])
      assert.doesNotMatch(links, /\b(vbr1000|vx1000)\b/, h.name)
      assert.doesNotMatch(await bed.exec(h.index, ['nft', 'list', 'tables']), /violin_1000\b/, `${h.name}: its traffic counters go with it`)
    }
    assert.match(await bed.exec(1, ['ip', '-o', 'link', 'show']), /\bvx1001\b/, "net2's switch is untouched")
  })

  describe('real guests on the mesh, across live migrations', () => {
    const stats = (host: number, vm: string) => pingStats(bed, host, vm)

    it("two guests on different hosts ping over the environment's VXLAN, a twin environment with the same addresses gets no answer, and they keep pinging while one moves back and forth", async () => {
      const file = guestEnvFile(bed, `${home.dir}/live.yaml`, 'live', 'vxlan', [
        '{name: live-head, role: head, host: vbed1, cmdline: "ip4=10.98.0.1/24 ping=10.98.0.2"}',
        '{name: live-c1, host: vbed2, cmdline: "ip4=10.98.0.2/24"}',
      ])
      const r = await cli(['env', 'define', '--file', file])
      assert.equal(r.exitCode, 0, r.stderr)
      const first = await until(
        'pings answered across hosts',
        () => stats(1, 'live-head'),
        (s) => s.received >= 5,
      )
      const fdb = await cli(['switch', 'fdb', 'live', '--host', 'vbed1', '--json'])
      const peerMacs = fdb.json.entries.filter((e: {local: boolean}) => !e.local).map((e: {via: string}) => e.via)
      assert.ok(peerMacs.includes('10.232.0.2'), `vbed1 learned c1's MAC behind vbed2: ${JSON.stringify(fdb.json.entries)}`)
      assert.equal(first.lostStreakMax, 0)
      // The kernel counted the pings, each frame once where it entered the mesh: over a second of
      // pings every 200 ms, head -> c1 and the answers c1 -> head, both across hosts.
      const traffic = await cli(['usage', '--traffic', '--env', 'live', '--interval', '2', '--json'])
      assert.equal(traffic.exitCode, 0, traffic.stderr)
      const pair = (src: string, dst: string) =>
        traffic.json.pairs.find((p: {src_vm: string; dst_vm: string}) => p.src_vm === src && p.dst_vm === dst)
      for (const [src, dst] of [
        ['live-head', 'live-c1'],
        ['live-c1', 'live-head'],
      ]) {
        const p = pair(src!, dst!)
        assert.ok(
          p?.remote && p.frames >= 5 && p.frames_per_second >= 2 && p.frames_per_second <= 8,
          `${src} -> ${dst}: ${JSON.stringify(traffic.json.pairs)}`,
        )
      }
      const idc = await cli(['adapt', '--once', '--dry-run', '--policy', 'idc', '--interval', '2', '--json'])
      assert.equal(idc.exitCode, 0, idc.stderr)
      assert.ok(idc.json.seen.traffic_pairs >= 2, `the IDC policy sees the kernel plane's pairs: ${JSON.stringify(idc.json.seen)}`)

      // Another environment with the same addresses, its head where live-c1 (10.98.0.2) runs: nothing answers it.
      const twinFile = guestEnvFile(bed, `${home.dir}/twin.yaml`, 'twin', 'vxlan', [
        '{name: twin-head, role: head, host: vbed2, cmdline: "ip4=10.98.0.1/24 ping=10.98.0.2"}',
      ])
      assert.equal((await cli(['env', 'define', '--file', twinFile])).exitCode, 0)
      const twin = await until(
        'twin-head has pinged for a while',
        () => stats(2, 'twin-head'),
        (s) => s.sent >= 10,
      )
      assert.equal(twin.received, 0, `10.98.0.2 exists only in environment live: ${JSON.stringify(twin)}`)
      assert.equal((await cli(['env', 'undefine', 'twin', '--yes'])).exitCode, 0)

      const there = await cli(['migrate', 'live-c1', 'vbed1', '--live'])
      assert.equal(there.exitCode, 0, there.stderr)
      const vni = (await cli(['env', 'info', 'live', '--json'])).json.network.vni
      assert.match(await bed.exec(1, ['ip', '-o', 'link', 'show']), new RegExp(`\\bvx${vni}\\b`))
      assert.doesNotMatch(
        await bed.exec(2, ['ip', '-o', 'link', 'show']),
        new RegExp(`\\bvx${vni}\\b`),
        'vbed2 has no VM of live left: its switch is gone',
      )
      const after1 = await until(
        'pings answered again',
        () => stats(1, 'live-head'),
        (s) => s.received >= first.received + 10,
      )
      const back = await cli(['migrate', 'live-c1', 'vbed2', '--live'])
      assert.equal(back.exitCode, 0, back.stderr)
      const after2 = await until(
        'pings answered after moving back',
        () => stats(1, 'live-head'),
        (s) => s.received >= after1.received + 10,
      )
      console.log(
        `      ping every 200 ms across two live migrations: ${after2.sent} sent, ${after2.received} answered, longest outage ${after2.lostStreakMax * 200} ms`,
      )
      assert.ok(after2.lostStreakMax <= 25, `an outage of ${after2.lostStreakMax} pings (x 200 ms)`)
      assert.equal((await cli(['env', 'undefine', 'live', '--yes'])).exitCode, 0)
    })
  })
})
