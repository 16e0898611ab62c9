/**
 * The test bed itself (test/bed/README.md): two hosts, their daemons, ssh both ways, the
 * private /var/lib/violin, a tiny guest booting, a live migration between the hosts,
 * and a clean teardown. Needs root and the packages listed by bedUnavailable().
 */
import {strict as assert} from 'node:assert'
import {readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'

import {type Bed, bedUnavailable, startBed} from './helpers/bed.js'
import {requireIntegration} from './helpers/integration.js'

const VM = 'bedtest1'

/** Transient QEMU/TCG domain: direct kernel boot, serial console to the host's private dir. */
function tinyDomainXml(bed: Bed, name: string, workload: string): string {
  const log = `/var/lib/violin/console/${name}.log`
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <currentMemory unit='MiB'>256</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>${bed.guest.kernel}</kernel>
    <initrd>${bed.guest.initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 wl=${workload}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <serial type='file'><source path='${log}' append='on'/></serial>
    <console type='file'><source path='${log}' append='on'/><target type='serial' port='0'/></console>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>
`
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const note = (text: string): void => console.log(`        ${text}`)

/** PIDs of live processes in the given network namespaces (zombies count as gone). */
function processesIn(netnsInodes: Set<string>): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!netnsInodes.has(readlinkSync(`/proc/${entry}/ns/net`))) continue
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') pids.push(Number(entry))
    } catch {}
  }
  return pids
}

/** Live processes whose command line names the bed directory (sshd -f, holder, qemu -kernel...). */
function processesNaming(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (cmdline.includes(dir) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(`${entry}: ${cmdline}`)
    } catch {}
  }
  return found
}

describe('test bed: 2 hosts with libvirtd, sshd, a tiny guest and live migration', () => {
  let bed: Bed | undefined
  const theBed = (): Bed => {
    if (!bed) throw new Error('the bed did not start')
    return bed
  }

  before(async function () {
    this.timeout(600_000) // the first run downloads and unpacks the guest kernel
    const reason = await bedUnavailable()
    requireIntegration(this, 'test bed', () => reason)
    const started = Date.now()
    bed = await startBed(2)
    note(`guest build (cached) + up 2 hosts: ${seconds(Date.now() - started)}`)
  })

  after(async function () {
    this.timeout(120_000)
    await bed?.down()
  })

  it('writes hosts.json, the client key and known_hosts', () => {
    const b = theBed()
    assert.deepEqual(b.hosts, [
      {name: 'vbed1', address: '10.232.0.1', index: 1},
      {name: 'vbed2', address: '10.232.0.2', index: 2},
    ])
    assert.deepEqual(JSON.parse(readFileSync(join(b.dir, 'hosts.json'), 'utf8')), b.hosts)
    const known = readFileSync(b.knownHosts, 'utf8').trim().split('\n')
    assert.equal(known.length, 2)
    for (const [i, line] of known.entries()) assert.match(line, new RegExp(`^10\\.232\\.0\\.${i + 1} ssh-ed25519 AAAA\\S+$`))
    assert.notEqual(known[0]?.split(' ')[2], known[1]?.split(' ')[2], 'every host has its own host key')
    assert.match(readFileSync(b.key, 'utf8'), /BEGIN OPENSSH PRIVATE KEY/)
  })

  it('every libvirtd answers with its own hostname and host UUID', async function () {
    this.timeout(30_000)
    const b = theBed()
    const uuids = new Set<string>()
    for (const host of b.hosts) {
      assert.equal((await b.exec(host.index, ['hostname'])).trim(), host.name)
      assert.equal((await b.virsh(host.index, ['hostname'])).trim(), host.name)
      const caps = await b.virsh(host.index, ['capabilities'])
      const uuid = /<uuid>([^<]+)<\/uuid>/.exec(caps)?.[1]
      assert.ok(uuid, 'capabilities name the host UUID')
      uuids.add(uuid)
    }
    assert.equal(uuids.size, b.hosts.length, 'host UUIDs differ (else libvirt refuses to migrate)')
  })

  it('the client key and known_hosts reach every sshd, and the hosts reach each other', async function () {
    this.timeout(60_000)
    const b = theBed()
    for (const host of b.hosts) {
      const {stdout} = await execa('ssh', [
        '-i',
        b.key,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${b.knownHosts}`,
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=5',
        `root@${host.address}`,
        'hostname',
      ])
      assert.equal(stdout.trim(), host.name)
    }
    // host to host, by name and by address, as libvirt's qemu+ssh transport does
    assert.equal((await b.exec(1, ['ssh', 'root@vbed2', 'hostname'])).trim(), 'vbed2')
    assert.equal((await b.exec(2, ['ssh', 'root@10.232.0.1', 'hostname'])).trim(), 'vbed1')
  })

  it('/var/lib/violin is private to each host', async function () {
    this.timeout(30_000)
    const b = theBed()
    for (const host of b.hosts) {
      assert.deepEqual((await b.exec(host.index, ['ls', '/var/lib/violin'])).trim().split('\n').sort(), ['console', 'images'])
    }
    await b.exec(1, ['sh', '-c', 'echo from-vbed1 > /var/lib/violin/images/probe'])
    assert.equal(readFileSync(join(b.dir, 'h1', 'violin', 'images', 'probe'), 'utf8'), 'from-vbed1\n')
    assert.equal((await b.exec(2, ['sh', '-c', 'test -e /var/lib/violin/images/probe && echo yes || echo no'])).trim(), 'no')
    await b.exec(1, ['rm', '/var/lib/violin/images/probe'])
  })

  it('boots a tiny guest to GUEST-READY within 60 s', async function () {
    this.timeout(90_000)
    const b = theBed()
    const xml = join(b.dir, `${VM}.xml`)
    writeFileSync(xml, tinyDomainXml(b, VM, 'dirty:16:4'))
    const started = Date.now()
    try {
      await b.virsh(1, ['create', xml])
    } finally {
      rmSync(xml, {force: true})
    }
    const ready = await waitFor('GUEST-READY on the console', 60_000, async () =>
      // whole lines only: the guest may be half-way through writing the last one
      (await b.consoleOf(1, VM))
        .split('\n')
        .slice(0, -1)
        .find((line) => line.startsWith('GUEST-READY')),
    )
    note(`guest boot (virsh create -> GUEST-READY): ${seconds(Date.now() - started)}`)
    assert.match(ready, /balloon=yes/)
    assert.match(await b.virsh(1, ['domstate', VM]), /running/)
    // the balloon driver reports stats every second
    await waitFor('balloon stats', 15_000, async () =>
      /balloon\.available=\d+/.test(await b.virsh(1, ['domstats', '--balloon', VM])) ? true : undefined,
    )
  })

  it('live-migrates the guest from vbed1 to vbed2 over qemu+ssh', async function () {
    this.timeout(120_000)
    const b = theBed()
    // the dirty workload has printed at least one report before we move it
    await waitFor('a dirty report', 15_000, async () => (/dirty: [\d.]+ MB\/s/.test(await b.consoleOf(1, VM)) ? true : undefined))
    const started = Date.now()
    await b.exec(1, [
      'virsh',
      '-c',
      'qemu:///system',
      'migrate',
      '--live',
      '--persistent',
      '--undefinesource',
      VM,
      'qemu+ssh://root@10.232.0.2/system',
    ])
    note(`virsh migrate --live (256 MiB, dirtying 4 MB/s): ${seconds(Date.now() - started)}`)
    assert.match(await b.virsh(2, ['domstate', VM]), /running/)
    assert.doesNotMatch(await b.virsh(1, ['list', '--all', '--name']), new RegExp(`\\b${VM}\\b`))
    // the guest keeps running on vbed2: its console there (vbed2's own /var/lib/violin) grows
    const line = await waitFor('guest output on vbed2', 30_000, async () =>
      (await b.consoleOf(2, VM)).split('\n').find((l) => /^dirty: [\d.]+ MB\/s mismatches=\d+/.test(l)),
    )
    assert.match(line, /mismatches=0/)
    const consoles = (await b.consoleOf(1, VM)) + (await b.consoleOf(2, VM))
    assert.doesNotMatch(consoles, /DIRTY-MISMATCH|Kernel panic/)
  })

  it('down leaves no namespace, no root veth and no bed process', async function () {
    this.timeout(120_000)
    const b = theBed()
    const inodes = new Set<string>()
    for (const ns of ['vbed-sw', ...b.hosts.map((h) => h.name)]) {
      const {stdout} = await execa('stat', ['-Lc', '%i', `/run/netns/${ns}`])
      inodes.add(`net:[${stdout.trim()}]`)
    }
    const before = processesIn(inodes)
    assert.ok(before.length >= 7, `bed processes before down: ${before.join(' ')}`) // 2 x (holder, virtlogd, libvirtd, sshd) + qemu

    const started = Date.now()
    await b.down()
    note(`down: ${seconds(Date.now() - started)}`)

    const {stdout: namespaces} = await execa('ip', ['netns', 'list'])
    assert.doesNotMatch(namespaces, /^vbed/m)
    assert.equal((await execa('ip', ['link', 'show', 'vbed-root'], {reject: false})).exitCode !== 0, true, 'vbed-root is gone')
    assert.deepEqual(processesIn(inodes), [])
    const alive = before.filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
      } catch {
        return false
      }
    })
    assert.deepEqual(alive, [])
    assert.deepEqual(processesNaming(b.dir), [])
    const {stdout: cgroups} = await execa('sh', ['-c', 'ls -d /sys/fs/cgroup/*/vbed* /sys/fs/cgroup/vbed* 2>/dev/null || true'])
    assert.equal(cgroups.trim(), '')
    await b.down() // idempotent
  })
})
