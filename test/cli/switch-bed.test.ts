import {strict as assert} from 'node:assert'

import {type Bed, bedUnavailable, startBed} from '../helpers/bed.js'
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
      const r = await cli(['host', 'add', h.name, '--ssh', `root@${h.address}`, '--identity', bed.key, '--site', 'east', '--driver', 'libvirt', '--domain-type', 'qemu', '--cpu-overcommit', '4'])
      assert.equal(r.exitCode, 0, r.stderr)
    }
    const env = await cli(['env', 'create', 'net', '--vms', '2', '--kernel', bed.guest.kernel, '--initrd', bed.guest.initrd, '--no-start', '--json'])
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
    const a = await lab!.vethVm({name: 'a', hostNs: 'vbed1', bridge: 'vbr1000', port: 'va', cidr: '10.99.0.1/24', mac: '52:54:00:99:00:01', mtu: 1450})
    await lab!.vethVm({name: 'b', hostNs: 'vbed2', bridge: 'vbr1000', port: 'vb', cidr: '10.99.0.2/24', mac: '52:54:00:99:00:02', mtu: 1450})
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
    assert.ok(by.vbed1.txPackets >= 3 && by.vbed1.rxPackets >= 3, JSON.stringify(by.vbed1))
    const fdb = await cli(['switch', 'fdb', 'net', '--host', 'vbed1', '--json'])
    const entries = fdb.json.entries.map((e: {mac: string; local: boolean; via: string}) => `${e.mac} ${e.local ? 'local' : 'peer'} ${e.via}`)
    assert.ok(entries.includes('52:54:00:99:00:01 local va'), entries.join('\n'))
    assert.ok(entries.includes('52:54:00:99:00:02 peer 10.232.0.2'), entries.join('\n'))
  })

  it('start again changes nothing; another environment gets the next VNI', async () => {
    const again = await cli(['switch', 'start', 'net', '--json'])
    for (const h of again.json.hosts) assert.deepEqual([h.created, h.added, h.removed], [false, [], []])
    const other = await cli(['env', 'create', 'net2', '--vms', '1', '--kernel', bed.guest.kernel, '--no-start', '--host', 'vbed1'])
    assert.equal(other.exitCode, 0, other.stderr)
    const start2 = await cli(['switch', 'start', 'net2', '--json'])
    assert.equal(start2.json.vni, 1001)
    assert.deepEqual(start2.json.hosts.map((h: {host: string; added: string[]}) => [h.host, h.added]), [['vbed1', []]])
  })

  it('env create --dataplane vxlan starts the switch before the VMs and puts their NICs on it; destroy takes it down', async () => {
    const r = await cli(['env', 'create', 'web', '--vms', '2', '--kernel', bed.guest.kernel, '--no-start', '--dataplane', 'vxlan', '--json'])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const info = await cli(['env', 'info', 'web', '--json'])
    assert.deepEqual(info.json.network, {vni: 1002, dataplane: 'vxlan'})
    for (const vm of info.json.vms) {
      const xml = await bed.virsh(bed.hosts.find((h) => h.name === vm.host)!.index, ['dumpxml', vm.name])
      assert.match(xml, /<interface type='bridge'>[\s\S]*<source bridge='vbr1002'\/>[\s\S]*<mtu size='1450'\/>/)
      assert.match(xml, new RegExp(`<mac address='${vm.mac}'/>`))
    }
    for (const h of bed.hosts) assert.match(await bed.exec(h.index, ['ip', '-o', 'link', 'show']), /\bvx1002\b/, h.name)
    const destroy = await cli(['env', 'destroy', 'web', '--yes'])
    assert.equal(destroy.exitCode, 0, destroy.stderr)
    for (const h of bed.hosts) assert.doesNotMatch(await bed.exec(h.index, ['ip', '-o', 'link', 'show']), /\b(vx1002|vbr1002)\b/, h.name)
  })

  it('stop removes the bridge and the VXLAN device from every host', async () => {
    const r = await cli(['switch', 'stop', 'net'])
    assert.equal(r.exitCode, 0, r.stderr)
    for (const h of bed.hosts) {
      const links = await bed.exec(h.index, ['ip', '-o', 'link', 'show'])
      assert.doesNotMatch(links, /\b(vbr1000|vx1000)\b/, h.name)
    }
    assert.match(await bed.exec(1, ['ip', '-o', 'link', 'show']), /\bvx1001\b/, "net2's switch is untouched")
  })
})
