import {readFile} from 'node:fs/promises'

import {ExitCode, NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {Driver, VmState} from '../hypervisor/driver.js'
import {consoleLogPath, privateDiskPath} from '../inventory/environment-record.js'
import {removeFiles} from '../transport/files.js'
import {fanout} from './fanout.js'
import type {Selection, Session} from './session.js'
import {type Located, locateVm} from './vms.js'

/** What every single-VM verb returns (its --json): the VM, its host, and its state read afterwards. */
export interface VmStateResult {
  vm: string
  host: string
  state: VmState
}

/** `shutdown --wait` gives up after this long unless told (virsh shutdown has no --wait at all). */
export const DEFAULT_SHUTDOWN_TIMEOUT_SEC = 60
const POLL_MS = 500

/**
 * The one host a VM is on, as dominfo finds it; an xl VM that is off is only its config,
 * which `xl list` does not show, so those hosts are asked for their stored configs too.
 */
export async function locateDefinedVm(session: Session, name: string, selection: Selection): Promise<Located> {
  try {
    return await locateVm(session, name, selection)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    const hosts = session.select(selection).filter((h) => h.driver === 'xl')
    const outcomes = await fanout(hosts, async (h) => ((await (await session.driver(h)).definedVms?.()) ?? []).includes(name))
    const failed = outcomes.filter((o) => !o.ok)
    if (failed.length > 0)
      throw new ViolinError(
        `VM "${name}" was not found, and ${failed.map((f) => `host "${f.host}"`).join(', ')} did not answer`,
        ExitCode.unreachable,
        'violin host check',
      )
    const found = outcomes.filter((o) => o.ok && o.value)
    if (found.length > 1)
      throw new UsageError(`VM "${name}" is defined on several hosts: ${found.map((f) => f.host).join(', ')}`, 'name one with --host')
    if (found.length === 0) throw error
    const host = session.host(found[0]!.host)
    return {host, driver: await session.driver(host)}
  }
}

/** The VM's state as its host reports it now; absent from the list means off (an xl VM off is only a config). */
async function stateOf(driver: Driver, name: string): Promise<VmState> {
  return (await driver.listVms()).find((v) => v.name === name)?.state ?? 'shutoff'
}

async function act(session: Session, name: string, selection: Selection, fn: (driver: Driver) => Promise<void>): Promise<VmStateResult> {
  const {host, driver} = await locateDefinedVm(session, name, selection)
  await fn(driver)
  return {vm: name, host: host.name, state: await stateOf(driver, name)}
}

export const startVm = (s: Session, name: string, sel: Selection) => act(s, name, sel, (d) => d.startVm(name))
export const rebootVm = (s: Session, name: string, sel: Selection) => act(s, name, sel, (d) => d.rebootVm(name))
export const destroyVm = (s: Session, name: string, sel: Selection) => act(s, name, sel, (d) => d.destroyVm(name))
export const suspendVm = (s: Session, name: string, sel: Selection) => act(s, name, sel, (d) => d.suspendVm(name))
export const resumeVm = (s: Session, name: string, sel: Selection) => act(s, name, sel, (d) => d.resumeVm(name))

/**
 * Asks the guest to power off; with wait, polls until it is off. A guest still running at
 * the deadline is a failure (exit 1): it ignored ACPI, or is slow, and `destroy` is the way out.
 */
export async function shutdownVm(
  session: Session,
  name: string,
  selection: Selection,
  options: {wait: boolean; timeoutSec?: number},
): Promise<VmStateResult & {waited_sec?: number}> {
  const {host, driver} = await locateDefinedVm(session, name, selection)
  await driver.shutdownVm(name)
  if (!options.wait) return {vm: name, host: host.name, state: await stateOf(driver, name)}
  const timeoutSec = options.timeoutSec ?? DEFAULT_SHUTDOWN_TIMEOUT_SEC
  const started = session.clock.now()
  for (;;) {
    const state = await stateOf(driver, name)
    const waited = (session.clock.now() - started) / 1000
    if (state === 'shutoff') return {vm: name, host: host.name, state, waited_sec: Math.round(waited * 10) / 10}
    if (waited >= timeoutSec) {
      throw new ViolinError(
        `VM "${name}" on host "${host.name}" is still ${state} ${timeoutSec} s after it was asked to shut down`,
        ExitCode.failure,
        `violin destroy ${name} (a hard power-off), or wait longer with --timeout`,
      )
    }
    await session.clock.sleep(POLL_MS)
  }
}

export interface DefineResult extends VmStateResult {
  file: string
}

/** The host a define goes to: the one named, or the only one there is. */
function defineHost(session: Session, selection: Selection) {
  const hosts = session.select(selection)
  if (hosts.length === 1) return hosts[0]!
  throw new UsageError(
    `define needs the host to define the VM on: ${hosts.length} hosts are selected (${hosts.map((h) => h.name).join(', ')})`,
    'add -H HOST',
  )
}

/** Defines a VM from a file in the host's own format (libvirt XML, xl.cfg, sim YAML); it stays off. */
export async function defineVm(session: Session, file: string, selection: Selection): Promise<DefineResult> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'give the path of a libvirt domain XML (xl hosts: an xl.cfg) file',
    )
  }
  if (text.trim() === '') throw new UsageError(`${file} is empty`, 'give the path of a libvirt domain XML (xl hosts: an xl.cfg) file')
  const host = defineHost(session, selection)
  const driver = await session.driver(host)
  let vm: string
  try {
    vm = await driver.defineFromConfig(text)
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${file}: ${error.message}`, error.hint)
    throw error
  }
  return {vm, host: host.name, file, state: await stateOf(driver, vm)}
}

export interface UndefineResult {
  vm: string
  host: string
  /** violin's own files of the VM that were removed (--remove-files). */
  removed: string[]
}

/**
 * Forgets a VM's definition. A running VM is refused: virsh would leave it running as a
 * transient domain that vanishes at its next power-off, which is rarely what was meant.
 * --remove-files removes what violin made for it (private disk, console log), never a shared image.
 */
export async function undefineVm(
  session: Session,
  name: string,
  selection: Selection,
  options: {removeFiles: boolean},
): Promise<UndefineResult> {
  const {host, driver} = await locateDefinedVm(session, name, selection)
  const state = await stateOf(driver, name)
  if (state !== 'shutoff' && state !== 'crashed') {
    throw new UsageError(
      `VM "${name}" is ${state} on host "${host.name}": violin undefines only VMs that are off (virsh would leave it running, transient)`,
      `violin shutdown ${name} --wait (or violin destroy ${name}), then undefine it`,
    )
  }
  await driver.undefineVm(name)
  const removed = options.removeFiles && host.driver !== 'sim' ? [privateDiskPath(name), consoleLogPath(name)] : []
  if (removed.length > 0) await removeFiles(session.transport(host), removed)
  return {vm: name, host: host.name, removed}
}

export interface DumpResult {
  vm: string
  host: string
  format: 'libvirt-xml' | 'xl.cfg' | 'sim-yaml'
  config: string
}

export async function dumpVmConfig(session: Session, name: string, selection: Selection): Promise<DumpResult> {
  const {host, driver} = await locateDefinedVm(session, name, selection)
  const format = driver.kind === 'libvirt' ? 'libvirt-xml' : driver.kind === 'xl' ? 'xl.cfg' : 'sim-yaml'
  return {vm: name, host: host.name, format, config: await driver.dumpConfig(name)}
}

export async function setVmAutostart(
  session: Session,
  name: string,
  selection: Selection,
  enabled: boolean,
): Promise<{vm: string; host: string; autostart: boolean}> {
  const {host, driver} = await locateDefinedVm(session, name, selection)
  await driver.setAutostart(name, enabled)
  return {vm: name, host: host.name, autostart: enabled}
}

/**
 * Attaches the terminal to the VM's serial console through its host's transport until
 * Ctrl-] (or the signal). Needs a terminal: there is nothing to type into otherwise.
 */
export async function attachConsole(
  session: Session,
  name: string,
  selection: Selection,
  options: {terminal: boolean; signal?: AbortSignal},
): Promise<{vm: string; host: string}> {
  const {host, driver} = await locateVm(session, name, selection)
  const argv = driver.consoleArgv(name)
  if (!options.terminal)
    throw new UsageError(
      'console needs a terminal: stdin is not one',
      `run it from an interactive shell; violin dominfo ${name} reads the VM without one`,
    )
  const transport = session.transport(host)
  if (!transport.attach) throw new UsageError(`host "${host.name}"'s transport cannot attach a terminal`)
  const code = await transport.attach(argv, {signal: options.signal})
  if (code !== 0)
    throw new ViolinError(
      `the console of VM "${name}" on host "${host.name}" ended with exit status ${code}`,
      ExitCode.failure,
      `violin dominfo ${name}`,
    )
  return {vm: name, host: host.name}
}
