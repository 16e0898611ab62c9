import {resolve} from 'node:path'

import {UsageError, type ViolinError} from '../errors.js'
import type {ToolCheck} from '../hypervisor/driver.js'
import type {DomainType} from '../hypervisor/vm-spec.js'
import {checkHostNames, DEFAULT_LIBVIRT_URI, type DriverKind, type HostRecord, NIC_NAME, type VmRecord} from '../inventory/host.js'
import {Inventory} from '../inventory/inventory.js'
import {parseSshTarget, type SshTarget, SshTransport} from '../transport/ssh.js'
import {fanout} from './fanout.js'
import {envMs, type Session} from './session.js'
import {type HostFailure, listVms} from './vms.js'

export interface AddHostInput {
  name: string
  ssh?: string
  local: boolean
  site: string
  driver: DriverKind
  uri?: string
  identity?: string
  domainType?: DomainType
  cpuOvercommit?: number
  agentCommand?: string[]
  agentDir?: string
  /** The host's usage comes from its agent's samples in the shared store, not SSH polling. */
  agentStore?: boolean
  nic?: string
  force: boolean
  /** Connect once and record the host's SSH key in known_hosts (an --ssh host only). */
  acceptNewHostKey?: boolean
}

/** The vCPUs per core placement may go to; beyond this an overcommit is a typo, not a policy. */
export const MAX_CPU_OVERCOMMIT = 64

/** A libvirt connection URI: a scheme (qemu, qemu+ssh, test, xen...), then :// and no blank or control character. */
const LIBVIRT_URI = /^[a-z][a-z0-9+.-]*:\/\/[^\s\p{Cc}]*$/u

export async function addHost(input: AddHostInput): Promise<HostRecord> {
  // Every mistake is refused here, in one line, before the inventory (or known_hosts) is touched.
  if (Boolean(input.ssh) === Boolean(input.local))
    throw new UsageError('give exactly one of --ssh USER@ADDR[:PORT] and --local (this machine)')
  if (input.driver === 'sim' && !input.uri) throw new UsageError('a sim host needs --uri FILE (a simulated cluster, see examples/)')
  if (input.uri !== undefined) {
    if (input.driver === 'xl')
      throw new UsageError('--uri is for libvirt (its connection URI) and sim (the cluster file); an xl host takes none')
    if (input.driver === 'libvirt' && !LIBVIRT_URI.test(input.uri))
      throw new UsageError(`--uri ${JSON.stringify(input.uri)} is not a libvirt URI like qemu:///system or qemu+ssh://root@h1/system`)
    if (/\p{Cc}/u.test(input.uri)) throw new UsageError(`--uri ${JSON.stringify(input.uri)} holds a control character`)
  }
  if (input.cpuOvercommit !== undefined && !(input.cpuOvercommit > 0 && input.cpuOvercommit <= MAX_CPU_OVERCOMMIT)) {
    throw new UsageError(
      `--cpu-overcommit takes vCPUs per core, more than 0 and at most ${MAX_CPU_OVERCOMMIT} (like 1.5 or 4), not ${input.cpuOvercommit}`,
    )
  }
  if (input.acceptNewHostKey && !input.ssh)
    throw new UsageError('--accept-new-host-key records an SSH host key: it goes with --ssh, not --local')
  if (input.nic !== undefined && !NIC_NAME.test(input.nic))
    throw new UsageError(
      `"${input.nic}" is not a network interface name`,
      'give the device as ip link lists it, e.g. --nic eth0 (at most 15 characters)',
    )
  const record: HostRecord = {
    name: input.name,
    site: input.site,
    transport: input.ssh ? {kind: 'ssh', ...parseSshTarget(input.ssh)} : {kind: 'local'},
    driver: input.driver,
    // A sim cluster file is kept absolute: later commands may run from any directory.
    ...(input.uri
      ? {uri: input.driver === 'sim' ? resolve(input.uri) : input.uri}
      : input.driver === 'libvirt'
        ? {uri: DEFAULT_LIBVIRT_URI}
        : {}),
    ...(input.identity ? {identity: input.identity} : {}),
    ...(input.domainType ? {domainType: input.domainType} : {}),
    ...(input.cpuOvercommit ? {cpuOvercommit: input.cpuOvercommit} : {}),
    ...(input.nic ? {nic: input.nic} : {}),
    ...(input.agentCommand || input.agentDir || input.agentStore
      ? {
          agent: {
            ...(input.agentCommand ? {command: input.agentCommand} : {}),
            ...(input.agentDir ? {dir: input.agentDir} : {}),
            ...(input.agentStore ? {store: true} : {}),
          },
        }
      : {}),
  }
  checkHostNames(record)
  const inventory = await Inventory.open()
  if (input.acceptNewHostKey && record.transport.kind === 'ssh') {
    if (!input.force && inventory.hosts().some((h) => h.name === record.name)) {
      throw new UsageError(`host "${record.name}" is already in the inventory`, `violin host rm ${record.name}, or add --force`)
    }
    await recordHostKey(record.name, record.transport, record.identity)
  }
  await inventory.addHost(record, input.force)
  return record
}

/**
 * Connects once with accept-new, which appends the key the host presents to known_hosts
 * (never a changed one: that is refused as always), so later commands need no flag.
 */
async function recordHostKey(name: string, target: SshTarget, identityFile: string | undefined): Promise<void> {
  const transport = new SshTransport(name, target, {
    acceptNewHostKey: true,
    ...(identityFile ? {identityFile} : {}),
    connectTimeoutMs: envMs('VIOLIN_CONNECT_TIMEOUT'),
  })
  try {
    await transport.run(['true'])
  } finally {
    await transport.close()
  }
}

/** Puts a host in maintenance (`host drain`) or takes it out (`host undrain`); whether that changed anything. */
export async function setHostMaintenance(name: string, on: boolean): Promise<boolean> {
  return (await Inventory.open()).setMaintenance(name, on)
}

export async function removeHost(name: string): Promise<HostRecord> {
  return (await Inventory.open()).removeHost(name)
}

export interface HostCheck {
  host: string
  site: string
  target: string
  ok: boolean
  cores?: number
  memoryMiB?: number
  hypervisor?: string
  hypervisorVersion?: string
  tools: ToolCheck[]
  error?: string
  exitCode?: number
}

/** Connects to each host, discovers what it is, and records the discovery in the inventory. */
export async function checkHosts(session: Session, names: string[]): Promise<HostCheck[]> {
  const hosts = session.select({hosts: names})
  const outcomes = await fanout(hosts, async (h): Promise<HostCheck> => {
    const driver = await session.driver(h)
    const tools = await driver.checkTools()
    const base = {host: h.name, site: h.site, target: session.transport(h).target, tools}
    if (!tools.every((t) => t.ok))
      return {
        ...base,
        ok: false,
        error: tools
          .filter((t) => !t.ok)
          .map((t) => `${t.tool}: ${t.detail}`)
          .join('; '),
      }
    const info = await driver.hostInfo()
    return {
      ...base,
      ok: true,
      cores: info.cores,
      memoryMiB: info.memoryMiB,
      hypervisor: info.hypervisor,
      hypervisorVersion: info.hypervisorVersion,
    }
  })
  const checks = outcomes.map((o, i): HostCheck => {
    const h = hosts[i]!
    if (o.ok) return o.value
    return {
      host: h.name,
      site: h.site,
      target: session.transport(h).target,
      ok: false,
      tools: [],
      error: o.error.message,
      exitCode: (o.error as ViolinError).exitCode,
    }
  })
  if (session.inventory) {
    const checkedAt = new Date().toISOString()
    const found = new Map<string, NonNullable<HostRecord['discovered']>>()
    for (const c of checks) {
      if (!c.ok || c.cores === undefined || c.memoryMiB === undefined) continue
      found.set(c.host, {
        cores: c.cores,
        memoryMiB: c.memoryMiB,
        hypervisor: c.hypervisor ?? 'unknown',
        hypervisorVersion: c.hypervisorVersion,
        checkedAt,
      })
    }
    if (found.size > 0) await session.inventory.recordDiscoveries(found)
  }
  return checks
}

export type DriftKind = 'new' | 'missing' | 'moved' | 'duplicate'

export interface Drift {
  vm: string
  kind: DriftKind
  /** Where the inventory says it is. */
  recorded?: string
  /** Where the hypervisors say it is. */
  found: string[]
}

export interface SyncResult {
  drift: Drift[]
  /** Hosts that did not answer (unreachable, or their hypervisor did not answer): nothing of theirs was judged or written. */
  failed: HostFailure[]
  /** The same hosts, as earlier versions named them. */
  unreachable: {host: string; error: string}[]
  /** How many hosts were asked. */
  asked: number
  written: boolean
}

/**
 * Pure: the hypervisors are the truth for where a VM runs, the inventory for what it
 * belongs to. `recorded` is what host sync wrote, `environmentVms` where the inventory's
 * environments put their VMs (violin made those: never `new`). Only hosts that answered are
 * judged: a VM recorded on a host that failed to answer is neither missing nor moved, since
 * what that host holds is unknown.
 */
export function compareVms(
  recorded: Record<string, VmRecord>,
  found: Map<string, string[]>,
  hosts: {answered: Set<string>; failed?: Set<string>},
  environmentVms: Record<string, VmRecord> = {},
): Drift[] {
  const known = (vm: string): VmRecord | undefined =>
    Object.hasOwn(environmentVms, vm) ? environmentVms[vm] : Object.hasOwn(recorded, vm) ? recorded[vm] : undefined
  const drift: Drift[] = []
  for (const [vm, on] of found) {
    const rec = known(vm)
    if (on.length > 1) drift.push({vm, kind: 'duplicate', recorded: rec?.host, found: on})
    else if (!rec) drift.push({vm, kind: 'new', found: on})
    else if (rec.host !== on[0] && !hosts.failed?.has(rec.host)) drift.push({vm, kind: 'moved', recorded: rec.host, found: on})
  }
  for (const [vm, rec] of [
    ...Object.entries(environmentVms),
    ...Object.entries(recorded).filter(([vm]) => !Object.hasOwn(environmentVms, vm)),
  ]) {
    if (!found.has(vm) && hosts.answered.has(rec.host)) drift.push({vm, kind: 'missing', recorded: rec.host, found: []})
  }
  return drift.sort((a, b) => a.vm.localeCompare(b.vm))
}

/** Where the inventory's environments put each of their VMs. */
function environmentVmRecords(inventory: Inventory): Record<string, VmRecord> {
  const out: Record<string, VmRecord> = {}
  for (const env of inventory.environments()) for (const vm of env.vms) out[vm.name] = {host: vm.host, environment: env.name}
  return out
}

/**
 * Compares, and with `write` records what the hosts said. A VM of an environment that
 * moved is recorded in its environment; one that is missing stays (env destroy removes
 * environments). Nothing recorded on a host that did not answer is removed or moved.
 */
export async function syncHosts(session: Session, names: string[], write: boolean): Promise<SyncResult> {
  if (!session.inventory) throw new UsageError('host sync compares hosts with the inventory; it cannot run with --connect')
  const asked = session.select({hosts: names})
  const {vms, failed} = await listVms(session, {hosts: names}, true)
  const found = new Map<string, string[]>()
  for (const vm of vms) found.set(vm.name, [...(found.get(vm.name) ?? []), vm.host])
  const answered = new Set(asked.map((h) => h.name).filter((n) => !failed.some((f) => f.host === n)))
  const recorded = session.inventory.vms()
  const environmentVms = environmentVmRecords(session.inventory)
  const drift = compareVms(recorded, found, {answered, failed: new Set(failed.map((f) => f.host))}, environmentVms)
  let written = false
  if (write) {
    const next = {...recorded}
    const environmentMoves: Array<[string, string]> = []
    for (const d of drift) {
      if (d.kind === 'duplicate') continue
      if (Object.hasOwn(environmentVms, d.vm)) {
        if (d.kind === 'moved') environmentMoves.push([d.vm, d.found[0]!])
        continue
      }
      if (d.kind === 'missing') delete next[d.vm]
      else next[d.vm] = {...recorded[d.vm], host: d.found[0]!}
      written = true
    }
    if (written) await session.inventory.setVms(next)
    for (const [vm, host] of environmentMoves) await session.inventory.moveEnvironmentVm(vm, host)
    written ||= environmentMoves.length > 0
  }
  return {drift, failed, unreachable: failed.map((f) => ({host: f.host, error: f.error})), asked: asked.length, written}
}
