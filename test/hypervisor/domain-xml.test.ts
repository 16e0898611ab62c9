import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import {domainXml} from '../../src/hypervisor/libvirt/domain-xml.js'
import type {VmSpec} from '../../src/hypervisor/vm-spec.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

const base: VmSpec = {name: 'lab-c1', vcpus: 2, memoryMiB: 512, maxMemoryMiB: 1024, mac: '52:54:00:0a:1b:2c'}

/** The text of every `<tag>…</tag>` (no attributes) in the document, entities left as they are. */
const elements = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1])

/** libvirt serialises with exactly these five entities (see the xpath check below). */
const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"})[e]!)

/**
 * Defines the document in libvirt's test driver and returns its `dumpxml --inactive`: one
 * virsh process, since the test driver forgets everything when virsh exits. The XML goes
 * through a file: virsh cannot open /dev/stdin when stdin is the socket Node gives it.
 */
async function roundTrip(xml: string, name: string, extra = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'violin-domxml-'))
  try {
    const file = join(dir, 'domain.xml')
    await writeFile(file, xml)
    const {stdout} = await execa('virsh', ['-c', 'test:///default', `define ${file}; dumpxml ${name} --inactive${extra}`])
    return stdout
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

describe('libvirt domain XML', () => {
  it("declares the domain type asked for: 'kvm' with the host's CPU model", () => {
    const xml = domainXml(base, 'kvm')
    assert.match(xml, /^<domain type='kvm'>/)
    assert.match(xml, /<cpu mode='host-model'\/>/)
    assert.doesNotMatch(xml, /qemu64/)
  })

  it("declares 'qemu' (TCG) with the portable qemu64 CPU, and no host-model", () => {
    const xml = domainXml(base, 'qemu')
    assert.match(xml, /^<domain type='qemu'>/)
    assert.match(xml, /<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64<\/model><\/cpu>/)
    assert.doesNotMatch(xml, /host-model/)
  })

  it('gives name, vCPUs and memory in MiB (max as memory, current as currentMemory)', () => {
    const xml = domainXml(base, 'kvm')
    assert.deepEqual(elements(xml, 'name'), ['lab-c1'])
    assert.match(xml, /<vcpu placement='static'>2<\/vcpu>/)
    assert.match(xml, /<memory unit='MiB'>1024<\/memory>/)
    assert.match(xml, /<currentMemory unit='MiB'>512<\/currentMemory>/)
  })

  it('raises the maximum to the memory when it is given lower', () => {
    const xml = domainXml({...base, memoryMiB: 768, maxMemoryMiB: 256}, 'kvm')
    assert.match(xml, /<memory unit='MiB'>768<\/memory>/)
    assert.match(xml, /<currentMemory unit='MiB'>768<\/currentMemory>/)
  })

  it('writes whole MiB', () => {
    const xml = domainXml({...base, memoryMiB: 300.4, maxMemoryMiB: 511.6}, 'kvm')
    assert.match(xml, /<memory unit='MiB'>512<\/memory>/)
    assert.match(xml, /<currentMemory unit='MiB'>300<\/currentMemory>/)
  })

  it('boots the kernel, initrd and command line given, and not from the disk', () => {
    const xml = domainXml({...base, boot: {kernel: '/srv/vmlinuz', initrd: '/srv/initrd.gz', cmdline: 'console=ttyS0 quiet'}}, 'kvm')
    assert.deepEqual(elements(xml, 'kernel'), ['/srv/vmlinuz'])
    assert.deepEqual(elements(xml, 'initrd'), ['/srv/initrd.gz'])
    assert.deepEqual(elements(xml, 'cmdline'), ['console=ttyS0 quiet'])
    assert.doesNotMatch(xml, /<boot /)
  })

  it('leaves out initrd and cmdline when the boot has none', () => {
    const xml = domainXml({...base, boot: {kernel: '/srv/vmlinuz'}}, 'kvm')
    assert.deepEqual(elements(xml, 'kernel'), ['/srv/vmlinuz'])
    assert.doesNotMatch(xml, /<initrd|<cmdline/)
  })

  it('boots from the disk when no kernel is given', () => {
    const xml = domainXml({...base, disk: {path: '/var/lib/violin/images/deb.img', mode: 'shared', format: 'raw'}}, 'kvm')
    assert.match(xml, /<boot dev='hd'\/>/)
    assert.doesNotMatch(xml, /<kernel|<initrd|<cmdline/)
  })

  it('attaches a shared image read-only and shareable', () => {
    const xml = domainXml({...base, disk: {path: '/var/lib/violin/images/deb.img', mode: 'shared', format: 'raw'}}, 'kvm')
    const disk = /<disk type='file' device='disk'>[\s\S]*?<\/disk>/.exec(xml)?.[0]
    assert.ok(disk, xml)
    assert.match(disk, /<source file='\/var\/lib\/violin\/images\/deb.img'\/>/)
    assert.match(disk, /<driver name='qemu' type='raw'\/>/)
    assert.match(disk, /<readonly\/>/)
    assert.match(disk, /<shareable\/>/)
  })

  it('attaches a private disk writable and not shareable, in its format', () => {
    const xml = domainXml({...base, disk: {path: '/var/lib/violin/disks/lab-c1.qcow2', mode: 'private', format: 'qcow2'}}, 'kvm')
    assert.match(xml, /<driver name='qemu' type='qcow2'\/>/)
    assert.match(xml, /<source file='\/var\/lib\/violin\/disks\/lab-c1.qcow2'\/>/)
    assert.doesNotMatch(xml, /<readonly|<shareable/)
  })

  it('has no disk when none is given', () => {
    assert.doesNotMatch(domainXml(base, 'kvm'), /<disk/)
  })

  it('gives the interface its MAC', () => {
    assert.match(domainXml(base, 'kvm'), /<interface type='ethernet'>\s*<mac address='52:54:00:0a:1b:2c'\/>/)
  })

  it("plugs the NIC into the environment's bridge with its MTU (kernel data plane)", () => {
    assert.match(
      domainXml({...base, nic: {kind: 'bridge', bridge: 'vbr1000', mtu: 1450}}, 'kvm'),
      /<interface type='bridge'>\s*<source bridge='vbr1000'\/>\s*<mac address='52:54:00:0a:1b:2c'\/>\s*<model type='virtio'\/>\s*<mtu size='1450'\/>/,
    )
  })

  it('gives the NIC a UDP socket pair with the agent, and no MTU (udp data plane)', () => {
    const xml = domainXml(
      {...base, nic: {kind: 'udp', source: {address: '127.0.0.1', port: 20000}, local: {address: '127.0.0.1', port: 20001}}},
      'kvm',
    )
    assert.match(
      xml,
      /<interface type='udp'>\s*<source address='127\.0\.0\.1' port='20000'>\s*<local address='127\.0\.0\.1' port='20001'\/>\s*<\/source>/,
    )
    assert.doesNotMatch(xml, /<mtu/)
  })

  it('logs serial and console to the log file, appending, when consoleLog is given, on a pty violin console can attach to', () => {
    const xml = domainXml({...base, consoleLog: '/var/lib/violin/console/lab-c1.log'}, 'kvm')
    assert.match(xml, /<serial type='pty'><log file='\/var\/lib\/violin\/console\/lab-c1.log' append='on'\/><\/serial>/)
    assert.match(
      xml,
      /<console type='pty'><log file='\/var\/lib\/violin\/console\/lab-c1.log' append='on'\/><target type='serial' port='0'\/><\/console>/,
    )
    assert.doesNotMatch(xml, /type='file'/)
  })

  it('uses a pty for serial and console otherwise', () => {
    const xml = domainXml(base, 'kvm')
    assert.match(xml, /<serial type='pty'\/>/)
    assert.match(xml, /<console type='pty'>/)
    assert.doesNotMatch(xml, /type='file'><source path=|append=/)
  })

  it('sets cpu shares only when a weight is given', () => {
    assert.doesNotMatch(domainXml(base, 'kvm'), /cputune|shares/)
    assert.match(domainXml({...base, cpuWeight: 512}, 'kvm'), /<cputune><shares>512<\/shares><\/cputune>/)
  })

  it('escapes & < > \' " in paths and the command line', () => {
    const hostile = `/srv/a&b<c>'d"e`
    const xml = domainXml(
      {
        ...base,
        boot: {kernel: hostile, initrd: hostile, cmdline: `x="1" y='2' z<3 & w>4`},
        disk: {path: hostile, mode: 'shared', format: 'raw'},
        consoleLog: hostile,
      },
      'kvm',
    )
    const escaped = '/srv/a&amp;b&lt;c&gt;&apos;d&quot;e'
    assert.deepEqual(elements(xml, 'kernel'), [escaped])
    assert.deepEqual(elements(xml, 'initrd'), [escaped])
    assert.deepEqual(elements(xml, 'cmdline'), ['x=&quot;1&quot; y=&apos;2&apos; z&lt;3 &amp; w&gt;4'])
    assert.ok(xml.includes(`<source file='${escaped}'/>`))
    assert.equal(xml.split(`<log file='${escaped}' append='on'/>`).length, 3)
    assert.ok(!xml.includes(hostile))
  })

  it('refuses names that are not VM names', () => {
    for (const name of ['', '-lead', 'a b', 'a/b', "it's", 'a<b', 'x'.repeat(64)]) {
      assert.throws(() => domainXml({...base, name}, 'kvm'), /is not a VM name/, JSON.stringify(name))
    }
    assert.doesNotThrow(() => domainXml({...base, name: 'x'.repeat(63)}, 'kvm'))
  })

  it('refuses MACs that are not six lower-case colon-separated bytes', () => {
    for (const mac of [
      '',
      '52:54:00:0A:1B:2C',
      '52-54-00-0a-1b-2c',
      '52:54:00:0a:1b',
      '52:54:00:0a:1b:2c:3d',
      '52:54:00:0a:1b:2g',
      "52:54:00:0a:1b:2c'/><x",
    ]) {
      assert.throws(() => domainXml({...base, mac}, 'kvm'), /is not a MAC address/, JSON.stringify(mac))
    }
  })
})

describe('libvirt domain XML, read back by libvirt (test driver)', () => {
  before(function () {
    requireIntegration(this, 'virsh', virshUnavailable)
  })

  const full: VmSpec = {
    ...base,
    name: 'lab-head',
    vcpus: 3,
    memoryMiB: 384,
    maxMemoryMiB: 768,
    mac: '52:54:00:de:ad:01',
    boot: {kernel: '/srv/boot/vmlinuz-6.1', initrd: '/srv/boot/initrd.img-6.1', cmdline: 'console=ttyS0 root=/dev/vda ro'},
    disk: {path: '/var/lib/violin/images/debian.img', mode: 'shared', format: 'raw'},
    consoleLog: '/var/lib/violin/console/lab-head.log',
    cpuWeight: 256,
  }

  for (const type of ['qemu', 'kvm'] as const) {
    it(`is accepted as a ${type} domain, and libvirt reads back what was meant`, async () => {
      const out = await roundTrip(domainXml(full, type), 'lab-head')
      assert.match(out, new RegExp(`<domain type='${type}'>`))
      assert.deepEqual(elements(out, 'name'), ['lab-head'])
      assert.match(out, /<memory unit='KiB'>786432<\/memory>/)
      assert.match(out, /<currentMemory unit='KiB'>393216<\/currentMemory>/)
      assert.match(out, /<vcpu placement='static'>3<\/vcpu>/)
      assert.match(out, /<mac address='52:54:00:de:ad:01'\/>/)
      assert.deepEqual(elements(out, 'kernel'), ['/srv/boot/vmlinuz-6.1'])
      assert.deepEqual(elements(out, 'initrd'), ['/srv/boot/initrd.img-6.1'])
      assert.deepEqual(elements(out, 'cmdline'), ['console=ttyS0 root=/dev/vda ro'])
      assert.match(out, /<source file='\/var\/lib\/violin\/images\/debian.img'\/>/)
      assert.match(out, /<shares>256<\/shares>/)
      assert.match(out, /<log file='\/var\/lib\/violin\/console\/lab-head.log' append='on'\/>/)
      assert.match(out, /<on_reboot>destroy<\/on_reboot>/)
    })
  }

  it('is read back with exactly the hostile path and command line it was given', async () => {
    const path = `/srv/it's a "test" & <more>/disk.img`
    const kernel = `/srv/k&<'">/vmlinuz`
    const cmdline = `console=ttyS0 msg="a & b" x='<y>'`
    const xml = domainXml(
      {...base, name: 'hostile', boot: {kernel, cmdline}, disk: {path, mode: 'shared', format: 'raw'}, consoleLog: `/log/&'<>".log`},
      'qemu',
    )
    const out = await roundTrip(xml, 'hostile', '; domblklist hostile --details')
    // domblklist prints the path as libvirt holds it, unescaped
    assert.match(out, new RegExp(`^ file +disk +vda +${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
    assert.deepEqual(
      elements(out, 'kernel').map((k) => unescapeXml(k!)),
      [kernel],
    )
    assert.deepEqual(
      elements(out, 'cmdline').map((c) => unescapeXml(c!)),
      [cmdline],
    )
    const consolePaths = [...out.matchAll(/<log file='([^']*)' append='on'\/>/g)].map((m) => unescapeXml(m[1]!))
    assert.deepEqual(consolePaths, [`/log/&'<>".log`, `/log/&'<>".log`])
  })

  it('holds a UDP interface as violin wrote it', async () => {
    const out = await roundTrip(
      domainXml(
        {...base, nic: {kind: 'udp', source: {address: '127.0.0.1', port: 20000}, local: {address: '127.0.0.1', port: 20001}}},
        'qemu',
      ),
      'lab-c1',
    )
    assert.match(
      out,
      /<interface type='udp'>[\s\S]*<source address='127\.0\.0\.1' port='20000'>[\s\S]*<local address='127\.0\.0\.1' port='20001'\/>/,
    )
  })

  it('holds a private writable qcow2 disk as such', async () => {
    const out = await roundTrip(
      domainXml({...base, disk: {path: '/var/lib/violin/disks/lab-c1.qcow2', mode: 'private', format: 'qcow2'}}, 'qemu'),
      'lab-c1',
    )
    const disk = /<disk type='file' device='disk'>[\s\S]*?<\/disk>/.exec(out)?.[0]
    assert.ok(disk, out)
    assert.match(disk, /type='qcow2'/)
    assert.doesNotMatch(disk, /<readonly|<shareable/)
  })
})
