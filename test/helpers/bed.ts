/**
 * The multi-host QEMU/libvirt test bed (test/bed/README.md): N hosts vbed1..vbedN on
 * this machine, each with its own network/mount/UTS/cgroup namespaces, sshd, virtlogd
 * and libvirtd, reachable from here at 10.232.0.I:22, plus a tiny guest kernel/initrd.
 *
 *   before(async function () {
 *     this.timeout(300_000)
 *     const reason = await bedUnavailable()
 *     requireIntegration(this, 'test bed', () => reason)
 *     bed = await startBed(2)
 *   })
 *   after(async () => bed?.down())
 *
 * State lives in $VIOLIN_BED (default /var/tmp/violin-bed); `startBed` first tears down
 * whatever a previous (failed, killed) run left behind.
 */
import {constants, writeFileSync} from 'node:fs'
import {access, readFile} from 'node:fs/promises'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa} from 'execa'

export interface BedHost {
  name: string
  address: string
  index: number
}

export interface Bed {
  /** $VIOLIN_BED */
  dir: string
  hosts: BedHost[]
  /** Private key (OpenSSH) that every host's root accepts. */
  key: string
  /** known_hosts file with every host's key under its address. */
  knownHosts: string
  /** Readable at the same path inside every host. */
  guest: {kernel: string; initrd: string}
  /** Runs argv inside host `index` (1-based); resolves to stdout, throws with stderr. */
  exec(index: number, argv: string[]): Promise<string>
  /** `virsh -c qemu:///system ARGS` inside host `index`. */
  virsh(index: number, args: string[]): Promise<string>
  /** The guest serial log of `vm` on host `index` (/var/lib/violin/console/VM.log there), '' if none. */
  consoleOf(index: number, vm: string): Promise<string>
  down(): Promise<void>
}

/** `violin host add` of a bed host: its address and the bed's key, libvirt on TCG, in `site`; `extra` flags after. */
export function hostAddArgs(bed: Bed, h: BedHost, site = 'east', ...extra: string[]): string[] {
  return [
    'host',
    'add',
    h.name,
    '--ssh',
    `root@${h.address}`,
    '--identity',
    bed.key,
    '--site',
    site,
    '--driver',
    'libvirt',
    '--domain-type',
    'qemu',
    ...extra,
  ]
}

export const BED_DIR = process.env.VIOLIN_BED || '/var/tmp/violin-bed'
const SCRIPTS = fileURLToPath(new URL('../bed/', import.meta.url))
const BED_SH = join(SCRIPTS, 'bed.sh')
const GUEST_BUILD = join(SCRIPTS, 'guest', 'build.sh')

/** What the bed runs, and the package that provides it. */
const NEEDED: Array<[string, string]> = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['libvirtd', 'libvirt-daemon libvirt-daemon-driver-qemu'],
  ['virtlogd', 'libvirt-daemon'],
  ['virsh', 'libvirt-clients'],
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['ip', 'iproute2'],
  ['busybox', 'busybox-static'],
  ['gcc', 'gcc libc6-dev'],
  ['xz', 'xz-utils'],
  ['apt-get', 'apt'],
  ['dpkg', 'dpkg'],
]
const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']

async function findBinary(name: string): Promise<string | undefined> {
  for (const dir of SEARCH) {
    if (!dir) continue
    const file = join(dir, name)
    try {
      await access(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** Why the bed cannot run on this machine, or undefined when it can. */
export async function bedUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'needs Linux'
  if (process.getuid?.() !== 0) return 'needs root (namespaces, bridges, sshd, libvirtd)'
  for (const [name, pkg] of NEEDED) {
    if ((await findBinary(name)) === undefined) return `${name} is not installed (apt-get install ${pkg})`
  }
  const busybox = (await findBinary('busybox')) as string
  const {stdout} = await execa('file', ['-L', busybox], {reject: false})
  if (stdout && !stdout.includes('statically linked')) return `${busybox} is not static (apt-get install busybox-static)`
  try {
    await access('/usr/lib/x86_64-linux-gnu/libc.a')
  } catch {
    return 'static libc is missing (apt-get install libc6-dev)'
  }
  return undefined
}

function sbinPath(): string {
  const path = (process.env.PATH ?? '').split(delimiter)
  for (const dir of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!path.includes(dir)) path.push(dir)
  return path.join(delimiter)
}

async function run(file: string, args: string[], what: string, timeout: number): Promise<string> {
  const result = await execa(file, args, {
    env: {VIOLIN_BED: BED_DIR, PATH: sbinPath()},
    reject: false,
    timeout,
    stdin: 'ignore',
  })
  if (result.exitCode !== 0 || result.timedOut) {
    const why = result.timedOut ? `timed out after ${timeout} ms` : `exit ${result.exitCode ?? result.signal}`
    throw new Error(`${what} failed (${why}): ${String(result.stderr).trim() || String(result.stdout).trim()}`)
  }
  return String(result.stdout)
}

/** Builds the guest (cached) and (re)creates hosts vbed1..vbedN. */
export async function startBed(n: number): Promise<Bed> {
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`startBed: 1..8 hosts, not ${n}`)
  await run('bash', [GUEST_BUILD], 'test bed guest build', 600_000)
  await run('bash', [BED_SH, 'up', String(n)], `bed.sh up ${n}`, 180_000)

  const hosts = JSON.parse(await readFile(join(BED_DIR, 'hosts.json'), 'utf8')) as BedHost[]
  const holders = new Map<number, string>()
  for (const host of hosts) {
    holders.set(host.index, (await readFile(join(BED_DIR, `h${host.index}`, 'holder.pid'), 'utf8')).trim())
  }

  const exec = async (index: number, argv: string[]): Promise<string> => {
    const holder = holders.get(index)
    if (holder === undefined) throw new Error(`test bed has no host ${index} (1..${hosts.length})`)
    return run('nsenter', ['-t', holder, '-n', '-m', '-u', '-C', '--', ...argv], `vbed${index}: ${argv.join(' ')}`, 300_000)
  }

  let down: Promise<void> | undefined
  return {
    dir: BED_DIR,
    hosts,
    key: join(BED_DIR, 'client', 'id_ed25519'),
    knownHosts: join(BED_DIR, 'client', 'known_hosts'),
    guest: {kernel: join(BED_DIR, 'guest', 'vmlinux'), initrd: join(BED_DIR, 'guest', 'initrd.gz')},
    exec,
    virsh: (index, args) => exec(index, ['virsh', '-c', 'qemu:///system', ...args]),
    async consoleOf(index, vm) {
      try {
        return await readFile(join(BED_DIR, `h${index}`, 'violin', 'console', `${vm}.log`), 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
        throw error
      }
    },
    down: () => (down ??= run('bash', [BED_SH, 'down'], 'bed.sh down', 120_000).then(() => undefined)),
  }
}

/** The last whole `PING-STATS` line a guest started with `ping=` printed (see test/bed/guest/init.sh). */
export async function pingStats(
  bed: Bed,
  host: number,
  vm: string,
): Promise<{sent: number; received: number; lostStreakMax: number} | undefined> {
  // Whole lines only: the guest may be half-way through writing the last one.
  const lines = (await bed.consoleOf(host, vm))
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('PING-STATS'))
  const m = /sent=(\d+) received=(\d+) lost_streak_max=(\d+)/.exec(lines.at(-1) ?? '')
  return m ? {sent: Number(m[1]), received: Number(m[2]), lostStreakMax: Number(m[3])} : undefined
}

/** Polls `probe` every 500 ms until `ok` holds; fails with the last value after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ok: (v: T) => boolean, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined && ok(v)) return v
    if (Date.now() > deadline) throw new Error(`not within ${ms / 1000} s: ${what} (last: ${JSON.stringify(v)})`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

/**
 * Writes an `env define` file for bed guests on a data plane: each VM line is a flow
 * mapping as the file format takes it (`{name: x, host: vbed1, cmdline: "ip4=..."}`).
 */
export function guestEnvFile(bed: Bed, file: string, name: string, dataplane: string, vms: string[]): string {
  const lines = [
    `name: ${name}`,
    `dataplane: ${dataplane}`,
    'defaults:',
    `  kernel: ${bed.guest.kernel}`,
    `  initrd: ${bed.guest.initrd}`,
    '  cmdline: "console=ttyS0 quiet panic=-1 mtu=1450"',
    '  memory: 160M',
    'vms:',
    ...vms.map((v) => `  - ${v}`),
  ]
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}
