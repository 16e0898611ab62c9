import {ExitCode, type ExitCodeValue, NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {Driver, SchedParams, VmInfo, VmSample, VmState} from '../hypervisor/driver.js'
import {rememberVmNames} from '../completion/vm-names.js'
import type {HostRecord} from '../inventory/host.js'
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
  const names = new Map<string, string[]>()
  for (const [i, o] of outcomes.entries()) {
    const h = hosts[i]!
    if (!o.ok) failed.push(failure(h.name, o.error))
    else {
      names.set(
        h.name,
        o.value.map((vm) => vm.name),
      )
      for (const vm of o.value) if (all || vm.state !== 'shutoff') vms.push({host: h.name, site: h.site, ...vm})
    }
  }
  // for TAB: simulated hosts' VMs are read from their files instead
  if (!session.simulated) await rememberVmNames(names)
  return {asked: hosts.length, vms, failed}
}

export interface Located {
  host: HostRecord
  driver: Driver
}

/** Finds the one host a VM is on; with --host, only that host is asked. */
export async function locateVm(session: Session, name: string, selection: Selection): Promise<Located> {
  const {vms, failed, asked} = await listVms(session, selection, true)
  const found = vms.filter((vm) => vm.name === name)
  if (found.length === 1) {
    const host = session.host(found[0]!.host)
    return {host, driver: await session.driver(host)}
  }
  if (found.length > 1) {
    throw new UsageError(`VM "${name}" is on several hosts: ${found.map((f) => f.host).join(', ')}`, `name one with --host`)
  }
  if (failed.length > 0) {
    // None answered: their own status (5 unreachable, 6 refused) when they agree; some answered: 7.
    const first = failed[0]!.exitCode ?? ExitCode.failure
    const code = failed.length < asked || failed.some((f) => (f.exitCode ?? ExitCode.failure) !== first) ? ExitCode.partial : first
    throw new ViolinError(
      `VM "${name}" was not found, and ${failed.length} of ${asked} host(s) did not answer: ${failed.map((f) => `${f.host} (${f.error})`).join('; ')}`,
      code,
      `violin host check ${failed.map((f) => f.host).join(' ')}`,
    )
  }
  throw new NotFoundError(
    `VM "${name}" is not on any ${selection.hosts?.length || selection.site ? 'selected ' : ''}host`,
    'violin list --all',
  )
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
  /** What the guest's balloon reached, when the live change was verified. */
  balloonMiB?: number
  /** reached: the balloon got there; partial: it moved but the guest gave back less. */
  balloon?: 'reached' | 'partial'
}

/**
 * Sets a VM's memory and, for a live change, watches the balloon get there: without a
 * balloon driver in the guest, libvirt reports success and nothing changes, which must
 * not pass for success.
 */
export async function setVmMemory(
  session: Session,
  name: string,
  mib: number,
  target: {live: boolean; config: boolean; verifyMs?: number; force?: boolean},
  selection: Selection,
): Promise<SetMemResult> {
  const {host, driver} = await locateVm(session, name, selection)
  const info = await driver.vmInfo(name)
  if (mib > info.maxMemoryMiB) {
    throw new UsageError(
      `VM "${name}" has max memory ${info.maxMemoryMiB} MiB; ${mib} MiB is more`,
      `raise it first with virsh setmaxmem, or ask for at most ${info.maxMemoryMiB}M`,
    )
  }
  const live = target.live || (!target.config && info.state !== 'shutoff')
  const config = target.config || (!target.live && info.state === 'shutoff')
  const seen = info.state === 'shutoff' ? undefined : (await driver.sample()).vms.find((v) => v.name === name)
  if (!target.force) checkMemoryFloor(name, mib, info.state === 'shutoff' ? undefined : seen?.memoryUsedMiB)
  const before = live ? seen?.memoryMiB : undefined
  await driver.setMemory(name, mib, {live: target.live, config: target.config})
  const result: SetMemResult = {host: host.name, name, memoryMiB: mib, live, config}
  if (!live || !target.verifyMs || before === undefined) return result
  const tolerance = Math.max(1, mib * 0.01)
  const deadline = session.clock.now() + target.verifyMs
  let now = before
  for (;;) {
    now = (await balloonOf(driver, name)) ?? now
    if (Math.abs(now - mib) <= tolerance) return {...result, balloonMiB: now, balloon: 'reached'}
    if (session.clock.now() >= deadline) break
    await session.clock.sleep(500)
  }
  if (Math.abs(now - before) <= tolerance) {
    throw new ViolinError(
      `host "${host.name}" accepted ${mib} MiB for "${name}", but its balloon stayed at ${Math.round(now)} MiB for ${target.verifyMs / 1000} s: the guest has no balloon driver (virtio_balloon) loaded`,
      ExitCode.failure,
      'load virtio_balloon in the guest, or change the memory with --config and restart it',
    )
  }
  return {...result, balloonMiB: now, balloon: 'partial'}
}

/** Below this no guest violin starts is usable; `setmem --force` goes under it. */
export const MIN_MEMORY_MIB = 64

/**
 * A balloon squeezed under what the guest uses makes it swap or its OOM killer fire: the
 * floor is the guest's use as its balloon reports it (when it does) and 64 MiB always.
 */
export function checkMemoryFloor(name: string, mib: number, usedMiB: number | undefined): void {
  const fmt = (x: number) => `${Number.isInteger(x) ? x : x.toFixed(1)} MiB`
  if (usedMiB !== undefined && usedMiB > 0 && mib < usedMiB) {
    throw new UsageError(
      `VM "${name}" uses ${fmt(usedMiB)} (its balloon says); ${fmt(mib)} is less`,
      `ask for at least ${Math.ceil(usedMiB)}M, or add --force to squeeze the guest anyway`,
    )
  }
  if (mib < MIN_MEMORY_MIB) {
    throw new UsageError(
      `${fmt(mib)} is under the ${MIN_MEMORY_MIB} MiB floor for VM "${name}"`,
      `ask for at least ${MIN_MEMORY_MIB}M (a bare number is MiB), or add --force`,
    )
  }
}

async function balloonOf(driver: Driver, name: string): Promise<number | undefined> {
  return (await driver.sample()).vms.find((v) => v.name === name)?.memoryMiB
}

export async function schedInfo(
  session: Session,
  name: string,
  set: {weight?: number; cap?: number} | undefined,
  selection: Selection,
): Promise<{host: string; name: string; params: SchedParams}> {
  const {host, driver} = await locateVm(session, name, selection)
  const params = set ? await driver.setSched(name, set) : await driver.schedInfo(name)
  return {host: host.name, name, params}
}
