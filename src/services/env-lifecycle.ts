import {NotFoundError} from '../errors.js'
import type {Driver} from '../hypervisor/driver.js'
import {consoleLogPath, type EnvironmentRecord, type EnvVmRecord, privateDiskPath} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import {removeFiles} from '../transport/files.js'
import {environmentStatus} from './environment-status.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'
import {removeSwitch} from './switch-service.js'

export function groupByHost(vms: readonly EnvVmRecord[]): Map<HostRecord['name'], EnvVmRecord[]> {
  const by = new Map<string, EnvVmRecord[]>()
  for (const vm of vms) by.set(vm.host, [...(by.get(vm.host) ?? []), vm])
  return by
}

export interface VmOutcome {
  vm: string
  host: string
  error?: Error
}

async function eachVm(
  session: Session,
  vms: readonly EnvVmRecord[],
  fn: (driver: Driver, vm: EnvVmRecord, host: HostRecord) => Promise<void>,
): Promise<VmOutcome[]> {
  const results: VmOutcome[] = []
  const outcomes = await fanout(
    [...groupByHost(vms)].map(([name, list]) => ({name, list})),
    async ({name, list}) => {
      const host = session.host(name)
      const driver = await session.driver(host)
      for (const vm of list) {
        try {
          await fn(driver, vm, host)
          results.push({vm: vm.name, host: name})
        } catch (error) {
          results.push({vm: vm.name, host: name, error: error as Error})
        }
      }
    },
  )
  for (const o of outcomes)
    if (!o.ok) for (const vm of vms.filter((v) => v.host === o.host)) results.push({vm: vm.name, host: o.host, error: o.error})
  return results
}

export function startVms(session: Session, vms: readonly EnvVmRecord[]): Promise<VmOutcome[]> {
  return eachVm(session, vms, (driver, vm) => driver.startVm(vm.name))
}

export function shutdownVms(session: Session, vms: readonly EnvVmRecord[]): Promise<VmOutcome[]> {
  return eachVm(session, vms, (driver, vm) => driver.shutdownVm(vm.name))
}

/** Waits until none of the VMs runs, or the deadline; returns those still running. */
export async function waitUntilOff(session: Session, env: EnvironmentRecord, timeoutMs: number): Promise<string[]> {
  const deadline = session.clock.now() + timeoutMs
  for (;;) {
    const running = (await environmentStatus(session, env)).filter((v) => v.state !== 'shutoff' && v.state !== 'missing').map((v) => v.name)
    if (running.length === 0 || session.clock.now() >= deadline) return running
    await session.clock.sleep(500)
  }
}

/** Powers VMs off at once (virsh destroy); nothing is deleted. A VM already off is not an error. */
export function destroyVms(session: Session, vms: readonly EnvVmRecord[]): Promise<VmOutcome[]> {
  return eachVm(session, vms, (driver, vm) => driver.destroyVm(vm.name))
}

/** Powers off, undefines and deletes the files of VMs (on the hosts they are on now). */
export function removeVms(session: Session, vms: readonly EnvVmRecord[]): Promise<VmOutcome[]> {
  return eachVm(session, vms, async (driver, vm, host) => {
    await driver.destroyVm(vm.name).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error
    })
    await driver.undefineVm(vm.name).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error
    })
    if (host.driver !== 'sim') await removeFiles(session.transport(host), [consoleLogPath(vm.name), privateDiskPath(vm.name)])
  })
}

/** Deletes an environment (`env undefine`): every VM where it runs now, its switch, then the record. */
export async function destroyEnvironment(session: Session, env: EnvironmentRecord): Promise<VmOutcome[]> {
  const status = await environmentStatus(session, env)
  const present = status.filter((v) => v.state !== 'missing')
  const results = await removeVms(session, present)
  const failed = results.filter((r) => r.error)
  if (failed.length === 0 && env.network) {
    // Its switch too, wherever it is (every host violin manages, since VMs may have moved).
    const network = env.network
    for (const o of await fanout(
      session.hosts.filter((h) => h.driver !== 'sim'),
      (h) => removeSwitch(session, h, network),
    )) {
      if (!o.ok) results.push({vm: `(switch VNI ${network.vni})`, host: o.host, error: o.error})
    }
  }
  if (results.every((r) => !r.error)) await session.inventory!.removeEnvironment(env.name)
  return [...results, ...status.filter((v) => v.state === 'missing').map((v) => ({vm: v.name, host: v.host}))]
}
