import {UsageError, ViolinError} from '../../errors.js'
import {HOST_NAME} from '../../inventory/host.js'
import type {VmFiles} from '../driver.js'
import type {VmSpec} from '../vm-spec.js'

export type XlGuestType = 'pvh' | 'hvm' | 'pv'

/** Where violin keeps each VM's xl.cfg; not /etc/xen/auto, so xendomains starts none at boot. */
export const XL_CONFIG_DIR = '/etc/xen/violin'

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/

/** xl.cfg(5) "cpu_weight": "Legal weights range from 1 to 65535". */
const MAX_CPU_WEIGHT = 65535

export function xlConfigPath(name: string): string {
  if (!HOST_NAME.test(name)) throw new UsageError(`"${name}" is not a VM name`)
  return `${XL_CONFIG_DIR}/${name}.cfg`
}

/**
 * The one vif line: xl-network-configuration(5), a comma-separated KEY=VALUE list, on the
 * environment's bridge when it has one (the kernel data plane). Xen has no UDP NIC backend.
 */
export function xlVif(mac: string, nic: VmSpec['nic']): string {
  if (!MAC.test(mac)) throw new Error(`"${mac}" is not a MAC address (lower case, colon separated)`)
  if (nic?.kind === 'udp') throw new Error('Xen has no UDP NIC backend: the udp data plane needs libvirt hosts')
  if (nic && !/^[A-Za-z0-9_.-]{1,15}$/.test(nic.bridge)) throw new Error(`"${nic.bridge}" is not a bridge name`)
  return `vif = [ ${str('vif', `mac=${mac}${nic ? `,bridge=${nic.bridge}` : ''}`)} ]`
}

/**
 * The xl.cfg(5) domain configuration (Xen 4.17) for one VM of an environment: one vif, at most
 * one disk. Power events destroy the domain, as in our libvirt XML: the environment layer, not
 * xl, decides what comes back.
 *
 * spec.consoleLog is not used: xl.cfg has no key that sends one domain's console to a file.
 * xenconsoled logs every guest's console to /var/log/xen/console/ when started with
 * --log=guest (XENCONSOLED_TRACE=guest in /etc/default/xen), a host setting, not a domain one.
 */
export function xlConfig(spec: VmSpec, options: {type?: XlGuestType} = {}): string {
  const type = options.type ?? 'pvh'
  if (!HOST_NAME.test(spec.name)) throw new Error(`"${spec.name}" is not a VM name`)
  if (!MAC.test(spec.mac)) throw new Error(`"${spec.mac}" is not a MAC address (lower case, colon separated)`)
  if (!Number.isInteger(spec.vcpus) || spec.vcpus < 1) throw new Error(`vcpus ${spec.vcpus} is not a positive whole number`)
  const memory = mebibytes('memoryMiB', spec.memoryMiB)
  const maxmem = mebibytes('maxMemoryMiB', spec.maxMemoryMiB)
  // xl.cfg(5) "maxmem": "must be equal to or greater than that of memory=".
  if (maxmem < memory) throw new Error(`maxMemoryMiB ${maxmem} is below memoryMiB ${memory}`)
  // libxl_dm.c also emulates an HVM guest's xvda..xvdd as IDE, and "qemu-xen doesn't support
  // read-only IDE disk drivers": xl create would fail.
  if (type === 'hvm' && spec.disk?.mode === 'shared')
    throw new Error(`an HVM guest cannot have the read-only (shared) disk ${spec.disk.path}`)
  const {boot} = spec
  if (!boot && !spec.disk) throw new Error(`VM "${spec.name}" has neither a kernel nor a disk to boot from`)

  const lines = [
    `name = ${str('name', spec.name)}`,
    `type = ${str('type', type)}`,
    `memory = ${memory}`,
    `maxmem = ${maxmem}`,
    `vcpus = ${spec.vcpus}`,
    ...(spec.cpuWeight === undefined ? [] : [`cpu_weight = ${cpuWeight(spec.cpuWeight)}`]),
    ...(boot
      ? [
          `kernel = ${str('kernel', absolute('kernel', boot.kernel))}`,
          ...(boot.initrd === undefined ? [] : [`ramdisk = ${str('initrd', absolute('initrd', boot.initrd))}`]),
          ...(boot.cmdline === undefined ? [] : [`cmdline = ${str('cmdline', boot.cmdline)}`]),
        ]
      : // xl.cfg(5): PVH has no firmware and PV boots by "kernel or bootloader"; pygrub reads the
        // kernel from the disk. HVM boots its BIOS from the (IDE-emulated) hard disk.
        [type === 'hvm' ? 'boot = "c"' : 'bootloader = "pygrub"']),
    'on_poweroff = "destroy"',
    'on_reboot = "destroy"',
    'on_crash = "destroy"',
    xlVif(spec.mac, spec.nic),
    ...(spec.disk ? [`disk = [ ${str('disk path', diskSpec(spec.disk))} ]`] : []),
    // PVH and PV guests talk on the Xen PV console (hvc0); an HVM guest's ttyS0 needs a pty
    // for `xl console -t serial` to reach it (xl.cfg(5) "serial", HVM only).
    ...(type === 'hvm' ? ['serial = [ "pty" ]'] : []),
  ]
  return `${lines.join('\n')}\n`
}

/**
 * xl-disk-configuration(5): `target=` "consumes the whole rest of the DISKSPEC including
 * trailing whitespaces", so it comes last and the path may hold commas, '=' and spaces.
 */
function diskSpec(disk: NonNullable<VmSpec['disk']>): string {
  const target = absolute('disk path', disk.path)
  // libxlu_disk_l.l strips one ',' off the end of target=, so such a path would arrive shortened.
  if (target.endsWith(',')) throw new Error(`disk path "${target}" ends with ',', which xl's disk syntax cannot carry`)
  const access = disk.mode === 'shared' ? 'ro' : 'rw'
  return `format=${disk.format}, vdev=xvda, access=${access}, target=${target}`
}

/**
 * A double-quoted xl.cfg STRING. The lexer (libxlu_cfg_l.l) takes "([^"\\\n]|\\.)*" and
 * libxlu_cfg.c unescapes \" \' \\ and the C letter escapes; its \x and octal escapes are
 * broken (\x always fails, octal yields nothing) and values become C strings, so NUL cannot be
 * carried. Control characters are refused rather than escaped: the disk parser's `target=.*`
 * stops at a newline, and none belongs in a name, path or kernel command line.
 */
function str(field: string, value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\x00-\x1f\x7f]/.test(value))
    throw new Error(`${field} ${JSON.stringify(value)} contains a control character, which xl.cfg cannot carry`)
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/** xl-disk-configuration(5) prepends /dev to a target not starting with '/'; kernels are read by xl. */
function absolute(field: string, path: string): string {
  if (!path.startsWith('/')) throw new Error(`${field} "${path}" is not an absolute path`)
  return path
}

/** xl.cfg NUMBERs are whole (the lexer refuses '.'), so MiB are rounded like in our libvirt XML. */
function mebibytes(field: string, value: number): number {
  const n = Math.round(value)
  if (!Number.isFinite(value) || n < 1) throw new Error(`${field} ${value} is not a positive amount of memory`)
  return n
}

function cpuWeight(value: number): number {
  const n = Math.round(value)
  if (!Number.isFinite(value) || n < 1 || n > MAX_CPU_WEIGHT) throw new Error(`cpuWeight ${value} is outside xl's 1..${MAX_CPU_WEIGHT}`)
  return n
}

/** The host files an xl.cfg names (kernel, ramdisk, disk targets): what must exist where the VM moves. */
export function xlConfigFiles(text: string): VmFiles {
  const cfg = readXlCfg(text)
  const atom = (key: string) => {
    const v = cfg.get(key)
    if (Array.isArray(v)) throw new ViolinError(`xl config: ${key} is a list, xl wants a single value`)
    return v
  }
  const disk = cfg.get('disk') ?? []
  if (!Array.isArray(disk)) throw new ViolinError('xl config: disk is a single value, xl wants a list')
  const disks = disk.map(readDiskSpec).filter((d): d is VmFiles['disks'][number] => d !== undefined)
  return {kernel: atom('kernel'), initrd: atom('ramdisk'), disks}
}

/** The domain name an xl.cfg gives (its `name` key), checked as a VM name: `xl create` needs one. */
export function xlConfigName(text: string): string {
  const name = readXlCfg(text).get('name')
  if (name === undefined) throw new UsageError('the xl config has no name = "..."', 'xl.cfg(5): every domain config names its domain')
  if (Array.isArray(name) || !HOST_NAME.test(name)) throw new UsageError(`the xl config's name ${JSON.stringify(name)} is not a VM name`)
  return name
}

/** The size an xl.cfg gives its VM: memory and maxmem are MiB (xl.cfg(5)), maxmem defaulting to memory. */
export function xlConfigShape(text: string): {vcpus: number; memoryMiB: number; maxMemoryMiB: number} {
  const cfg = readXlCfg(text)
  const num = (key: string, dflt?: number): number => {
    const v = cfg.get(key)
    const n = typeof v === 'string' ? Number(v) : Number.NaN
    if (v === undefined && dflt !== undefined) return dflt
    if (!Number.isFinite(n) || n <= 0) throw new ViolinError(`xl config: ${key} is not a positive number`)
    return n
  }
  const memoryMiB = num('memory')
  return {vcpus: num('vcpus', 1), memoryMiB, maxMemoryMiB: num('maxmem', memoryMiB)}
}

/**
 * libxlu's grammar (libxlu_cfg_l.l, libxlu_cfg_y.y): `key = value` ended by a newline or ';',
 * '#' comments to the end of the line, a value being a NUMBER, a '…' or "…" STRING or a flat
 * [ list ] of them. A key given twice keeps its last value, as in xl. Anything else (`+=`,
 * nested lists) is refused rather than half-read, so no file of the VM goes unnoticed.
 */
function readXlCfg(text: string): Map<string, string | string[]> {
  const token = /[ \t]+|(#[^\n]*)?\n|([a-z][_0-9a-z]*|[0-9][0-9a-fx]*)|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|([,[\]=;])/y
  const tokens: string[] = [] // '\n', punctuation, or 'w' + word / 's' + string
  for (let at = 0; at < text.length; at = token.lastIndex) {
    token.lastIndex = at
    const m = token.exec(text)
    if (!m) throw new ViolinError(`xl config: cannot read ${JSON.stringify(text.slice(at, at + 20))}`)
    if (m[0].endsWith('\n')) tokens.push('\n')
    else if (m[2] !== undefined) tokens.push(`w${m[2]}`)
    else if (m[3] !== undefined || m[4] !== undefined) tokens.push(`s${unescapeString(m[3] ?? m[4]!)}`)
    else if (m[5] !== undefined) tokens.push(m[5])
  }
  const settings = new Map<string, string | string[]>()
  const bad = (t: string | undefined) =>
    new ViolinError(`xl config: unexpected ${t === undefined ? 'end' : JSON.stringify(t.length > 1 ? t.slice(1) : t)}`)
  const next = (): string | undefined => tokens[0] // a call, so TypeScript keeps no narrowing across shifts
  const atom = () => (/^[ws]/.test(next() ?? '') ? tokens.shift()!.slice(1) : undefined)
  const skipNewlines = () => {
    while (next() === '\n') tokens.shift()
  }
  while (tokens.length > 0) {
    if (next() === '\n' || next() === ';') {
      tokens.shift()
      continue
    }
    const key = tokens.shift()!
    if (!/^w[a-z]/.test(key) || tokens.shift() !== '=') throw bad(key)
    let value: string | string[] | undefined = atom()
    if (value === undefined && next() === '[') {
      tokens.shift()
      value = []
      skipNewlines()
      while (next() !== ']') {
        const item = atom()
        if (item === undefined) throw bad(next())
        value.push(item)
        skipNewlines()
        if (next() !== ',') break
        tokens.shift()
        skipNewlines()
      }
      if (tokens.shift() !== ']') throw bad(next())
    }
    if (value === undefined) throw bad(next())
    settings.set(key.slice(1), value)
    if (tokens.length > 0 && next() !== '\n' && next() !== ';') throw bad(next())
  }
  return settings
}

/** libxlu_cfg.c's dequoting; its \x and octal escapes do not work there, so they are refused. */
function unescapeString(body: string): string {
  const letters: Record<string, string> = {'"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v'}
  return body.replace(/\\(.)/g, (_, c: string) => {
    const letter = letters[c]
    if (letter === undefined) throw new ViolinError(`xl config: unsupported escape \\${c}`)
    return letter
  })
}

/**
 * One DISKSPEC as libxlu_disk_l.l reads it: keyed and positional parameters (target, format,
 * vdev, access), flags, the deprecated `phy:`/`raw:`… prefixes, and `target=` taking the rest.
 * Undefined for a disk that is no host file: an empty CD-ROM or a script's target.
 */
function readDiskSpec(spec: string): VmFiles['disks'][number] | undefined {
  const p: Record<string, string> = {}
  for (let rest = spec; rest.length > 0; ) {
    rest = rest.replace(/^[ \t\n]+/, '')
    if (rest.startsWith('target=')) {
      p.target = rest.slice('target='.length).replace(/,$/, '')
      break
    }
    const prefix = /^(raw|qcow2?|vhd|iscsi|e?nbd|drbd|tapdisk|tap2?|aio|ioemu|file|phy):/.exec(rest)
    if (prefix) {
      if (/^(raw|qcow2?|vhd)$/.test(prefix[1]!)) p.format = prefix[1]!
      else if (/^(iscsi|e?nbd|drbd)$/.test(prefix[1]!)) p.script = prefix[1]!
      p.format ??= '' // after a prefix the next positional is the vdev (had_depr_prefix)
      rest = rest.slice(prefix[0].length)
      continue
    }
    const item = /^[^,]*/.exec(rest)![0]
    rest = rest.slice(item.length + 1)
    const kv = /^([a-z][-a-z0-9_]*)=(.*)$/.exec(item)
    if (kv) p[kv[1]!] = kv[2]!
    else if (item === 'cdrom') p.devtype = 'cdrom'
    else if (!/^(direct-io-safe|discard|no-discard|colo|no-colo|trusted|untrusted)$/.test(item)) {
      const slot = ['target', 'format', 'vdev', 'access'].find((k) => p[k] === undefined)
      if (!slot) throw new ViolinError(`xl config: disk "${spec}" has too many positional parameters`)
      const devtype = slot === 'vdev' ? /^(.*):(cdrom|disk)$/.exec(item) : null // deprecated hdc:cdrom
      p[slot] = devtype ? devtype[1]! : item
      if (devtype) p.devtype = devtype[2]!
    }
  }
  if (!p.target || p.script) return undefined
  // libxlu makes a CD-ROM read-only whatever its access says.
  const readOnly = p.devtype === 'cdrom' || /^ro?$/.test(p.access ?? '')
  return {path: p.target.startsWith('/') ? p.target : `/dev/${p.target}`, readOnly, ...(p.format ? {format: p.format} : {})}
}
