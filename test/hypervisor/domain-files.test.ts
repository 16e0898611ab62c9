import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import {domainXml} from '../../src/hypervisor/libvirt/domain-xml.js'
import {parseDomainFiles} from '../../src/hypervisor/libvirt/parse.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

/**
 * `virsh dumpxml NAME --inactive` of the given domain, as libvirt itself writes it: defined in
 * the test driver within one virsh process (the test driver forgets everything when virsh
 * exits), from a file (virsh cannot open /dev/stdin when stdin is Node's socket).
 */
async function dumpxml(xml: string, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'violin-domfiles-'))
  try {
    const file = join(dir, 'domain.xml')
    await writeFile(file, xml)
    const {stdout} = await execa('virsh', ['-c', 'test:///default', `define ${file}; dumpxml ${name} --inactive`])
    return stdout
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

const domain = (name: string, os: string, devices: string) => `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
${os}
  </os>
  <devices>
${devices}
  </devices>
</domain>
`

describe('files a domain needs, from the dumpxml libvirt writes', () => {
  before(function () {
    requireIntegration(this, 'virsh', virshUnavailable)
  })

  it('finds the kernel, the initrd and every file-backed disk, with paths unescaped', async () => {
    const xml = domain(
      'files1',
      `    <kernel>/srv/boot/vm&amp;linuz &lt;6.1&gt;</kernel>
    <initrd>/srv/boot/it&apos;s &quot;initrd&quot;.gz</initrd>
    <cmdline>console=ttyS0 root=/dev/vda</cmdline>`,
      `    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/violin/images/R&amp;D &apos;base&apos;.img'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>
      <shareable/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/violin/disks/files1 &lt;rw&gt;.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/iso/"tools".iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='nbd' name='export'>
        <host name='nbd.example.org' port='10809'/>
      </source>
      <target dev='vdc' bus='virtio'/>
    </disk>`,
    )
    const out = await dumpxml(xml, 'files1')
    // what the parser is given really is libvirt's own serialisation, entities and all
    assert.match(out, /<source file='\/var\/lib\/violin\/images\/R&amp;D &apos;base&apos;.img'\/>/)
    assert.match(out, /<source file='\/iso\/&quot;tools&quot;.iso'\/>/)
    assert.match(out, /<disk type='network' device='disk'>/)

    const files = parseDomainFiles(out)
    assert.equal(files.kernel, '/srv/boot/vm&linuz <6.1>')
    assert.equal(files.initrd, `/srv/boot/it's "initrd".gz`)
    assert.deepEqual(files.disks, [
      {path: "/var/lib/violin/images/R&D 'base'.img", readOnly: true, format: 'raw'},
      {path: '/var/lib/violin/disks/files1 <rw>.qcow2', readOnly: false, format: 'qcow2'},
      {path: '/iso/"tools".iso', readOnly: true, format: 'raw'},
    ])
  })

  it('has no kernel or initrd for a domain that boots from its disk, and no format when none is written', async () => {
    const out = await dumpxml(
      domain(
        'files2',
        "    <boot dev='hd'/>",
        `    <disk type='file' device='disk'>
      <source file='/var/lib/violin/images/plain.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>`,
      ),
      'files2',
    )
    const files = parseDomainFiles(out)
    assert.equal(files.kernel, undefined)
    assert.equal(files.initrd, undefined)
    assert.deepEqual(files.disks, [{path: '/var/lib/violin/images/plain.img', readOnly: false}])
  })

  it('passes over an empty cdrom drive and a block device', async () => {
    const out = await dumpxml(
      domain(
        'files3',
        '    <kernel>/srv/vmlinuz</kernel>',
        `    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/lv0'/>
      <target dev='vda' bus='virtio'/>
    </disk>`,
      ),
      'files3',
    )
    assert.match(out, /device='cdrom'/)
    const files = parseDomainFiles(out)
    assert.equal(files.kernel, '/srv/vmlinuz')
    assert.equal(files.initrd, undefined)
    assert.deepEqual(files.disks, [])
  })

  it('reads the files of a domain written by violin itself', async () => {
    const xml = domainXml(
      {
        name: 'files4',
        vcpus: 1,
        memoryMiB: 256,
        maxMemoryMiB: 256,
        mac: '52:54:00:00:00:04',
        boot: {kernel: '/srv/k & k', initrd: "/srv/i'rd", cmdline: 'console=ttyS0'},
        disk: {path: '/var/lib/violin/images/a<b>.img', mode: 'shared', format: 'raw'},
      },
      'qemu',
    )
    const files = parseDomainFiles(await dumpxml(xml, 'files4'))
    assert.deepEqual(files, {
      kernel: '/srv/k & k',
      initrd: "/srv/i'rd",
      disks: [{path: '/var/lib/violin/images/a<b>.img', readOnly: true, format: 'raw'}],
    })
  })
})
