import assert from 'node:assert/strict'

import {
  migrationStateOf,
  parseDominfo,
  parseDomstats,
  parseJobinfo,
  parseListIds,
  parseNodeinfo,
  parseNodememstats,
  parseSchedinfo,
  parseVersion,
  splitBatch,
  vcpuWaitNs,
} from '../../src/hypervisor/libvirt/parse.js'
import {migrationUri} from '../../src/hypervisor/libvirt/uri.js'
import {fixture} from '../helpers/fixtures.js'

describe('virsh output parsers', () => {
  it("reads a QEMU guest's dominfo: state, vCPUs, memory in MiB, CPU seconds", () => {
    const info = parseDominfo(fixture('virsh', 'qemu-dominfo.txt'))
    assert.equal(info.name, 'tiny1')
    assert.equal(info.id, 1)
    assert.equal(info.state, 'running')
    assert.equal(info.vcpus, 1)
    assert.equal(info.maxMemoryMiB, 512)
    assert.equal(info.memoryMiB, 256)
    assert.equal(info.cpuTimeSec, 4.6)
    assert.equal(info.persistent, true)
  })

  it('reads every counter of domstats --raw, keyed by domain name', () => {
    const stats = parseDomstats(fixture('virsh', 'qemu-domstats.txt')).get('tiny1')
    assert.ok(stats)
    assert.equal(stats['cpu.time'], '4649623000')
    assert.equal(stats['balloon.current'], '262144')
    assert.equal(stats['dirtyrate.calc_mode'], 'page-sampling')
  })

  it("reads a guest's memory in use from its balloon and its dirty rate once measured, never a rate still being measured", () => {
    const stats = parseDomstats(fixture('virsh', 'qemu-domstats-balloon-dirtyrate.txt'))
    const of = (name: string) => migrationStateOf(stats.get(name)!)
    // available - unused, as the guest reports it: 210880 - 181436 KiB
    assert.deepEqual(of('gidle'), {measuring: false, usedMiB: (210880 - 181436) / 1024, usedFrom: 'guest', dirtyRateMiBs: 0})
    assert.equal(of('gh8').usedMiB, (210880 - 51300) / 1024)
    assert.equal(of('gq32').dirtyRateMiBs, 38)
    assert.equal(of('gh8').dirtyRateMiBs, 8)
    // Still measuring: no rate yet, and it says so.
    assert.equal(of('gq8').measuring, true)
    assert.equal(of('gq8').dirtyRateMiBs, undefined)
  })

  it("takes QEMU's resident set, at most the guest's size, when the guest reports no memory use", () => {
    const raw = {'balloon.current': '262144', 'balloon.rss': '296060'}
    assert.deepEqual(migrationStateOf(raw), {measuring: false, usedMiB: 256, usedFrom: 'resident'})
    assert.deepEqual(migrationStateOf({'balloon.current': '262144', 'balloon.rss': '102400'}).usedMiB, 100)
    assert.deepEqual(migrationStateOf({'state.state': '1'}), {measuring: false})
  })

  it("takes a QEMU guest's steal (vcpu.N.delay) as the time it waited for a core, and Xen's vcpu.N.wait otherwise", () => {
    const stats = parseDomstats(fixture('virsh', 'qemu-domstats.txt')).get('tiny1')!
    assert.deepEqual(vcpuWaitNs(stats), {cpuWaitNs: 245565314})
    assert.deepEqual(vcpuWaitNs({'vcpu.current': '2', 'vcpu.maximum': '2', 'vcpu.0.wait': '7', 'vcpu.1.wait': '5'}), {cpuWaitNs: 12})
    // QEMU without delay (libvirt before 7.9) reports wait=0: unknown, not "never waited".
    assert.deepEqual(vcpuWaitNs({'vcpu.current': '1', 'vcpu.0.wait': '0'}), {})
  })

  it('keeps quotes and spaces inside domain names', () => {
    const stats = parseDomstats("Domain: 'it's a vm'\n  state.state=1\n")
    assert.deepEqual([...stats.keys()], ["it's a vm"])
  })

  it('splits one batched virsh run into its commands, empty where a command failed', () => {
    const parts = splitBatch(fixture('virsh', 'testdrv-sample-batch.txt'))
    assert.deepEqual([...parts.keys()], ['node', 'mem', 'version', 'list', 'stats'])
    assert.equal(parseNodeinfo(parts.get('node')!).cores, 16)
    assert.equal(parseNodeinfo(parts.get('node')!).memoryMiB, 3072)
    assert.deepEqual(parseNodememstats(parts.get('mem')!), {freeMiB: undefined, totalMiB: undefined})
    assert.deepEqual([...parseListIds(parts.get('list')!)], [['test', 1]])
    assert.equal(parseVersion(parts.get('version')!).hypervisor, 'test')
  })

  it("reads a host's free memory from nodememstats", () => {
    assert.equal(Math.round(parseNodememstats(fixture('virsh', 'qemu-nodememstats.txt')).freeMiB!), 22720)
  })

  it('reads the posix scheduler of QEMU and the fair scheduler of the test driver', () => {
    assert.equal(parseSchedinfo(fixture('virsh', 'qemu-schedinfo.txt')).cpu_shares, 1024)
    assert.equal(parseSchedinfo(fixture('virsh', 'qemu-schedinfo.txt')).scheduler, 'posix')
    assert.deepEqual(parseSchedinfo(fixture('virsh', 'testdrv-schedinfo.txt')), {scheduler: 'fair', weight: 50})
  })

  it('reads what a finished live migration measured', () => {
    const job = parseJobinfo(fixture('virsh', 'qemu-domjobinfo-completed.txt'))
    assert.equal(job.totalMs, 1107)
    assert.equal(job.downtimeMs, 66)
    assert.equal(job.dataBytes, 67_982_822)
    assert.equal(job.iterations, 3)
  })

  it('reads Ids from list --all, skipping shut-off domains', () => {
    const ids = parseListIds(' Id   Name       State\n---------------------------\n 1    web1       running\n -    stopped1   shut off\n')
    assert.deepEqual([...ids], [['web1', 1]])
  })
})

describe('migration URIs', () => {
  it('turns a local qemu URI into qemu+ssh to the destination host', () => {
    assert.equal(migrationUri('qemu:///system', {user: 'root', address: '10.0.0.2', port: 2222}), 'qemu+ssh://root@10.0.0.2:2222/system')
    assert.equal(migrationUri('qemu:///system', {user: 'root', address: 'h2', port: 22}), 'qemu+ssh://root@h2/system')
  })

  it('keeps a URI that already names its host', () => {
    assert.equal(migrationUri('qemu+tls://h2/system', {user: 'root', address: 'h2', port: 22}), 'qemu+tls://h2/system')
  })
})
