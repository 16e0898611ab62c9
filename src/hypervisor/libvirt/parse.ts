/** Pure parsers for virsh's text output (virsh 9.x, LC_ALL=C). Fixtures: test/fixtures/virsh/. */
import type {VmMigrationState, VmFiles, HostInfo, MigrationResult, SchedParams, VmInfo, VmState} from '../driver.js'

const STATE_BY_NUMBER: Record<string, VmState> = {
  '0': 'unknown',
  '1': 'running',
  '2': 'idle',
  '3': 'paused',
  '4': 'shutdown',
  '5': 'shutoff',
  '6': 'crashed',
  '7': 'suspended',
}

const STATE_BY_WORD: Record<string, VmState> = {
  running: 'running',
  idle: 'idle',
  blocked: 'idle',
  paused: 'paused',
  'in shutdown': 'shutdown',
  'shut off': 'shutoff',
  crashed: 'crashed',
  pmsuspended: 'suspended',
}

export function stateFromNumber(n: string | undefined): VmState {
  return (n !== undefined && STATE_BY_NUMBER[n]) || 'unknown'
}

export function stateFromWord(word: string): VmState {
  return STATE_BY_WORD[word.trim().toLowerCase()] ?? 'unknown'
}

/** `Key:   value` lines (dominfo, nodeinfo, domjobinfo) into a map; keys keep their spelling. */
export function parseColonBlock(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim()
  }
  return out
}

function kib(value: string | undefined): number {
  const m = /^(\d+)\s*KiB$/.exec(value ?? '')
  return m ? Number(m[1]) / 1024 : Number.NaN
}

export function parseDominfo(text: string): VmInfo {
  const f = parseColonBlock(text)
  const id = f.Id && f.Id !== '-' ? Number(f.Id) : undefined
  const cpu = /^([\d.]+)s$/.exec(f['CPU time'] ?? '')
  return {
    name: f.Name ?? '',
    id,
    uuid: f.UUID,
    state: stateFromWord(f.State ?? ''),
    vcpus: Number(f['CPU(s)'] ?? Number.NaN),
    memoryMiB: kib(f['Used memory']),
    maxMemoryMiB: kib(f['Max memory']),
    cpuTimeSec: cpu ? Number(cpu[1]) : undefined,
    persistent: f.Persistent === undefined ? undefined : f.Persistent === 'yes',
    autostart: f.Autostart === undefined ? undefined : f.Autostart === 'enable',
  }
}

export function parseNodeinfo(text: string): Omit<HostInfo, 'hypervisor'> {
  const f = parseColonBlock(text)
  return {
    cores: Number(f['CPU(s)'] ?? Number.NaN),
    memoryMiB: kib(f['Memory size']),
    cpuModel: f['CPU model'],
    mhz: f['CPU frequency'] ? Number.parseInt(f['CPU frequency'], 10) : undefined,
  }
}

/** `virsh nodememstats`: `free   :   23264960 KiB`. */
export function parseNodememstats(text: string): {totalMiB?: number; freeMiB?: number} {
  const f = parseColonBlock(text)
  const free = kib(f.free)
  const total = kib(f.total)
  return {freeMiB: Number.isNaN(free) ? undefined : free, totalMiB: Number.isNaN(total) ? undefined : total}
}

/** `virsh version`: the running hypervisor's name and version. */
export function parseVersion(text: string): {hypervisor: string; version?: string; library?: string} {
  const f = parseColonBlock(text)
  const running = /^(\S+)\s+(\S+)$/.exec(f['Running hypervisor'] ?? '')
  return {
    hypervisor: running?.[1]?.toLowerCase() ?? 'unknown',
    version: running?.[2],
    library: f['Using library']?.replace(/^libvirt\s+/, ''),
  }
}

/** `virsh domstats --raw`: one block per domain, `  key=value` lines. Names may hold any character. */
export function parseDomstats(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const line of text.split('\n')) {
    const header = /^Domain: '(.*)'$/.exec(line)
    if (header) {
      current = {}
      out.set(header[1]!, current)
      continue
    }
    const kv = /^\s+([^=\s]+)=(.*)$/.exec(line)
    if (kv && current) current[kv[1]!] = kv[2]!
  }
  return out
}

/**
 * From one domain's `domstats --raw --balloon --dirtyrate`: the memory the guest reports in
 * use (balloon.available - balloon.unused), else what QEMU has resident (balloon.rss, which
 * also counts QEMU's own memory: at most the guest's size), and the dirty rate once its
 * calculation has finished (dirtyrate.calc_status 2; QEMU reports it in MiB/s).
 */
export function migrationStateOf(raw: Record<string, string>): VmMigrationState & {measuring: boolean} {
  const n = (k: string) => (raw[k] === undefined || raw[k] === '' || !Number.isFinite(Number(raw[k])) ? undefined : Number(raw[k]))
  const available = n('balloon.available')
  const unused = n('balloon.unused')
  const rss = n('balloon.rss')
  const size = n('balloon.current') ?? n('balloon.maximum')
  const state: VmMigrationState & {measuring: boolean} = {measuring: n('dirtyrate.calc_status') === 1}
  if (available !== undefined && unused !== undefined && available >= unused) {
    state.usedMiB = (available - unused) / 1024
    state.usedFrom = 'guest'
  } else if (rss !== undefined) {
    state.usedMiB = Math.min(rss, size ?? rss) / 1024
    state.usedFrom = 'resident'
  }
  const rate = n('dirtyrate.megabytes_per_second')
  if (n('dirtyrate.calc_status') === 2 && rate !== undefined) state.dirtyRateMiBs = rate
  return state
}

/** `virsh list --all`: the Id column, to address running domains by number. */
export function parseListIds(text: string): Map<string, number> {
  const ids = new Map<string, number>()
  const lines = text.split('\n')
  const dash = lines.findIndex((l) => /^-{5,}/.test(l))
  for (const line of lines.slice(dash + 1)) {
    const m = /^\s*(\d+|-)\s+(.+?)\s{2,}\S.*$/.exec(line)
    if (m && m[1] !== '-') ids.set(m[2]!, Number(m[1]))
  }
  return ids
}

/** `virsh schedinfo`: `name : value` lines after the Scheduler line. */
export function parseSchedinfo(text: string): SchedParams {
  const out: SchedParams = {}
  for (const line of text.split('\n')) {
    const m = /^(\S[^:]*?)\s*:\s*(.*)$/.exec(line)
    if (!m) continue
    const key = m[1] === 'Scheduler' ? 'scheduler' : m[1]!
    const n = Number(m[2])
    out[key] = m[2] !== '' && Number.isFinite(n) ? n : m[2]!
  }
  return out
}

/** `virsh domjobinfo --completed --keep-completed --raw`: what the hypervisor measured. */
export function parseJobinfo(text: string): Omit<MigrationResult, 'wallMs'> {
  const f = parseColonBlock(text)
  const num = (k: string) => (f[k] === undefined ? undefined : Number(f[k]))
  return {
    totalMs: num('time_elapsed'),
    downtimeMs: num('downtime'),
    dataBytes: num('data_processed'),
    memoryBytes: num('memory_processed'),
    iterations: num('memory_iteration'),
    raw: f,
  }
}

/** Splits the output of one virsh batch (`echo @@tag; cmd; ...`) by its markers. */
export function splitBatch(text: string, marker = '@@violin:'): Map<string, string> {
  const parts = new Map<string, string>()
  let tag: string | undefined
  let buf: string[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith(marker)) {
      if (tag !== undefined) parts.set(tag, buf.join('\n'))
      tag = line.slice(marker.length).trim()
      buf = []
    } else buf.push(line)
  }
  if (tag !== undefined) parts.set(tag, buf.join('\n'))
  return parts
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"})[e]!)
}

/**
 * The files a domain needs on its host, from `virsh dumpxml`: the direct-boot kernel and
 * initrd, and every file-backed disk (read-only or not). libvirt writes this XML itself,
 * in a fixed form, so these few elements are found without a full XML parser.
 */
export function parseDomainFiles(xml: string): VmFiles {
  const os = /<os[\s>][\s\S]*?<\/os>/.exec(xml)?.[0] ?? ''
  const text = (tag: string) => {
    const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(os)
    return m ? unescapeXml(m[1]!) : undefined
  }
  const disks: VmFiles['disks'] = []
  for (const [block] of xml.matchAll(/<disk\b[^>]*>[\s\S]*?<\/disk>/g)) {
    if (!/device=['"](disk|cdrom)['"]/.test(block)) continue
    const source = /<source\b[^>]*\bfile=(?:'([^']*)'|"([^"]*)")/.exec(block)
    if (!source) continue
    const format = /<driver\b[^>]*\btype=['"]([^'"]+)['"]/.exec(block)?.[1]
    disks.push({path: unescapeXml(source[1] ?? source[2]!), readOnly: /<readonly\s*\/>/.test(block), ...(format ? {format} : {})})
  }
  return {kernel: text('kernel'), initrd: text('initrd'), disks}
}

/**
 * Time the vCPUs were ready but not running, summed: QEMU's `vcpu.N.delay` (the host
 * scheduler's run-queue wait, what the guest sees as steal; libvirt 7.9+), else Xen's
 * `vcpu.N.wait`. Absent when the hypervisor reports neither.
 */
export function vcpuWaitNs(raw: Record<string, string>): {cpuWaitNs?: number} {
  const num = (v: string | undefined) => (v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v))
  const n = num(raw['vcpu.maximum']) ?? num(raw['vcpu.current']) ?? 0
  for (const key of ['delay', 'wait']) {
    let sum = 0
    let seen = false
    for (let i = 0; i < n; i++) {
      const v = num(raw[`vcpu.${i}.${key}`])
      if (v === undefined) continue
      sum += v
      seen = true
    }
    if (seen && (key === 'delay' || sum > 0)) return {cpuWaitNs: sum}
  }
  return {}
}
