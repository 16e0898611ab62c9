import assert from 'node:assert/strict'

import {ConfigError, ExitCode} from '../../src/errors.js'
import {parseEnvironmentFile} from '../../src/services/env-file.js'
import {fixture} from '../helpers/fixtures.js'

const FILE = 'lab.yaml'
const parse = (text: string) => parseEnvironmentFile(FILE, text)

/** A file that boots something, with the given extra lines. */
const withKernel = (rest: string) => `name: lab\ndefaults: {kernel: /srv/vmlinuz}\n${rest}`

/** Expects a ConfigError naming the file, its line and column, and exactly this field (undefined: the whole file). */
async function rejects(text: string, field: string | undefined, detail?: RegExp): Promise<void> {
  await assert.rejects(parse(text), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`)
    assert.equal(e.file, FILE)
    assert.equal(e.field, field)
    assert.equal(e.exitCode, ExitCode.config)
    assert.ok(e.position, `no line and column: ${e.message}`)
    assert.ok(
      e.message.startsWith(`${FILE}:${e.position.line}:${e.position.column}: ${field ? `${field}: expected ` : 'not valid YAML'}`),
      e.message,
    )
    if (detail) assert.match(e.message, detail)
    return true
  })
}

describe('env define files: the VMs', () => {
  it('names a counted environment NAME-head, NAME-c1, ..., the first the head', async () => {
    const request = await parse(withKernel('vms: 3\n'))
    assert.deepEqual(
      request.vms.map((v) => [v.name, v.role]),
      [
        ['lab-head', 'head'],
        ['lab-c1', 'compute'],
        ['lab-c2', 'compute'],
      ],
    )
  })

  it('gives VMs 1 vCPU and 256 MiB when the defaults say nothing', async () => {
    const request = await parse(withKernel('vms: 1\n'))
    assert.deepEqual(request.vms, [{name: 'lab-head', role: 'head', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 256}])
  })

  it('gives every counted VM the defaults', async () => {
    const request = await parse('name: lab\ndefaults: {vcpus: 2, memory: 512M, max_memory: 1G, kernel: /srv/vmlinuz}\nvms: 2\n')
    for (const vm of request.vms) {
      assert.equal(vm.vcpus, 2)
      assert.equal(vm.memoryMiB, 512)
      assert.equal(vm.maxMemoryMiB, 1024)
    }
  })

  it('makes the VM with role head the head node wherever it is in the list', async () => {
    const request = await parse(withKernel('vms:\n  - {name: db}\n  - {name: boss, role: head}\n  - {name: web, role: compute}\n'))
    assert.deepEqual(
      request.vms.map((v) => [v.name, v.role]),
      [
        ['db', 'compute'],
        ['boss', 'head'],
        ['web', 'compute'],
      ],
    )
  })

  it('makes the first VM the head node when none says role: head', async () => {
    const request = await parse(withKernel('vms:\n  - {name: one}\n  - {name: two}\n'))
    assert.deepEqual(
      request.vms.map((v) => v.role),
      ['head', 'compute'],
    )
  })

  it('names unnamed VMs of a list after the environment', async () => {
    const request = await parse(withKernel('vms:\n  - {}\n  - {}\n  - {name: db}\n'))
    assert.deepEqual(
      request.vms.map((v) => v.name),
      ['lab-head', 'lab-c1', 'db'],
    )
  })

  it('lets each VM of a list override the defaults, the rest inherited', async () => {
    const request = await parse(
      'name: lab\ndefaults: {vcpus: 2, memory: 512M, max_memory: 768M, kernel: /srv/vmlinuz}\nvms:\n  - {name: small}\n  - {name: big, vcpus: 8, memory: 4G, max_memory: 8G}\n  - {name: wide, vcpus: 4}\n',
    )
    assert.deepEqual(
      request.vms.map(({name, vcpus, memoryMiB, maxMemoryMiB}) => ({name, vcpus, memoryMiB, maxMemoryMiB})),
      [
        {name: 'small', vcpus: 2, memoryMiB: 512, maxMemoryMiB: 768},
        {name: 'big', vcpus: 8, memoryMiB: 4096, maxMemoryMiB: 8192},
        {name: 'wide', vcpus: 4, memoryMiB: 512, maxMemoryMiB: 768},
      ],
    )
  })

  it("raises a VM's inherited maximum to its own larger memory", async () => {
    const request = await parse('name: lab\ndefaults: {memory: 256M, max_memory: 512M, kernel: /srv/vmlinuz}\nvms:\n  - {memory: 1G}\n')
    assert.equal(request.vms[0]!.memoryMiB, 1024)
    assert.equal(request.vms[0]!.maxMemoryMiB, 1024)
  })

  it('keeps a command line per VM, apart from the environment one', async () => {
    const request = await parse(
      'name: lab\ndefaults: {kernel: /srv/vmlinuz, cmdline: "console=ttyS0"}\nvms:\n  - {name: a, cmdline: "role=head"}\n  - {name: b}\n',
    )
    assert.equal(request.boot?.cmdline, 'console=ttyS0')
    assert.equal(request.vms[0]!.cmdline, 'role=head')
    assert.equal(request.vms[1]!.cmdline, undefined)
    assert.ok(!('cmdline' in request.vms[1]!), 'the environment command line is not copied into each VM')
  })

  it('does not copy the environment command line into counted VMs (it would be given twice)', async () => {
    const request = await parse('name: lab\ndefaults: {kernel: /srv/vmlinuz, cmdline: "console=ttyS0"}\nvms: 2\n')
    assert.equal(request.boot?.cmdline, 'console=ttyS0')
    for (const vm of request.vms) assert.ok(!('cmdline' in vm), vm.name)
  })

  it('pins a VM to the host it names, and only that VM', async () => {
    const request = await parse(withKernel('vms:\n  - {name: a, host: e2}\n  - {name: b}\n'))
    assert.equal(request.vms[0]!.host, 'e2')
    assert.ok(!('host' in request.vms[1]!))
  })
})

describe('env define files: the documented example', () => {
  it('reads the list form shown in env define --help into a whole request', async () => {
    const request = await parseEnvironmentFile('lab.yaml', fixture('env', 'lab.yaml'))
    assert.deepEqual(request, {
      name: 'lab',
      dataplane: 'vxlan',
      headSite: 'east',
      placement: 'spread',
      hosts: ['e1', 'e2', 'w1'],
      boot: {kernel: '/srv/vmlinux', initrd: '/srv/initrd.gz', cmdline: 'console=ttyS0'},
      vms: [
        {name: 'lab-head', role: 'head', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 512},
        {name: 'lab-db', role: 'compute', vcpus: 1, memoryMiB: 1024, maxMemoryMiB: 1024, cmdline: 'role=db', host: 'e2'},
        {name: 'lab-c2', role: 'compute', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 512},
      ],
    })
  })
})

describe('env define files: sizes, boot, placement', () => {
  it('reads sizes with units, and bare numbers as MiB', async () => {
    const cases: Array<[string, number]> = [
      ['256M', 256],
      ['1G', 1024],
      ['1.5GiB', 1536],
      ['768MiB', 768],
      ['512', 512],
      ['"512"', 512],
    ]
    for (const [written, mib] of cases) {
      const request = await parse(`name: lab\ndefaults: {memory: ${written}, kernel: /srv/vmlinuz}\nvms: 1\n`)
      assert.equal(request.vms[0]!.memoryMiB, mib, written)
    }
  })

  it('reads disk_size with units', async () => {
    const request = await parse('name: lab\ndefaults: {kernel: /srv/vmlinuz, disk_size: 10G}\nvms: 1\n')
    assert.equal(request.diskMiB, 10240)
    const bare = await parse('name: lab\ndefaults: {kernel: /srv/vmlinuz, disk_size: "64"}\nvms: 1\n')
    assert.equal(bare.diskMiB, 64, 'a bare number is MiB, quoted or not')
  })

  it('refuses what it would otherwise drop: defaults.host, cmdline without a kernel, image with disk_size', async () => {
    const cases: Array<[string, RegExp]> = [
      ['defaults: {kernel: /k, host: e1}\nvms: 2', /defaults\.host: expected a known key \(.*\), found "host"/],
      ['defaults: {image: deb.img, cmdline: "quiet"}\nvms: 1', /defaults\.cmdline: expected no cmdline without defaults\.kernel/],
      ['defaults: {image: deb.img}\nvms: [{cmdline: "quiet"}]', /vms\[0\]\.cmdline: expected no cmdline without defaults\.kernel/],
      ['defaults: {image: deb.img, disk_size: 1G}\nvms: 1', /defaults\.disk_size: expected no disk_size beside image/],
    ]
    for (const [body, message] of cases) await assert.rejects(parse(`name: lab\n${body}\n`), message)
  })

  it('boots the kernel and initrd with the command line of the defaults', async () => {
    const request = await parse(
      'name: lab\ndefaults: {kernel: /srv/vmlinuz, initrd: /srv/initrd.gz, cmdline: "console=ttyS0 quiet"}\nvms: 1\n',
    )
    assert.deepEqual(request.boot, {kernel: '/srv/vmlinuz', initrd: '/srv/initrd.gz', cmdline: 'console=ttyS0 quiet'})
    assert.equal(request.image, undefined)
  })

  it("finds an image given by bare name in violin's image directory", async () => {
    const request = await parse('name: lab\ndefaults: {image: debian-12.img}\nvms: 1\n')
    assert.equal(request.image, '/var/lib/violin/images/debian-12.img')
    assert.equal(request.boot, undefined)
  })

  it('uses an image given by path as it is', async () => {
    const request = await parse('name: lab\ndefaults: {image: /srv/images/debian-12.img}\nvms: 1\n')
    assert.equal(request.image, '/srv/images/debian-12.img')
  })

  it('spreads by default, packs when asked, and keeps head_site and hosts', async () => {
    assert.equal((await parse(withKernel('vms: 1\n'))).placement, 'spread')
    const request = await parse(withKernel('placement: pack\nhead_site: east\nhosts: [e1, e2]\nvms: 1\n'))
    assert.equal(request.placement, 'pack')
    assert.equal(request.headSite, 'east')
    assert.deepEqual(request.hosts, ['e1', 'e2'])
  })

  it('reads the data plane, data authentication and the underlay MTU, and refuses them where they cannot apply', async () => {
    const request = await parse(withKernel('vms: 2\ndataplane: udp\nauth_data: true\nunderlay_mtu: 9000\n'))
    assert.deepEqual([request.dataplane, request.authData, request.underlayMtu], ['udp', true, 9000])
    await rejects(
      withKernel('vms: 2\ndataplane: vxlan\nauth_data: true\n'),
      'auth_data',
      /expected false unless dataplane: udp .*, found true/,
    )
    await rejects(withKernel('vms: 2\ndataplane: tcp\n'), 'dataplane', /expected one of vxlan, udp, none, found "tcp"/)
    assert.equal((await parse(withKernel('vms: 2\n'))).dataplane, 'vxlan', 'an environment has its own Ethernet unless it says none')
    assert.ok(!('dataplane' in (await parse(withKernel('vms: 2\ndataplane: none\n')))), 'dataplane: none gives no switch')
    await rejects(withKernel('vms: 2\ndataplane: none\nunderlay_mtu: 9000\n'), 'underlay_mtu', /no underlay_mtu with dataplane: none/)
    await rejects(withKernel('vms: 2\ndataplane: vxlan\nunderlay_mtu: 9000.5\n'), 'underlay_mtu', /whole number/)
  })

  it('has no head site or host list unless given', async () => {
    const request = await parse(withKernel('vms: 1\n'))
    assert.ok(!('headSite' in request))
    assert.ok(!('hosts' in request))
  })
})

describe('env define files: mistakes name the file and the field', () => {
  it('says where the mistake is, in one line: file, line, column, field, expected, found', async () => {
    await assert.rejects(parse(withKernel('vms:\n  - {name: a}\n  - {name: b, mem: 1G}\n')), (e: unknown) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(
        e.message,
        'lab.yaml:5:15: vms[1].mem: expected a known key (vcpus, memory, max_memory, cmdline, host, name, role), found "mem"',
      )
      return true
    })
    await assert.rejects(parse('name: lab\ndefaults:\n  kernel: /srv/vmlinuz\n  memory: 2 GB please\nvms: 1\n'), {
      message: 'lab.yaml:4:11: defaults.memory: expected a size like 512M or 2GiB (a bare number is MiB), found "2 GB please"',
    })
  })

  it('refuses text that is not YAML', async () => {
    await rejects('name: lab\nvms: [1, 2\n', undefined, /not valid YAML/)
  })

  it('refuses a file that is not a mapping', async () => {
    await rejects('- name: lab\n', '(top level)', /mapping/)
  })

  it('refuses unknown keys at the top, in defaults and in a VM', async () => {
    await rejects(withKernel('vms: 1\ncolour: blue\n'), 'colour', /expected a known key \(name, head_site, .*\), found "colour"/)
    await rejects('name: lab\ndefaults: {kernel: /srv/vmlinuz, cpus: 2}\nvms: 1\n', 'defaults.cpus', /expected a known key/)
    await rejects(withKernel('vms:\n  - {name: a}\n  - {name: b, mem: 1G}\n'), 'vms[1].mem', /expected a known key/)
  })

  it('refuses keys that belong to defaults only when given to a VM', async () => {
    await rejects(withKernel('vms:\n  - {name: a, kernel: /srv/other}\n'), 'vms[0].kernel', /expected a known key/)
  })

  it('needs a name', async () => {
    await rejects('defaults: {kernel: /srv/vmlinuz}\nvms: 1\n', 'name')
  })

  it('refuses two heads', async () => {
    await rejects(
      withKernel('vms:\n  - {name: a, role: head}\n  - {name: b}\n  - {name: c, role: head}\n'),
      'vms[2].role',
      /one VM can be the head/,
    )
  })

  it('refuses a role that is neither head nor compute', async () => {
    await rejects(withKernel('vms:\n  - {name: a, role: boss}\n'), 'vms[0].role', /expected one of head, compute, found "boss"/)
  })

  it('refuses max_memory below memory, in defaults and in a VM', async () => {
    await rejects(
      'name: lab\ndefaults: {memory: 1G, max_memory: 512M, kernel: /srv/vmlinuz}\nvms: 1\n',
      'defaults.max_memory',
      /expected at least memory \(1024 MiB\), found 512 MiB/,
    )
    await rejects(
      withKernel('vms:\n  - {name: a}\n  - {name: b, memory: 2G, max_memory: 1G}\n'),
      'vms[1].max_memory',
      /expected at least memory/,
    )
  })

  it('refuses sizes and counts that are not sizes and counts', async () => {
    await rejects(
      'name: lab\ndefaults: {memory: lots, kernel: /srv/vmlinuz}\nvms: 1\n',
      'defaults.memory',
      /expected a size like 512M or 2GiB \(a bare number is MiB\), found "lots"/,
    )
    await rejects('name: lab\ndefaults: {memory: 0, kernel: /srv/vmlinuz}\nvms: 1\n', 'defaults.memory')
    await rejects(withKernel('vms:\n  - {vcpus: 0}\n'), 'vms[0].vcpus', /positive whole number/)
    await rejects(withKernel('vms:\n  - {vcpus: 1.5}\n'), 'vms[0].vcpus', /positive whole number/)
  })

  it('refuses relative kernel and initrd paths', async () => {
    await rejects('name: lab\ndefaults: {kernel: boot/vmlinuz}\nvms: 1\n', 'defaults.kernel', /absolute path/)
    await rejects('name: lab\ndefaults: {kernel: /srv/vmlinuz, initrd: initrd.gz}\nvms: 1\n', 'defaults.initrd', /absolute path/)
  })

  it('refuses an initrd without a kernel', async () => {
    await rejects(
      'name: lab\ndefaults: {image: deb.img, initrd: /srv/initrd.gz}\nvms: 1\n',
      'defaults.initrd',
      /expected defaults\.kernel beside it/,
    )
  })

  it('refuses a file with nothing to boot', async () => {
    await rejects('name: lab\nvms: 2\n', 'defaults', /kernel.*image/)
    await rejects('name: lab\ndefaults: {vcpus: 2, cmdline: "console=ttyS0"}\nvms: 2\n', 'defaults', /something to boot/)
  })

  it('refuses vms that are neither a count nor a non-empty list', async () => {
    for (const vms of ['lots', '[]', '{a: 1}', '0', '2.5', '-1']) {
      await rejects(withKernel(`vms: ${vms}\n`), 'vms')
    }
    await rejects('name: lab\ndefaults: {kernel: /srv/vmlinuz}\n', 'vms')
  })

  it('refuses a VM entry that is not a mapping', async () => {
    await rejects(withKernel('vms:\n  - {name: a}\n  - b\n'), 'vms[1]', /mapping/)
  })

  it('refuses an unknown placement', async () => {
    await rejects(withKernel('placement: random\nvms: 1\n'), 'placement', /spread, pack/)
  })

  it('refuses hosts that are not a list of names', async () => {
    await rejects(withKernel('hosts: e1\nvms: 1\n'), 'hosts', /list/)
    await rejects(withKernel('hosts: [e1, 7]\nvms: 1\n'), 'hosts[1]')
  })
})
