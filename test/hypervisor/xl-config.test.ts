import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {ViolinError} from '../../src/errors.js'
import {XL_CONFIG_DIR, xlConfig, xlConfigFiles, xlConfigPath} from '../../src/hypervisor/xl/config.js'
import type {VmSpec} from '../../src/hypervisor/vm-spec.js'

/** test/fixtures/xl/config/NAME: goldens that Xen 4.17's own parser read back (see ORIGIN.md there). */
function golden(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/xl/config/${name}`, import.meta.url)), 'utf8')
}

type Value = string | string[]

/**
 * A reader for the xl.cfg grammar of Xen's libxlu (libxlu_cfg_l.l, libxlu_cfg_y.y, and the
 * unescaping of libxlu_cfg.c): `IDENT = VALUE` statements ended by a newline or ';', '#'
 * comments to the end of the line, VALUE a NUMBER, a '…' or "…" STRING, or a [ list ] of them.
 * Numbers stay text, as libxlu keeps them. A key given twice is refused, to catch renderer bugs.
 */
function parseXlCfg(text: string): Map<string, Value> {
  const token = /[ \t]+|(#[^\n]*)?\n|([a-z][_0-9a-z]*)|([0-9][0-9a-fx]*)|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|([,[\]=;])/y
  const tokens: {kind: 'ident' | 'atom' | 'nl' | 'punct'; text: string}[] = []
  for (let at = 0; at < text.length; ) {
    token.lastIndex = at
    const m = token.exec(text)
    if (!m) throw new Error(`lexical error at ${JSON.stringify(text.slice(at, at + 20))}`)
    at = token.lastIndex
    if (m[0].endsWith('\n')) tokens.push({kind: 'nl', text: '\n'})
    else if (m[2] !== undefined) tokens.push({kind: 'ident', text: m[2]})
    else if (m[3] !== undefined) tokens.push({kind: 'atom', text: m[3]})
    else if (m[4] !== undefined || m[5] !== undefined) tokens.push({kind: 'atom', text: dequote(m[4] ?? m[5]!)})
    else if (m[6] !== undefined) tokens.push({kind: 'punct', text: m[6]})
  }
  const settings = new Map<string, Value>()
  let i = 0
  const peek = () => tokens[i]
  const expect = (kind: string, text?: string) => {
    const t = tokens[i++]
    if (!t || t.kind !== kind || (text !== undefined && t.text !== text))
      throw new Error(`syntax error: expected ${text ?? kind}, got ${JSON.stringify(t)}`)
    return t.text
  }
  const newlines = () => {
    while (peek()?.kind === 'nl') i++
  }
  while (i < tokens.length) {
    const t = peek()!
    if (t.kind === 'nl' || t.text === ';') {
      i++
      continue
    }
    const key = expect('ident')
    expect('punct', '=')
    let value: Value
    if (peek()?.text === '[') {
      i++
      newlines()
      value = []
      while (peek()?.text !== ']') {
        value.push(expect('atom'))
        newlines()
        if (peek()?.text === ',') {
          i++
          newlines()
        } else break
      }
      expect('punct', ']')
    } else value = expect('atom')
    if (settings.has(key)) throw new Error(`${key} given twice`)
    settings.set(key, value)
    if (i < tokens.length && peek()!.kind !== 'nl' && peek()!.text !== ';') throw new Error(`syntax error after ${key}`)
  }
  return settings
}

/** libxlu_cfg.c's xlu__cfgl_dequote; its \x and octal escapes are refused here since they do not work there. */
function dequote(body: string): string {
  const letters: Record<string, string> = {'"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v'}
  return body.replace(/\\(.)/g, (_, c: string) => {
    if (!(c in letters)) throw new Error(`invalid escape \\${c}`)
    return letters[c]!
  })
}

/** xl-disk-configuration(5), keyed form only: `target=` takes the rest, less one trailing ','. */
function parseDiskSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {}
  let rest = spec
  while (rest.length > 0) {
    rest = rest.replace(/^[ \t\n]+/, '')
    if (rest.startsWith('target=')) {
      out.target = rest.slice('target='.length).replace(/,$/, '')
      break
    }
    const m = /^([a-z][-a-z0-9]*)=([^,]*),?/.exec(rest)
    if (!m) throw new Error(`bad disk syntax at ${JSON.stringify(rest)}`)
    out[m[1]!] = m[2]!
    rest = rest.slice(m[0].length)
  }
  return out
}

function spec(overrides: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'web-01',
    vcpus: 2,
    memoryMiB: 512,
    maxMemoryMiB: 2048,
    mac: '52:54:00:12:34:56',
    boot: {
      kernel: '/var/lib/violin/images/vmlinuz-6.1',
      initrd: '/var/lib/violin/images/initrd.img',
      cmdline: 'console=hvc0 root=/dev/xvda ro quiet',
    },
    disk: {path: '/var/lib/violin/images/base.img', mode: 'shared', format: 'raw'},
    cpuWeight: 512,
    ...overrides,
  }
}

/** Paths and a command line that break naive quoting: quotes, backslashes, and the disk spec's ',' and '='. */
const HOSTILE = {
  kernel: `/srv/it's "my" \\ kernel`,
  initrd: '/srv/a,b=c d/initrd',
  cmdline: `init=/bin/sh -c "echo 'hi' \\\\ there" # not a comment ; x=1`,
  disk: `/srv/disks/a, b=c "q" 'q' \\ x,format=qcow2, vdev=xvdb ;#  `,
}

function hostileSpec(): VmSpec {
  return spec({
    boot: {kernel: HOSTILE.kernel, initrd: HOSTILE.initrd, cmdline: HOSTILE.cmdline},
    disk: {path: HOSTILE.disk, mode: 'private', format: 'qcow2'},
  })
}

describe('xl domain configuration', () => {
  describe('the test reader of the xl.cfg grammar', () => {
    it('reads the forms xl.cfg(5) and xl-disk-configuration(5) show', () => {
      assert.deepEqual(
        [...parseXlCfg('name="h0"; type="hvm"\nmemory = 512 # MB\n')],
        [
          ['name', 'h0'],
          ['type', 'hvm'],
          ['memory', '512'],
        ],
      )
      assert.deepEqual(parseXlCfg("disk = [ '/dev/vg/guest-volume,,hda', '/root/image.iso,,hdc,cdrom' ]\n").get('disk'), [
        '/dev/vg/guest-volume,,hda',
        '/root/image.iso,,hdc,cdrom',
      ])
      assert.deepEqual(parseDiskSpec('format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso'), {
        format: 'raw',
        vdev: 'hdc',
        access: 'ro',
        devtype: 'cdrom',
        target: '/root/image.iso',
      })
    })

    it('refuses what libxlu refuses: bare words, fractions, raw newlines in strings, \\x escapes', () => {
      assert.throws(() => parseXlCfg('kernel = /boot/vmlinuz\n'), /lexical error/)
      assert.throws(() => parseXlCfg('memory = 512.5\n'), /lexical error/)
      assert.throws(() => parseXlCfg('cmdline = "a\nb"\n'), /lexical error/)
      assert.throws(() => parseXlCfg('kernel = "/srv/\\x41"\n'), /invalid escape/)
    })
  })

  it('renders a typical PVH guest exactly as the golden file', () => {
    assert.equal(xlConfig(spec()), golden('typical.cfg'))
  })

  it('writes every key, strings quoted and numbers bare, and reads back to the spec', () => {
    const text = xlConfig(spec())
    for (const line of text.trimEnd().split('\n')) assert.match(line, /^[a-z][_0-9a-z]* = (\d+|"[^"]*"|\[ "[^"]*" \])$/)
    assert.deepEqual(Object.fromEntries(parseXlCfg(text)), {
      name: 'web-01',
      type: 'pvh',
      memory: '512',
      maxmem: '2048',
      vcpus: '2',
      cpu_weight: '512',
      kernel: '/var/lib/violin/images/vmlinuz-6.1',
      ramdisk: '/var/lib/violin/images/initrd.img',
      cmdline: 'console=hvc0 root=/dev/xvda ro quiet',
      on_poweroff: 'destroy',
      on_reboot: 'destroy',
      on_crash: 'destroy',
      vif: ['mac=52:54:00:12:34:56'],
      disk: ['format=raw, vdev=xvda, access=ro, target=/var/lib/violin/images/base.img'],
    })
  })

  it('leaves out the optional keys the spec does not set', () => {
    const keys = [...parseXlCfg(xlConfig(spec({boot: {kernel: '/boot/vmlinuz'}, disk: undefined, cpuWeight: undefined}))).keys()]
    assert.deepEqual(keys, ['name', 'type', 'memory', 'maxmem', 'vcpus', 'kernel', 'on_poweroff', 'on_reboot', 'on_crash', 'vif'])
  })

  describe('memory', () => {
    it('starts the guest pre-ballooned below maxmem', () => {
      const cfg = parseXlCfg(xlConfig(spec({memoryMiB: 512, maxMemoryMiB: 4096})))
      assert.equal(cfg.get('memory'), '512')
      assert.equal(cfg.get('maxmem'), '4096')
    })

    it('writes maxmem equal to memory when the guest may not grow', () => {
      const cfg = parseXlCfg(xlConfig(spec({memoryMiB: 1024, maxMemoryMiB: 1024})))
      assert.deepEqual([cfg.get('memory'), cfg.get('maxmem')], ['1024', '1024'])
    })

    it('rounds to whole MiB, since an xl.cfg NUMBER has no fraction', () => {
      const cfg = parseXlCfg(xlConfig(spec({memoryMiB: 511.6, maxMemoryMiB: 2047.7})))
      assert.deepEqual([cfg.get('memory'), cfg.get('maxmem')], ['512', '2048'])
    })

    it('refuses memory above maxmem, and amounts that are not positive', () => {
      assert.throws(() => xlConfig(spec({memoryMiB: 2048, maxMemoryMiB: 1024})), /maxMemoryMiB 1024 is below memoryMiB 2048/)
      assert.throws(() => xlConfig(spec({memoryMiB: 0})), /memoryMiB 0/)
      assert.throws(() => xlConfig(spec({maxMemoryMiB: Number.NaN})), /maxMemoryMiB NaN/)
    })
  })

  describe('disk', () => {
    it('gives a shared image read-only and a private disk read-write, target last', () => {
      const shared = parseXlCfg(xlConfig(spec())).get('disk') as string[]
      assert.match(shared[0]!, /, target=[^,]*$/)
      assert.deepEqual(parseDiskSpec(shared[0]!), {format: 'raw', vdev: 'xvda', access: 'ro', target: '/var/lib/violin/images/base.img'})
      const priv = parseXlCfg(xlConfig(spec({disk: {path: '/srv/vm/web-01.qcow2', mode: 'private', format: 'qcow2'}}))).get(
        'disk',
      ) as string[]
      assert.deepEqual(parseDiskSpec(priv[0]!), {format: 'qcow2', vdev: 'xvda', access: 'rw', target: '/srv/vm/web-01.qcow2'})
    })

    it('refuses a relative path, which xl would take as one under /dev', () => {
      assert.throws(() => xlConfig(spec({disk: {path: 'images/base.img', mode: 'shared', format: 'raw'}})), /not an absolute path/)
    })

    it("refuses a path ending in ',', which xl's target= would drop", () => {
      assert.throws(() => xlConfig(spec({disk: {path: '/srv/a,', mode: 'shared', format: 'raw'}})), /ends with ','/)
    })
  })

  describe('guest types', () => {
    it('is PVH unless told otherwise, on the Xen console with no emulated serial port', () => {
      const cfg = parseXlCfg(xlConfig(spec()))
      assert.equal(cfg.get('type'), 'pvh')
      assert.equal(cfg.has('serial'), false)
      assert.equal(parseXlCfg(xlConfig(spec(), {type: 'pv'})).has('serial'), false)
    })

    it('gives an HVM guest a pty serial port for xl console', () => {
      const cfg = parseXlCfg(xlConfig(spec({disk: undefined}), {type: 'hvm'}))
      assert.equal(cfg.get('type'), 'hvm')
      assert.deepEqual(cfg.get('serial'), ['pty'])
    })

    it('refuses a read-only disk on HVM, whose xvda qemu-xen also emulates as IDE, never read-only', () => {
      assert.throws(() => xlConfig(spec(), {type: 'hvm'}), /HVM guest cannot have the read-only \(shared\) disk/)
      const priv = spec({disk: {path: '/srv/vm/web-01.img', mode: 'private', format: 'raw'}})
      assert.match(xlConfig(priv, {type: 'hvm'}), /access=rw/)
    })
  })

  describe('booting from the disk (no kernel in the spec)', () => {
    const fromDisk = () => spec({boot: undefined, disk: {path: '/srv/vm/web-01.img', mode: 'private', format: 'raw'}})

    it('lets pygrub find the kernel of a PVH or PV guest in its image', () => {
      for (const type of ['pvh', 'pv'] as const) {
        const cfg = parseXlCfg(xlConfig(fromDisk(), {type}))
        assert.equal(cfg.get('bootloader'), 'pygrub')
        assert.deepEqual(
          ['kernel', 'ramdisk', 'cmdline', 'boot'].filter((k) => cfg.has(k)),
          [],
        )
      }
    })

    it('boots an HVM guest from its hard disk', () => {
      const cfg = parseXlCfg(xlConfig(fromDisk(), {type: 'hvm'}))
      assert.equal(cfg.get('boot'), 'c')
      assert.equal(cfg.has('bootloader'), false)
    })

    it('refuses a VM with neither a kernel nor a disk', () => {
      assert.throws(() => xlConfig(spec({boot: undefined, disk: undefined})), /neither a kernel nor a disk/)
    })
  })

  it('writes the same file with or without a console log, which xl.cfg cannot express', () => {
    assert.equal(xlConfig(spec({consoleLog: '/var/log/violin/web-01.console'})), xlConfig(spec()))
  })

  describe('hostile paths and command lines', () => {
    it('escapes quotes and backslashes so every value reads back unchanged', () => {
      const text = xlConfig(hostileSpec(), {type: 'hvm'})
      assert.equal(text, golden('hostile.cfg'))
      const cfg = parseXlCfg(text)
      assert.equal(cfg.get('kernel'), HOSTILE.kernel)
      assert.equal(cfg.get('ramdisk'), HOSTILE.initrd)
      assert.equal(cfg.get('cmdline'), HOSTILE.cmdline)
      assert.deepEqual(parseDiskSpec((cfg.get('disk') as string[])[0]!), {
        format: 'qcow2',
        vdev: 'xvda',
        access: 'rw',
        target: HOSTILE.disk,
      })
    })

    it('carries non-ASCII paths as they are', () => {
      const cfg = parseXlCfg(xlConfig(spec({disk: {path: '/srv/dïsk ü/é.img', mode: 'private', format: 'raw'}})))
      assert.equal(parseDiskSpec((cfg.get('disk') as string[])[0]!).target, '/srv/dïsk ü/é.img')
    })

    it('refuses control characters, which the format cannot carry into every key', () => {
      assert.throws(() => xlConfig(spec({boot: {kernel: '/boot/vmlinuz', cmdline: 'quiet\ninit=/bin/sh'}})), /cmdline .* control character/)
      assert.throws(() => xlConfig(spec({boot: {kernel: '/boot/vm\0linuz'}})), /kernel .* control character/)
      assert.throws(() => xlConfig(spec({disk: {path: '/srv/a\tb', mode: 'shared', format: 'raw'}})), /disk path .* control character/)
      assert.throws(() => xlConfig(spec({boot: {kernel: '/boot/vmlinuz', initrd: '/boot/\x1b[2Jinitrd'}})), /initrd .* control character/)
    })

    it('refuses relative kernel and initrd paths', () => {
      assert.throws(() => xlConfig(spec({boot: {kernel: 'vmlinuz'}})), /kernel "vmlinuz" is not an absolute path/)
      assert.throws(
        () => xlConfig(spec({boot: {kernel: '/boot/vmlinuz', initrd: 'initrd.img'}})),
        /initrd "initrd.img" is not an absolute path/,
      )
    })
  })

  describe('refused specs', () => {
    for (const name of ['', '-web', '.web', 'web 01', 'web"01', "web'01", 'web\n01', 'wéb', 'a'.repeat(64), 'web;type=hvm']) {
      it(`refuses the VM name ${JSON.stringify(name)}`, () => {
        assert.throws(() => xlConfig(spec({name})), /is not a VM name/)
      })
    }

    it('takes a 63-character name, the longest allowed', () => {
      assert.equal(parseXlCfg(xlConfig(spec({name: 'a'.repeat(63)}))).get('name'), 'a'.repeat(63))
    })

    it('refuses a MAC that is not lower-case colon-separated hex', () => {
      for (const mac of ['52:54:00:AB:CD:EF', '52-54-00-12-34-56', '52:54:00:12:34', '52:54:00:12:34:56,bridge=xenbr0']) {
        assert.throws(() => xlConfig(spec({mac})), /is not a MAC address/)
      }
    })

    it('refuses vCPU counts that are not positive whole numbers', () => {
      assert.throws(() => xlConfig(spec({vcpus: 0})), /vcpus 0/)
      assert.throws(() => xlConfig(spec({vcpus: 1.5})), /vcpus 1.5/)
    })

    it("refuses a CPU weight outside the credit scheduler's 1..65535", () => {
      assert.throws(() => xlConfig(spec({cpuWeight: 0})), /cpuWeight 0/)
      assert.throws(() => xlConfig(spec({cpuWeight: 65536})), /cpuWeight 65536/)
      assert.equal(parseXlCfg(xlConfig(spec({cpuWeight: 65535}))).get('cpu_weight'), '65535')
    })
  })

  describe('config path', () => {
    it('keeps each VM in its own file under the violin directory', () => {
      assert.equal(xlConfigPath('web-01'), `${XL_CONFIG_DIR}/web-01.cfg`)
      assert.equal(XL_CONFIG_DIR, '/etc/xen/violin')
    })

    it('refuses names that would leave the directory', () => {
      for (const name of ['..', '../web', 'a/b', '']) assert.throws(() => xlConfigPath(name), /is not a VM name/)
    })
  })

  describe('files a config names (xlConfigFiles)', () => {
    it('reads back the files of what xlConfig wrote, hostile paths included', () => {
      assert.deepEqual(xlConfigFiles(golden('typical.cfg')), {
        kernel: '/var/lib/violin/images/vmlinuz-6.1',
        initrd: '/var/lib/violin/images/initrd.img',
        disks: [{path: '/var/lib/violin/images/base.img', readOnly: true, format: 'raw'}],
      })
      assert.deepEqual(xlConfigFiles(golden('hostile.cfg')), {
        kernel: HOSTILE.kernel,
        initrd: HOSTILE.initrd,
        disks: [{path: HOSTILE.disk, readOnly: false, format: 'qcow2'}],
      })
    })

    it('reads a hand-written config in the forms of xl-disk-configuration(5)', () => {
      const text = [
        '# written by hand',
        "kernel = '/boot/vmlinuz'  # single quotes",
        'name = "h0"; type = "pvh"',
        "disk = [ '/dev/vg/guest-volume,,hda',",
        "         'raw:/root/image.iso,hdc:cdrom,ro',",
        "         'phy:/dev/vg/data,xvdb,w',",
        "         'vg/swap,qcow2,xvdc,r',",
        "         ',hdd:cdrom,r',",
        "         'format=vhd, vdev=xvde, script=iscsi, target=iqn.2001-05.com.example:disk',",
        '       ]',
        'kernel = "/boot/vmlinuz-new"',
      ].join('\n')
      assert.deepEqual(xlConfigFiles(text), {
        kernel: '/boot/vmlinuz-new',
        initrd: undefined,
        disks: [
          {path: '/dev/vg/guest-volume', readOnly: false},
          {path: '/root/image.iso', readOnly: true, format: 'raw'},
          {path: '/dev/vg/data', readOnly: false},
          {path: '/dev/vg/swap', readOnly: true, format: 'qcow2'},
        ],
      })
    })

    it('takes a CD-ROM read-only whatever its access says, as libxlu does', () => {
      assert.deepEqual(
        xlConfigFiles("disk = [ '/root/image.iso,,hdc,,cdrom', 'devtype=cdrom, vdev=hdd, access=rw, target=/srv/rw.iso' ]\n").disks,
        [
          {path: '/root/image.iso', readOnly: true},
          {path: '/srv/rw.iso', readOnly: true},
        ],
      )
    })

    it('names no files for a config without kernel or disks', () => {
      assert.deepEqual(xlConfigFiles('name = "x"\nbootloader = "pygrub"\n'), {kernel: undefined, initrd: undefined, disks: []})
    })

    it('refuses what it cannot read rather than miss a file', () => {
      for (const text of [
        'kernel = /boot/vmlinuz\n',
        'disk += [ "/a,,xvda" ]\n',
        'disk = [ [ "/a,,xvda" ] ]\n',
        'kernel = "/x\\101"\n',
        'disk = "/a,,xvda"\n',
        'kernel = [ "/a" ]\n',
      ]) {
        assert.throws(() => xlConfigFiles(text), ViolinError, text)
      }
    })
  })
})
