import {ExitCode, type ExitCodeValue, NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {Driver, MigrateOptions, MigrationResult, SchedParams, VmInfo, VmSample, VmState} from '../hypervisor/driver.js'
import {migrationUri} from '../hypervisor/libvirt/uri.js'
import {DEFAULT_LIBVIRT_URI, type HostRecord} from '../inventory/host.js'
import {fanout} from './fanout.js'
import type {Selection, Session} from './session.js'

export interface HostFailure {
  host: string
  error: string
  exitCode?: ExitCodeValue
}

export interface VmRow {
  host: string
  site: string
  id?: number
  name: string
  state: VmState
}

export interface VmListing {
  /** How many hosts were asked. */
  asked: number
  vms: VmRow[]
  failed: HostFailure[]
}

function failure(host: string, error: Error): HostFailure {
  return {host, error: error.message, exitCode: (error as ViolinError).exitCode}
}

export async function listVms(session: Session, selection: Selection, all: boolean): Promise<VmListing> {
  const hosts = session.select(selection)
  const outcomes = await fanout(hosts, async (h) => (await session.driver(h)).listVms())
  const vms: VmRow[] = []
  const failed: HostFailure[] = []
  for (const [i, o] of outcomes.entries()) {
    const h = hosts[i]!
    if (!o.ok) failed.push(failure(h.name, o.error))
    else for (const vm of o.value) if (all || vm.state !== 'shutoff') vms.push({host: h.name, site: h.site, ...vm})
  }
  return {asked: hosts.length, vms, failed}
}

export interface Located {
  host: HostRecord
  driver: Driver
}

/** Finds the one host a VM is on; with --host, only that host is asked. */
export async function locateVm(session: Session, name: string, selection: Selection): Promise<Located> {
  const {vms, failed} = await listVms(session, selection, true)
  const found = vms.filter((vm) => vm.name === name)
  if (found.length === 1) {
    const host = session.host(found[0]!.host)
    return {host, driver: await session.driver(host)}
  }
  if (found.length > 1) {
    throw new UsageError(`VM "${name}" is on several hosts: ${found.map((f) => f.host).join(', ')}`, `name one with --host`)
  }
  if (failed.length > 0) {
    throw new ViolinError(
      `VM "${name}" was not found, and ${failed.length} host(s) did not answer: ${failed.map((f) => `${f.host} (${f.error})`).join('; ')}`,
      ((failed.length === 1 && failed[0]!.exitCode) || ExitCode.unreachable) as ExitCodeValue,
      'violin host check',
    )
  }
  throw new NotFoundError(`VM "${name}" is not on any ${selection.hosts?.length || selection.site ? 'selected ' : ''}host`, 'violin list --all')
}

export async function vmInfo(session: Session, name: string, selection: Selection): Promise<VmInfo & {host: string; site: string}> {
  const {host, driver} = await locateVm(session, name, selection)
  return {...(await driver.vmInfo(name)), host: host.name, site: host.site}
}

export async function vmStats(session: Session, name: string, selection: Selection): Promise<VmSample & {host: string; timeMs: number}> {
  const {host, driver} = await locateVm(session, name, selection)
  const sample = await driver.sample()
  const vm = sample.vms.find((v) => v.name === name)
  if (!vm) throw new NotFoundError(`VM "${name}" left host "${host.name}" while it was read`)
  return {...vm, host: host.name, timeMs: sample.timeMs}
}

export interface SetMemResult {
  host: string
  name: string
  memoryMiB: number
  live: boolean
  config: boolean
}

export async function setVmMemory(session: Session, name: string, mib: number, target: {live: boolean; config: boolean}, selection: Selection): Promise<SetMemResult> {
  const {host, driver} = await locateVm(session, name, selection)
  const info = await driver.vmInfo(name)
  if (mib > info.maxMemoryMiB) {
    throw new UsageError(`VM "${name}" has max memory ${info.maxMemoryMiB} MiB; ${mib} MiB is more`, `raise it first with virsh setmaxmem, or ask for at most ${info.maxMemoryMiB}M`)
  }
  const live = target.live || (!target.config && info.state !== 'shutoff')
  const config = target.config || (!target.live && info.state === 'shutoff')
  await driver.setMemory(name, mib, {live: target.live, config: target.config})
  return {host: host.name, name, memoryMiB: mib, live, config}
}

export async function schedInfo(session: Session, name: string, set: {weight?: number; cap?: number} | undefined, selection: Selection): Promise<{host: string; name: string; params: SchedParams}> {
  const {host, driver} = await locateVm(session, name, selection)
  const params = set ? await driver.setSched(name, set) : await driver.schedInfo(name)
  return {host: host.name, name, params}
}

export interface MigrationPlan {
  name: string
  from: string
  to: string
  destinationUri: string
  live: boolean
  bandwidthMiBs?: number
  timeoutSec?: number
  memoryMiB: number
}

export async function planMigration(session: Session, name: string, to: string, options: MigrateOptions, selection: Selection): Promise<Located & {plan: MigrationPlan}> {
  const dest = session.host(to)
  const located = await locateVm(session, name, selection)
  if (located.host.name === dest.name) throw new UsageError(`VM "${name}" is already on host "${dest.name}"`)
  if (located.host.driver !== dest.driver) throw new UsageError(`cannot migrate between a ${located.host.driver} host and a ${dest.driver} host`)
  const info = await located.driver.vmInfo(name)
  const destInfo = await (await session.driver(dest)).hostInfo()
  if (destInfo.freeMemoryMiB !== undefined && destInfo.freeMemoryMiB < info.memoryMiB) {
    throw new ViolinError(`host "${dest.name}" has ${Math.floor(destInfo.freeMemoryMiB)} MiB free; "${name}" needs ${info.memoryMiB} MiB`)
  }
  const ssh = dest.transport.kind === 'ssh' ? dest.transport : undefined
  const destinationUri =
    dest.driver === 'libvirt' ? migrationUri(dest.uri ?? DEFAULT_LIBVIRT_URI, ssh) : dest.driver === 'xl' ? (ssh ? `${ssh.user}@${ssh.address}` : dest.name) : dest.name
  return {
    ...located,
    plan: {name, from: located.host.name, to: dest.name, destinationUri, memoryMiB: info.memoryMiB, ...options},
  }
}

export async function migrateVm(located: Located & {plan: MigrationPlan}): Promise<MigrationResult> {
  const {plan, driver} = located
  return driver.migrate(plan.name, {hostName: plan.to, uri: plan.destinationUri}, {live: plan.live, bandwidthMiBs: plan.bandwidthMiBs, timeoutSec: plan.timeoutSec})
}
