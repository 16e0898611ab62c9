/**
 * Simulation scenarios (`violin simulate SCENARIO.yaml`, docs/ARCHITECTURE.md, "Simulation"): hosts, and
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
 *   rules:                       # optional placement rules every policy obeys (`violin rule`)
 *     - {kind: anti-affinity, name: apart, vms: [V1-a, V2-1]}   # never on one host
 *     - {kind: affinity, name: pair, vms: [V1-b, V1-c]}         # kept on one host, moved together
 *     - {kind: pin, vms: [V1-a], site: D1}                      # or host: d1-h1 (named pin-V1-a)
 *     - {kind: exclude, vms: [V2-1]}                            # never moved or resized (exclude-V2-1)
 *
 * Sizes take MiB/GiB units (a bare number is MiB); rates take B/s, KB/s, MB/s, GB/s,
 * KiB/s, MiB/s, GiB/s, Mbit/s, Gbit/s (a bare number is bytes per second). The schema is
 * src/schema/scenario.ts (`violin schema scenario`); every mistake is
 * `FILE:LINE:COL: FIELD: expected ..., found ...` (exit 3).
 */
import {basename} from 'node:path'

import type {Role} from '../inventory/environment-record.js'
import {DEFAULT_POLICY_OPTIONS, type PolicyOptions} from '../policy/cluster-view.js'
import {contradictions, type Rule} from '../policy/rules.js'
import {check, fileError} from '../schema/check.js'
import type * as v from 'valibot'

import {scenarioSchema} from '../schema/scenario.js'
import type {PathKey} from '../schema/source.js'
import {parseYaml} from '../schema/yaml.js'
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
  /** Placement rules every policy obeys here as on real hosts (`violin rule`). */
  rules: Rule[]
}

/** The peer name for traffic that leaves the cluster (clients): it always crosses the NIC. */
export const OUTSIDE = 'outside'

const MIB = 1024 * 1024

/** Reads and checks a scenario file. */
export function loadScenario(file: string): Scenario {
  const text = readSimFile(file)
  return parseScenario(file, text)
}

export function parseScenario(file: string, text: string): Scenario {
  const {value, source} = parseYaml(file, text)
  const root = check(scenarioSchema, value, source)
  const fail = (path: PathKey[], expected: string, found: unknown, options: {found?: string; key?: boolean} = {}): never => {
    throw fileError(source, path, expected, found, options)
  }
  const name = root.name ?? basename(file).replace(/\.ya?ml$/, '')
  const stepS = root.step_s ?? 1
  const intervalS = root.interval_s ?? 10
  if (intervalS < stepS) fail(['interval_s'], `at least step_s (${stepS})`, intervalS)
  const maxTimeS = root.max_time_s ?? 10 * 86_400
  const mig: NonNullable<typeof root.migration> = root.migration ?? {}
  const migration = {bytesPerSecond: mig.bandwidth ?? 100 * MIB, downtimeS: mig.downtime_s ?? 0, slowdown: mig.slowdown ?? 0.1}
  if (migration.bytesPerSecond <= 0) fail(['migration', 'bandwidth'], 'a rate above 0', 0)
  const memory = {swap: root.memory?.swap ?? true, swapWritesPerMiB: root.memory?.swap_writes_per_mib ?? 6}
  const policyOptions: PolicyOptions = {...DEFAULT_POLICY_OPTIONS}
  for (const [k, x] of Object.entries(root.policy_options ?? {}))
    if (x !== undefined) (policyOptions as unknown as Record<string, number>)[k] = x

  const hosts = root.hosts.map(
    (h): ScenarioHost => ({
      name: h.name,
      site: h.site ?? 'default',
      cores: h.cores,
      memoryMiB: h.memory,
      nicBytesPerSecond: h.nic ?? 125e6,
    }),
  )
  const hostByName = new Map<string, ScenarioHost>()
  hosts.forEach((h, i) => {
    if (hostByName.has(h.name)) fail(['hosts', i, 'name'], 'a host name not used before', h.name)
    hostByName.set(h.name, h)
  })
  const hostList = [...hostByName.keys()].join(', ')

  const vmNames = new Set<string>()
  const peersToCheck: Array<{peer: string; path: PathKey[]}> = []
  const environments = root.environments.map((o, i): ScenarioEnvironment => {
    const vms: ScenarioVm[] = []
    o.vms.forEach((v, j) => {
      const at: PathKey[] = ['environments', i, 'vms', j]
      if ((v.host === undefined) === (v.hosts === undefined))
        fail(at, 'host (one VM) or hosts (one VM per host), one of them', v, {found: v.host === undefined ? 'neither' : 'both'})
      const onHosts = v.host !== undefined ? [v.host] : v.hosts!
      if (v.hosts !== undefined && v.name !== undefined)
        fail([...at, 'name'], 'no name beside a hosts: list (its VMs are named ENV-1, ENV-2...)', v.name)
      onHosts.forEach((h, k) => {
        if (!hostByName.has(h)) fail(v.host !== undefined ? [...at, 'host'] : [...at, 'hosts', k], `one of the hosts (${hostList})`, h)
      })
      const role: Role = v.role ?? 'compute'
      const vcpus = v.vcpus ?? 1
      const memoryMiB = v.memory ?? 256
      const maxMemoryMiB = v.max_memory ?? memoryMiB
      if (maxMemoryMiB < memoryMiB)
        fail([...at, 'max_memory'], `at least memory (${memoryMiB} MiB)`, `${maxMemoryMiB} MiB`, {found: `${maxMemoryMiB} MiB`})
      const phases = v.phases.map((p, k): ScenarioPhase => {
        const pat: PathKey[] = [...at, 'phases', k]
        const traffic: Record<string, number> = {}
        for (const [peer, bytes] of Object.entries(p.traffic ?? {})) {
          traffic[peer] = bytes
          if (peer !== OUTSIDE) peersToCheck.push({peer, path: [...pat, 'traffic', peer]})
        }
        if ((p.work === undefined) === (p.duration_s === undefined))
          fail(pat, 'work (CPU-seconds) or duration_s (seconds at full speed), one of them', p, {
            found: p.work === undefined ? 'neither' : 'both',
          })
        let seconds: number
        if (p.duration_s !== undefined) seconds = p.duration_s
        else {
          if (p.cpu === 0) fail([...pat, 'work'], 'no work with cpu: 0 (give duration_s for an idle phase)', p.work)
          seconds = p.work! / (p.cpu * vcpus)
        }
        return {cpu: p.cpu, memoryMiB: p.memory ?? memoryMiB / 2, traffic, dirtyBytesPerSecond: p.dirty_rate ?? 0, seconds}
      })
      for (const host of onHosts) {
        const vmName = v.host !== undefined && v.name !== undefined ? v.name : `${o.name}-${vms.length + 1}`
        if (vmNames.has(vmName))
          fail(v.name !== undefined ? [...at, 'name'] : at, 'a VM name not used before', vmName, {found: JSON.stringify(vmName)})
        vmNames.add(vmName)
        vms.push({name: vmName, host, role, vcpus, memoryMiB, maxMemoryMiB, phases})
      }
    })
    const firstSite = hostByName.get(vms[0]!.host)!.site
    return {name: o.name, headSite: o.head_site ?? firstSite, startS: o.start_s ?? 0, sync: o.sync ?? true, vms}
  })
  const envNames = new Set<string>()
  environments.forEach((e, i) => {
    if (envNames.has(e.name)) fail(['environments', i, 'name'], 'an environment name not used before', e.name)
    envNames.add(e.name)
  })
  for (const c of peersToCheck) if (!vmNames.has(c.peer)) fail(c.path, `a VM of the scenario (or ${OUTSIDE})`, c.peer, {key: true})
  const rules = scenarioRules(root.rules ?? [], {vms: vmNames, hosts: hostByName, fail})
  return {name, file, stepS, intervalS, maxTimeS, migration, memory, policyOptions, hosts, environments, rules}
}

/** A scenario's rules as the policies take them, each name checked against the scenario. */
function scenarioRules(
  entries: NonNullable<v.InferOutput<typeof scenarioSchema>['rules']>,
  known: {
    vms: Set<string>
    hosts: Map<string, ScenarioHost>
    fail: (path: PathKey[], expected: string, found: unknown, options?: {found?: string}) => never
  },
): Rule[] {
  const {fail} = known
  const sites = new Set([...known.hosts.values()].map((h) => h.site))
  const rules: Rule[] = []
  const names = new Map<string, number>()
  entries.forEach((r, i) => {
    const at: PathKey[] = ['rules', i]
    r.vms.forEach((vm, j) => {
      if (!known.vms.has(vm)) fail([...at, 'vms', j], 'a VM of the scenario', vm)
    })
    if (new Set(r.vms).size !== r.vms.length) fail([...at, 'vms'], 'VM names each given once', r.vms.join(', '))
    const where = r.host !== undefined || r.site !== undefined
    if (r.kind === 'pin') {
      if ((r.host === undefined) === (r.site === undefined))
        fail(at, 'host or site (where the pin holds), one of them', r, {found: r.host === undefined ? 'neither' : 'both'})
      if (r.host !== undefined && !known.hosts.has(r.host)) fail([...at, 'host'], 'a host of the scenario', r.host)
      if (r.site !== undefined && !sites.has(r.site)) fail([...at, 'site'], `a site of the scenario (${[...sites].join(', ')})`, r.site)
    } else if (where)
      fail([...at, r.host !== undefined ? 'host' : 'site'], `nothing: a ${r.kind} rule holds on every host`, r.host ?? r.site)
    if (r.kind === 'pin' || r.kind === 'exclude') {
      if (r.name !== undefined && r.vms.length > 1)
        fail([...at, 'name'], `no name for a ${r.kind} of several VMs (each is ${r.kind}-VM)`, r.name)
      for (const vm of r.vms) {
        const name = r.name ?? `${r.kind}-${vm}`
        if (r.kind === 'exclude') rules.push({kind: 'exclude', name, vm})
        else rules.push(r.host !== undefined ? {kind: 'pin', name, vm, host: r.host} : {kind: 'pin', name, vm, site: r.site!})
        names.set(name, i)
      }
      return
    }
    if (r.vms.length < 2) fail([...at, 'vms'], `two VMs or more for ${r.kind}`, r.vms.join(', '))
    const name = r.name ?? fail(at, `a name for the ${r.kind} rule`, r, {found: 'none'})
    if (names.has(name)) fail([...at, 'name'], 'a rule name not used before', name)
    names.set(name, i)
    rules.push({kind: r.kind, name, vms: r.vms})
  })
  const seen = new Set<string>()
  for (const r of rules) {
    if (seen.has(r.name)) fail(['rules', names.get(r.name)!, 'name'], 'a rule name not used before', r.name)
    seen.add(r.name)
  }
  const clash = contradictions(rules)
  if (clash.length > 0) fail(['rules'], 'rules that can all be kept', clash.join('; '))
  return rules
}
