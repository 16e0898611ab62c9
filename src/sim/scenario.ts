/**
 * Simulation scenarios (`violin simulate SCENARIO.yaml`, DESIGN "Simulation"): hosts, and
 * environments whose VMs go through phases of CPU, memory and traffic demand. The paper
 * scenarios in examples/scenarios/ are written in it.
 *
 *   name: icac-1                 # optional, default: the file name
 *   step_s: 1                    # simulated seconds per step (default 1)
 *   interval_s: 10               # a policy pass every this many seconds (default 10)
 *   max_time_s: 36000            # an environment not done by then has failed (default 10 days)
 *   migration:
 *     bandwidth: 100MiB/s        # memory copied per second per migration (default 100MiB/s)
 *     downtime_s: 1              # added to every migration (default 0)
 *     slowdown: 0.1              # the VM runs this much slower while it migrates (default 0.1)
 *   memory:
 *     swap: true                 # false: a guest needing more than its allocation crashes
 *                                #   (ICAC 2006 section 4.4); true: it swaps and slows down
 *     swap_writes_per_mib: 6     # swap pages written per second per MiB short (default 6)
 *   policy_options:              # optional overrides of the policies' options (PolicyOptions names)
 *     memoryStepMiB: 32
 *   hosts:
 *     - {name: d1-h1, site: D1, cores: 1, memory: 1GiB, nic: 1Gbit/s}   # nic default 1Gbit/s
 *   environments:
 *     - name: V1
 *       head_site: D1            # default: the site of its first VM's host
 *       start_s: 0               # default 0; it waits until its VMs' memory fits on their hosts
 *       sync: true               # default true: bulk-synchronous (MPI): every VM advances at
 *                                #   the pace of the slowest; false: each VM on its own
 *       vms:
 *         - name: V1-a           # default ENV-1, ENV-2... (a `hosts:` list makes one VM per host)
 *           host: d1-h1          # or hosts: [d1-h1, d1-h2]
 *           role: compute        # head | compute (default compute; a head never leaves its site)
 *           vcpus: 1             # default 1
 *           memory: 256MiB       # allocation at start (the balloon); default 256MiB
 *           max_memory: 512MiB   # what the balloon may grow to; default memory
 *           phases:
 *             - cpu: 1.0         # fraction of its vCPUs it wants, 0..1
 *               memory: 160MiB   # what the guest uses (default: half its allocation)
 *               traffic: {V2-1: 4MB/s, outside: 3MB/s}   # to peers (VM names) or outside the cluster
 *               dirty_rate: 20MiB/s   # memory it dirties (default 0): a live migration resends it
 *               work: 600        # CPU-seconds (cpu x vCPUs x seconds at full speed), or
 *               # duration_s: 600  # seconds at full speed
 *
 * Sizes take MiB/GiB units (a bare number is MiB); rates take B/s, KB/s, MB/s, GB/s,
 * KiB/s, MiB/s, GiB/s, Mbit/s, Gbit/s (a bare number is bytes per second). Every mistake is
 * a ConfigError naming the file, the field and its line.
 */
import {basename} from 'node:path'

import {load as parseYaml} from 'js-yaml'

import {ConfigError} from '../errors.js'
import type {Role} from '../inventory/environment.js'
import {DEFAULT_POLICY_OPTIONS, type PolicyOptions} from '../policy/view.js'
import {parseSizeMiB} from '../units.js'
import {readSimFile} from './read.js'

export interface ScenarioHost {
  name: string
  site: string
  cores: number
  memoryMiB: number
  nicBytesPerSecond: number
}

export interface ScenarioPhase {
  /** Fraction of the VM's vCPUs it wants. */
  cpu: number
  /** What the guest uses, MiB. */
  memoryMiB: number
  /** Bytes per second to each peer (a VM name, or `outside`). */
  traffic: Record<string, number>
  /** How fast it dirties memory, bytes/s: a live migration sends that again, round after round. */
  dirtyBytesPerSecond: number
  /** Seconds at full speed (work / (cpu x vCPUs) when given as work). */
  seconds: number
}

export interface ScenarioVm {
  name: string
  host: string
  role: Role
  vcpus: number
  memoryMiB: number
  maxMemoryMiB: number
  phases: ScenarioPhase[]
}

export interface ScenarioEnvironment {
  name: string
  headSite: string
  startS: number
  sync: boolean
  vms: ScenarioVm[]
}

export interface Scenario {
  name: string
  file: string
  stepS: number
  intervalS: number
  maxTimeS: number
  migration: {bytesPerSecond: number; downtimeS: number; slowdown: number}
  memory: {swap: boolean; swapWritesPerMiB: number}
  policyOptions: PolicyOptions
  hosts: ScenarioHost[]
  environments: ScenarioEnvironment[]
}

/** The peer name for traffic that leaves the cluster (clients): it always crosses the NIC. */
export const OUTSIDE = 'outside'

const MIB = 1024 * 1024
const RATE_UNITS: Record<string, number> = {
  'b/s': 1,
  'kb/s': 1e3,
  'mb/s': 1e6,
  'gb/s': 1e9,
  'kib/s': 1024,
  'mib/s': MIB,
  'gib/s': 1024 * MIB,
  'kbit/s': 1e3 / 8,
  'mbit/s': 1e6 / 8,
  'gbit/s': 1e9 / 8,
}

const TOP_KEYS = ['name', 'step_s', 'interval_s', 'max_time_s', 'migration', 'memory', 'policy_options', 'hosts', 'environments', 'description']
const HOST_KEYS = ['name', 'site', 'cores', 'memory', 'nic']
const ENV_KEYS = ['name', 'head_site', 'start_s', 'sync', 'vms']
const VM_KEYS = ['name', 'host', 'hosts', 'role', 'vcpus', 'memory', 'max_memory', 'phases']
const PHASE_KEYS = ['cpu', 'memory', 'traffic', 'dirty_rate', 'work', 'duration_s']

/** Reads and checks a scenario file. */
export function loadScenario(file: string): Scenario {
  const text = readSimFile(file)
  return parseScenario(file, text)
}

/** Where each mapping and list of the document starts (0-based line), to name lines in errors. */
type Lines = WeakMap<object, number>

export function parseScenario(file: string, text: string): Scenario {
  const lines: Lines = new WeakMap()
  const stack: number[] = []
  let doc: unknown
  try {
    doc = parseYaml(text, {
      filename: file,
      listener(event, state) {
        if (event === 'open') stack.push(state.line)
        else {
          const line = stack.pop() ?? 0
          const r = state.result as unknown
          if (r !== null && typeof r === 'object' && !lines.has(r)) lines.set(r, line)
        }
      },
    })
  } catch (error) {
    const mark = (error as {mark?: {line?: number}}).mark
    throw new ConfigError(file, undefined, `not valid YAML${mark?.line === undefined ? '' : ` (line ${mark.line + 1})`}: ${(error as Error).message.split('\n')[0]}`)
  }
  return new Reader(file, text, lines).scenario(doc)
}

class Reader {
  private readonly textLines: string[]

  constructor(
    private readonly file: string,
    text: string,
    private readonly lines: Lines,
  ) {
    this.textLines = text.split('\n')
  }

  /** The 1-based line of `key` in `parent` (a mapping), or of the parent itself. */
  private lineOf(parent: object | undefined, key?: string | number): number | undefined {
    if (!parent) return undefined
    const start = this.lines.get(parent)
    if (start === undefined) return undefined
    if (key === undefined) return start + 1
    if (Array.isArray(parent)) {
      const item = parent[key as number] as unknown
      if (item !== null && typeof item === 'object' && this.lines.has(item)) return this.lines.get(item)! + 1
      return start + 1
    }
    const re = new RegExp(`(^|[\\s{,\\-])["']?${String(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`)
    for (let i = start; i < this.textLines.length; i++) if (re.test(this.textLines[i]!)) return i + 1
    return start + 1
  }

  fail(field: string, detail: string, parent?: object, key?: string | number): never {
    const line = this.lineOf(parent, key)
    throw new ConfigError(this.file, field ? `${field}${line === undefined ? '' : ` (line ${line})`}` : line === undefined ? undefined : `line ${line}`, detail)
  }

  private obj(x: unknown, at: string, parent?: object, key?: string | number): Record<string, unknown> {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) this.fail(at || '(top level)', 'must be a mapping', parent, key)
    return x as Record<string, unknown>
  }

  private list(x: unknown, at: string, parent: object, key: string): unknown[] {
    if (!Array.isArray(x) || x.length === 0) this.fail(at, 'must be a non-empty list', parent, key)
    return x
  }

  private known(o: Record<string, unknown>, keys: string[], at: string): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(at ? `${at}.${k}` : k, `is not a known key (known: ${keys.join(', ')})`, o, k)
  }

  private str(o: Record<string, unknown>, key: string, at: string, dflt?: string): string {
    const x = o[key]
    if (x === undefined && dflt !== undefined) return dflt
    if (typeof x !== 'string' || x.trim() === '') this.fail(`${at}.${key}`.replace(/^\./, ''), 'must be a non-empty string', o, key)
    return x
  }

  private num(o: Record<string, unknown>, key: string, at: string, dflt: number | undefined, check: {min?: number; max?: number; above?: number; int?: boolean; what: string}): number {
    const x = o[key]
    if (x === undefined && dflt !== undefined) return dflt
    const ok = typeof x === 'number' && Number.isFinite(x) && (check.min === undefined || x >= check.min) && (check.max === undefined || x <= check.max) && (check.above === undefined || x > check.above) && (!check.int || Number.isInteger(x))
    if (!ok) this.fail(`${at}.${key}`.replace(/^\./, ''), `must be ${check.what}, got ${JSON.stringify(x)}`, o, key)
    return x as number
  }

  private size(o: Record<string, unknown>, key: string, at: string, dflt: number | undefined): number {
    const x = o[key]
    if (x === undefined && dflt !== undefined) return dflt
    const field = `${at}.${key}`.replace(/^\./, '')
    if (typeof x === 'number' && x > 0) return x
    if (typeof x !== 'string') this.fail(field, `must be a size like 512MiB or 2GiB, got ${JSON.stringify(x)}`, o, key)
    try {
      return parseSizeMiB(x)
    } catch {
      return this.fail(field, `"${x}" is not a size like 512MiB or 2GiB`, o, key)
    }
  }

  private rate(o: Record<string, unknown>, key: string, at: string, dflt: number | undefined): number {
    const x = o[key]
    if (x === undefined && dflt !== undefined) return dflt
    const field = `${at}.${key}`.replace(/^\./, '')
    if (typeof x === 'number' && Number.isFinite(x) && x >= 0) return x
    const m = typeof x === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b(?:it)?\/s)\s*$/i.exec(x) : null
    const unit = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined
    if (!m || unit === undefined) this.fail(field, `must be a rate like 4MB/s or 1Gbit/s, got ${JSON.stringify(x)}`, o, key)
    return Number(m[1]) * unit
  }

  scenario(doc: unknown): Scenario {
    const root = this.obj(doc, '')
    this.known(root, TOP_KEYS, '')
    const name = root.name === undefined ? basename(this.file).replace(/\.ya?ml$/, '') : this.str(root, 'name', '')
    const stepS = this.num(root, 'step_s', '', 1, {above: 0, what: 'a number of seconds > 0'})
    const intervalS = this.num(root, 'interval_s', '', 10, {above: 0, what: 'a number of seconds > 0'})
    if (intervalS < stepS) this.fail('interval_s', `must be at least step_s (${stepS})`, root, 'interval_s')
    const maxTimeS = this.num(root, 'max_time_s', '', 10 * 86_400, {above: 0, what: 'a number of seconds > 0'})
    const mig = root.migration === undefined ? {} : this.obj(root.migration, 'migration', root, 'migration')
    this.known(mig, ['bandwidth', 'downtime_s', 'slowdown'], 'migration')
    const migration = {
      bytesPerSecond: this.rate(mig, 'bandwidth', 'migration', 100 * MIB),
      downtimeS: this.num(mig, 'downtime_s', 'migration', 0, {min: 0, what: 'a number of seconds >= 0'}),
      slowdown: this.num(mig, 'slowdown', 'migration', 0.1, {min: 0, max: 0.99, what: 'a number from 0 to 0.99'}),
    }
    if (migration.bytesPerSecond <= 0) this.fail('migration.bandwidth', 'must be more than 0', mig, 'bandwidth')
    const mem = root.memory === undefined ? {} : this.obj(root.memory, 'memory', root, 'memory')
    this.known(mem, ['swap', 'swap_writes_per_mib'], 'memory')
    if (mem.swap !== undefined && typeof mem.swap !== 'boolean') this.fail('memory.swap', 'must be true or false', mem, 'swap')
    const memory = {swap: (mem.swap as boolean | undefined) ?? true, swapWritesPerMiB: this.num(mem, 'swap_writes_per_mib', 'memory', 6, {min: 0, what: 'a number >= 0'})}
    const po = root.policy_options === undefined ? {} : this.obj(root.policy_options, 'policy_options', root, 'policy_options')
    const policyOptions: PolicyOptions = {...DEFAULT_POLICY_OPTIONS}
    for (const k of Object.keys(po)) {
      if (!(k in DEFAULT_POLICY_OPTIONS)) this.fail(`policy_options.${k}`, `is not a policy option (known: ${Object.keys(DEFAULT_POLICY_OPTIONS).join(', ')})`, po, k)
      ;(policyOptions as unknown as Record<string, number>)[k] = this.num(po, k, 'policy_options', undefined, {min: 0, what: 'a number >= 0'})
    }

    const hostList = this.list(root.hosts, 'hosts', root, 'hosts')
    const hosts = hostList.map((x, i): ScenarioHost => {
      const at = `hosts[${i}]`
      const o = this.obj(x, at, hostList, i)
      this.known(o, HOST_KEYS, at)
      return {
        name: this.str(o, 'name', at),
        site: this.str(o, 'site', at, 'default'),
        cores: this.num(o, 'cores', at, undefined, {above: 0, int: true, what: 'a whole number of cores > 0'}),
        memoryMiB: this.size(o, 'memory', at, undefined),
        nicBytesPerSecond: this.rate(o, 'nic', at, 125e6),
      }
    })
    const hostByName = new Map<string, ScenarioHost>()
    hosts.forEach((h, i) => {
      if (hostByName.has(h.name)) this.fail(`hosts[${i}].name`, `host "${h.name}" is named twice`, hostList[i] as object, 'name')
      hostByName.set(h.name, h)
    })

    const envList = this.list(root.environments, 'environments', root, 'environments')
    const vmNames = new Set<string>()
    const peersToCheck: Array<{peer: string; field: string; parent: object}> = []
    const environments = envList.map((x, i): ScenarioEnvironment => {
      const at = `environments[${i}]`
      const o = this.obj(x, at, envList, i)
      this.known(o, ENV_KEYS, at)
      const name = this.str(o, 'name', at)
      const startS = this.num(o, 'start_s', at, 0, {min: 0, what: 'a number of seconds >= 0'})
      if (o.sync !== undefined && typeof o.sync !== 'boolean') this.fail(`${at}.sync`, 'must be true or false', o, 'sync')
      const vmList = this.list(o.vms, `${at}.vms`, o, 'vms')
      const vms: ScenarioVm[] = []
      vmList.forEach((y, j) => {
        const vat = `${at}.vms[${j}]`
        const v = this.obj(y, vat, vmList, j)
        this.known(v, VM_KEYS, vat)
        if ((v.host === undefined) === (v.hosts === undefined)) this.fail(vat, 'needs host (one VM) or hosts (one VM per host), not both', vmList, j)
        let onHosts: string[]
        if (v.host !== undefined) onHosts = [this.str(v, 'host', vat)]
        else {
          const hl = this.list(v.hosts, `${vat}.hosts`, v, 'hosts')
          onHosts = hl.map((h, k) => (typeof h === 'string' && h !== '' ? h : this.fail(`${vat}.hosts[${k}]`, 'must be a host name', v, 'hosts')))
          if (v.name !== undefined) this.fail(`${vat}.name`, 'cannot name the VMs of a hosts: list (they are named ENV-1, ENV-2...)', v, 'name')
        }
        for (const h of onHosts) if (!hostByName.has(h)) this.fail(`${vat}.${v.host === undefined ? 'hosts' : 'host'}`, `"${h}" is not one of the hosts`, v, v.host === undefined ? 'hosts' : 'host')
        const role = (v.role ?? 'compute') as Role
        if (role !== 'head' && role !== 'compute') this.fail(`${vat}.role`, 'must be head or compute', v, 'role')
        const vcpus = this.num(v, 'vcpus', vat, 1, {above: 0, int: true, what: 'a whole number of vCPUs > 0'})
        const memoryMiB = this.size(v, 'memory', vat, 256)
        const maxMemoryMiB = this.size(v, 'max_memory', vat, memoryMiB)
        if (maxMemoryMiB < memoryMiB) this.fail(`${vat}.max_memory`, `is below memory (${memoryMiB} MiB)`, v, 'max_memory')
        const phaseList = this.list(v.phases, `${vat}.phases`, v, 'phases')
        const phases = phaseList.map((z, k): ScenarioPhase => {
          const pat = `${vat}.phases[${k}]`
          const p = this.obj(z, pat, phaseList, k)
          this.known(p, PHASE_KEYS, pat)
          const cpu = this.num(p, 'cpu', pat, undefined, {min: 0, max: 1, what: 'a number from 0 to 1'})
          const used = this.size(p, 'memory', pat, memoryMiB / 2)
          const tr = p.traffic === undefined ? {} : this.obj(p.traffic, `${pat}.traffic`, p, 'traffic')
          const traffic: Record<string, number> = {}
          for (const peer of Object.keys(tr)) {
            traffic[peer] = this.rate(tr, peer, `${pat}.traffic`, undefined)
            if (peer !== OUTSIDE) peersToCheck.push({peer, field: `${pat}.traffic.${peer}`, parent: tr})
          }
          if ((p.work === undefined) === (p.duration_s === undefined)) this.fail(pat, 'needs work (CPU-seconds) or duration_s (seconds at full speed), one of them', phaseList, k)
          let seconds: number
          if (p.duration_s !== undefined) seconds = this.num(p, 'duration_s', pat, undefined, {above: 0, what: 'a number of seconds > 0'})
          else {
            const work = this.num(p, 'work', pat, undefined, {above: 0, what: 'a number of CPU-seconds > 0'})
            if (cpu === 0) this.fail(`${pat}.work`, 'needs a cpu above 0 (give duration_s for an idle phase)', p, 'work')
            seconds = work / (cpu * vcpus)
          }
          const dirtyBytesPerSecond = p.dirty_rate === undefined ? 0 : this.rate(p, 'dirty_rate', pat, undefined)
          return {cpu, memoryMiB: used, traffic, dirtyBytesPerSecond, seconds}
        })
        onHosts.forEach((host, k) => {
          const vmName = v.host !== undefined && v.name !== undefined ? this.str(v, 'name', vat) : `${name}-${vms.length + 1}`
          if (vmNames.has(vmName)) this.fail(v.name !== undefined ? `${vat}.name` : vat, `VM "${vmName}" is named twice`, v.name !== undefined ? v : vmList, v.name !== undefined ? 'name' : j)
          vmNames.add(vmName)
          void k
          vms.push({name: vmName, host, role, vcpus, memoryMiB, maxMemoryMiB, phases})
        })
      })
      const firstSite = hostByName.get(vms[0]!.host)!.site
      return {name, headSite: this.str(o, 'head_site', at, firstSite), startS, sync: (o.sync as boolean | undefined) ?? true, vms}
    })
    const envNames = new Set<string>()
    environments.forEach((e, i) => {
      if (envNames.has(e.name)) this.fail(`environments[${i}].name`, `environment "${e.name}" is named twice`, envList[i] as object, 'name')
      envNames.add(e.name)
    })
    for (const c of peersToCheck) if (!vmNames.has(c.peer)) this.fail(c.field, `"${c.peer}" is not a VM of the scenario (or ${OUTSIDE})`, c.parent, c.peer)
    return {name, file: this.file, stepS, intervalS, maxTimeS, migration, memory, policyOptions, hosts, environments}
  }
}
