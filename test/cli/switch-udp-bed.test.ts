import {strict as assert} from 'node:assert'
import {join} from 'node:path'

import {type Bed, bedUnavailable, guestEnvFile, pingStats, startBed, until, hostAddArgs} from '../helpers/bed.js'
import {type CliResult, ROOT, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'

/**
 * The userspace data plane end to end on two hosts of the test bed: violin starts each
 * host's agent over SSH (the bed hosts run this checkout's violin), real QEMU guests
 * attach through libvirt's <interface type='udp'>, and one pings the other every 200 ms
 * while it live-migrates away and back.
 */
describe('switch --dataplane udp on the test bed: agents over SSH, QEMU guests on libvirt UDP interfaces', function () {
  this.timeout(180_000)
  let bed: Bed
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]): Promise<CliResult> => violinProcess(args, home.env)

  const stats = (host: number, vm: string) => pingStats(bed, host, vm)
  const agentHello = async (host: number) =>
    JSON.parse(await bed.exec(host, [process.execPath, join(ROOT, 'bin/run.js'), 'agent', 'status', '--json'])) as {
      pid: number
      switches: number[]
    }

  before(async function () {
    this.timeout(300_000)
    const why = await bedUnavailable()
    requireIntegration(this, 'test bed', () => why)
    bed = await startBed(2)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    for (const h of bed.hosts) {
      const r = await cli(
        hostAddArgs(bed, h, 'east', '--cpu-overcommit', '4', '--agent-command', `${process.execPath} ${join(ROOT, 'bin/run.js')}`),
      )
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })

  after(async function () {
    this.timeout(60_000)
    if (bed) await bed.down()
    home?.remove()
  })

  it('switch status with no environment networked says so', async () => {
    const r = await cli(['switch', 'status'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /No environment has a switch/)
  })

  it('env define with dataplane udp starts the agents, meshes the switches and plugs the guests in: they ping across hosts', async () => {
    const file = guestEnvFile(bed, join(home.dir, 'udp.yaml'), 'udp', 'udp', [
      '{name: udp-head, role: head, host: vbed1, cmdline: "ip4=10.97.0.1/24 ping=10.97.0.2"}',
      '{name: udp-c1, host: vbed2, cmdline: "ip4=10.97.0.2/24"}',
    ])
    const r = await cli(['env', 'define', '--file', file])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const info = (await cli(['env', 'info', 'udp', '--json'])).json
    assert.equal(info.network.dataplane, 'udp')
    for (const vm of info.vms) {
      const xml = await bed.virsh(bed.hosts.find((h) => h.name === vm.host)!.index, ['dumpxml', vm.name])
      assert.match(
        xml,
        /<interface type='udp'>[\s\S]*<source address='127\.0\.0\.1' port='2\d{4}'>[\s\S]*<local address='127\.0\.0\.1' port='2\d{4}'\/>/,
        xml,
      )
    }
    for (const i of [1, 2]) assert.deepEqual((await agentHello(i)).switches, [info.network.vni], `vbed${i}'s agent runs the switch`)
    const pings = await until(
      'pings answered across hosts',
      () => stats(1, 'udp-head'),
      (s) => s.received >= 5,
    )
    assert.equal(pings.lostStreakMax, 0)
  })

  it('status, fdb and usage --traffic read the agents over SSH', async () => {
    const status = await cli(['switch', 'status', 'udp', '--json'])
    assert.equal(status.exitCode, 0, status.stderr)
    const by = Object.fromEntries(status.json.hosts.map((h: {host: string}) => [h.host, h]))
    assert.deepEqual(by.vbed1.peers, ['10.232.0.2'])
    assert.deepEqual(by.vbed2.peers, ['10.232.0.1'])
    assert.ok(by.vbed1.members[0].silent_ms < 3500, 'the peer was heard from within 3.5 hellos')
    const head = by.vbed1.ports.find((p: {port: string}) => p.port === 'udp-head')
    assert.ok(head.frames_in >= 5 && head.frames_out >= 5, JSON.stringify(by.vbed1.ports))
    const all = await cli(['switch', 'status', '--json'])
    assert.deepEqual(
      all.json.environments.map((e: {env: string; hosts: unknown[]}) => [e.env, e.hosts.length]),
      [['udp', 2]],
      'without ENV: every environment with a switch',
    )
    const ports = await cli(['switch', 'status', '--ports', '--format', 'csv'])
    assert.match(ports.stdout, /^udp,vbed1,udp-head,vm,\d+,\d+,\d+,\d+$/m)
    assert.match(ports.stdout, /^udp,vbed1,10\.232\.0\.2,peer,/m)
    const fdb = await cli(['switch', 'fdb', 'udp', '--host', 'vbed1', '--json'])
    const entries = fdb.json.entries.map((e: {mac: string; local: boolean; via: string}) => `${e.local ? 'local' : 'peer'} ${e.via}`)
    assert.deepEqual(entries.sort(), ['local udp-head', 'peer 10.232.0.2'])
    const traffic = await cli(['usage', '--traffic', '--interval', '1', '--json'])
    assert.equal(traffic.exitCode, 0, traffic.stderr)
    const pair = traffic.json.pairs.find((p: {src_vm: string; dst_vm: string}) => p.src_vm === 'udp-head' && p.dst_vm === 'udp-c1')
    assert.ok(pair?.remote && pair.frames >= 5 && pair.bytes_per_second > 0, JSON.stringify(traffic.json.pairs))
  })

  it('adapt reads the traffic matrix for the IDC policy', async () => {
    const r = await cli(['adapt', '--once', '--dry-run', '--policy', 'idc', '--interval', '2', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.ok(
      r.json.seen.traffic_pairs >= 2,
      `udp-head <-> udp-c1 both ways: ${JSON.stringify(r.json.seen)} ${JSON.stringify(r.json.plan.notes)}`,
    )
    assert.deepEqual([r.json.seen.hosts, r.json.seen.vms], [2, 2])
  })

  it("keeps another environment with the same addresses apart: its pings to the first one's guest go unanswered", async () => {
    // the same address as udp-head, on the host where udp-c1 (10.97.0.2) runs
    const file = guestEnvFile(bed, join(home.dir, 'twin.yaml'), 'twin', 'udp', [
      '{name: twin-head, role: head, host: vbed2, cmdline: "ip4=10.97.0.1/24 ping=10.97.0.2"}',
    ])
    const r = await cli(['env', 'define', '--file', file])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const twinVni = (await cli(['env', 'info', 'twin', '--json'])).json.network.vni
    assert.deepEqual((await agentHello(2)).switches.length, 2, "vbed2's agent runs both environments' switches")
    const twin = await until(
      'twin-head has pinged for a while',
      () => stats(2, 'twin-head'),
      (s) => s.sent >= 10,
    )
    assert.equal(twin.received, 0, `10.97.0.2 exists only in environment udp: ${JSON.stringify(twin)}`)
    const ours = (await stats(1, 'udp-head'))!
    await until(
      'udp-head still answered',
      () => stats(1, 'udp-head'),
      (s) => s.received >= ours.received + 5,
    )
    assert.equal((await cli(['env', 'undefine', 'twin', '--yes'])).exitCode, 0)
    assert.ok(!(await agentHello(2)).switches.includes(twinVni), "twin's switch is gone with it")
  })

  it('keeps the guests pinging while one live-migrates to the other host and back; the switch follows the VM', async () => {
    const vni = (await cli(['env', 'info', 'udp', '--json'])).json.network.vni
    const first = (await stats(1, 'udp-head'))!
    const there = await cli(['migrate', 'udp-c1', 'vbed1', '--live'])
    assert.equal(there.exitCode, 0, there.stderr)
    assert.deepEqual((await agentHello(2)).switches, [], 'vbed2 has no VM of udp left: its switch is gone')
    const after1 = await until(
      'pings answered again',
      () => stats(1, 'udp-head'),
      (s) => s.received >= first.received + 10,
    )
    const back = await cli(['migrate', 'udp-c1', 'vbed2', '--live'])
    assert.equal(back.exitCode, 0, back.stderr)
    assert.deepEqual((await agentHello(2)).switches, [vni])
    const after2 = await until(
      'pings answered after moving back',
      () => stats(1, 'udp-head'),
      (s) => s.received >= after1.received + 10,
    )
    console.log(
      `      udp data plane, ping every 200 ms across two live migrations: ${after2.sent} sent, ${after2.received} answered, longest outage ${after2.lostStreakMax * 200} ms`,
    )
    assert.ok(after2.lostStreakMax <= 25, `an outage of ${after2.lostStreakMax} pings (x 200 ms)`)
  })

  it('switch stop takes the switch out of every agent', async () => {
    const stop = await cli(['switch', 'stop', 'udp'])
    assert.equal(stop.exitCode, 0, stop.stderr)
    for (const i of [1, 2]) assert.deepEqual((await agentHello(i)).switches, [])
    assert.equal((await cli(['env', 'info', 'udp', '--json'])).json.network.stopped, true)
  })

  it('after switch stop, switch start --dataplane vxlan moves the NICs to the kernel plane once the guests are off, and they ping over it', async () => {
    const vni = (await cli(['env', 'info', 'udp', '--json'])).json.network.vni
    const running = await cli(['switch', 'start', 'udp', '--dataplane', 'vxlan'])
    assert.equal(running.exitCode, 2, running.stderr)
    assert.match(running.stderr, /NICs for the udp data plane, and a NIC cannot change data plane while its VM runs: udp-head is running/)
    assert.match(running.stderr, /Try: violin env shutdown udp --wait && violin switch start udp --dataplane vxlan && violin env start udp/)
    assert.doesNotMatch(running.stderr, /switch stop udp first/)
    const down = await cli(['env', 'shutdown', 'udp', '--wait', '--timeout', '120'])
    assert.equal(down.exitCode, 0, down.stderr)
    const start = await cli(['switch', 'start', 'udp', '--dataplane', 'vxlan', '--json'])
    assert.equal(start.exitCode, 0, start.stderr)
    assert.deepEqual([start.json.vni, start.json.dataplane, [...start.json.replugged].sort()], [vni, 'vxlan', ['udp-c1', 'udp-head']])
    const xml = await bed.virsh(1, ['dumpxml', 'udp-head'])
    assert.match(xml, new RegExp(`<interface type='bridge'>[\\s\\S]*<source bridge='vbr${vni}'/>`), xml)
    const before = (await bed.consoleOf(1, 'udp-head')).length
    const up = await cli(['env', 'start', 'udp'])
    assert.equal(up.exitCode, 0, up.stderr)
    await until(
      'udp-head pings udp-c1 over VXLAN after its restart',
      async () =>
        /sent=\d+ received=(\d+)/.exec(
          (await bed.consoleOf(1, 'udp-head'))
            .slice(before)
            .split('\n')
            .filter((l) => l.startsWith('PING-STATS'))
            .at(-1) ?? '',
        )?.[1],
      (received) => Number(received) >= 5,
    )
  })

  it('env undefine leaves nothing', async () => {
    const destroy = await cli(['env', 'undefine', 'udp', '--yes'])
    assert.equal(destroy.exitCode, 0, destroy.stderr)
    assert.deepEqual((await cli(['env', 'list', '--json'])).json.environments, [])
  })
})
