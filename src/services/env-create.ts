import {UsageError, ViolinError} from '../errors.js'
import type {Driver} from '../hypervisor/driver.js'
import type {DomainType, VmSpec} from '../hypervisor/vm-spec.js'
import {type EnvironmentRecord, type EnvVmRecord, IMAGES_DIR, VM_FILES_DIR} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import {createImage, fileSize, makeDirs} from '../transport/files.js'
import {groupByHost, removeVms, startVms} from './env-lifecycle.js'
import type {EnvironmentPlan} from './env-plan.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'
import {nicFor, removeSwitch, startSwitchOrThrow} from './switch-service.js'

export interface CreatedEnvironment {
  environment: EnvironmentRecord
  started: string[]
  failed: Array<{vm: string; host: string; error: Error}>
}

async function domainTypeFor(host: HostRecord, driver: Driver): Promise<DomainType> {
  if (host.domainType) return host.domainType
  return driver.defaultDomainType ? driver.defaultDomainType() : 'kvm'
}

/** Files the VMs need on their host (each path asked once): missing ones are named before anything is defined. */
async function checkBootFiles(session: Session, host: HostRecord, specs: VmSpec[]): Promise<void> {
  const t = session.transport(host)
  const needed = new Set(
    specs
      .flatMap((spec) => [spec.boot?.kernel, spec.boot?.initrd, spec.disk?.mode === 'shared' ? spec.disk.path : undefined])
      .filter((p): p is string => Boolean(p)),
  )
  for (const path of needed) {
    if ((await fileSize(t, path)) === undefined) {
      throw new ViolinError(
        `host "${host.name}" has no file ${path}`,
        undefined,
        path.startsWith(IMAGES_DIR)
          ? `violin image push ${path.slice(IMAGES_DIR.length + 1)} ${host.name}`
          : 'copy it there, or use violin image push',
      )
    }
  }
}

/**
 * Defines every VM of a plan on its host and starts them. The inventory records the
 * environment first, so an interrupted create can still be destroyed; a VM that cannot be
 * defined undoes the whole create (domains, files and record), since half an environment
 * is of no use to its user. VMs that fail to start stay defined and are reported.
 */
export async function createEnvironment(session: Session, plan: EnvironmentPlan, options: {start: boolean}): Promise<CreatedEnvironment> {
  const {environment, specs} = plan
  const inventory = session.inventory!
  const byHost = groupByHost(environment.vms)
  const simulated = [...byHost.keys()].filter((h) => session.host(h).driver === 'sim')
  if (simulated.length > 0) {
    throw new UsageError(
      `host(s) ${simulated.join(', ')} are simulated: a sim cluster keeps no new VMs between commands`,
      'add --dry-run to see the placement',
    )
  }
  await fanoutOrThrow(session, [...byHost.keys()], async (host) => {
    await checkBootFiles(
      session,
      host,
      byHost.get(host.name)!.map((vm) => specs.get(vm.name)!),
    )
  })
  await inventory.addEnvironment(environment)
  const defined: EnvVmRecord[] = []
  try {
    if (plan.dataplane) {
      // The switch first: a VM whose bridge (or agent port) does not exist yet has no network.
      const placement = new Map([...byHost].map(([host, vms]) => [host, vms.map((v) => v.name)]))
      const networked = await startSwitchOrThrow(session, environment.name, plan.dataplane, placement, {
        authData: plan.authData,
        underlayMtu: plan.underlayMtu,
      })
      environment.network = networked.network
      for (const vm of environment.vms) vm.port = networked.vms.find((v) => v.name === vm.name)?.port
      for (const spec of specs.values()) spec.nic = nicFor(networked, spec.name)
    }
    await fanoutOrThrow(session, [...byHost.keys()], async (host) => {
      const driver = await session.driver(host)
      const type = await domainTypeFor(host, driver)
      await makeDirs(session.transport(host), `${VM_FILES_DIR}/console`, `${VM_FILES_DIR}/disks`)
      for (const vm of byHost.get(host.name)!) {
        const spec = specs.get(vm.name)!
        if (spec.disk?.mode === 'private') {
          const t = session.transport(host)
          if ((await fileSize(t, spec.disk.path)) !== undefined)
            throw new ViolinError(`host "${host.name}" already has ${spec.disk.path}; violin will not overwrite it`)
          await createImage(t, spec.disk.path, spec.disk.format, environment.diskMiB! * 1024 ** 2)
        }
        await driver.defineVm(spec, {domainType: type})
        defined.push(vm)
      }
    })
  } catch (error) {
    await removeVms(session, defined).catch(() => undefined)
    if (environment.network)
      await fanout(
        [...byHost.keys()].map((h) => session.host(h)),
        (h) => removeSwitch(session, h, environment.network!),
      )
    await inventory.removeEnvironment(environment.name)
    throw error
  }
  const started: string[] = []
  const failed: CreatedEnvironment['failed'] = []
  if (options.start) {
    const results = await startVms(session, environment.vms)
    for (const r of results) r.error ? failed.push({vm: r.vm, host: r.host, error: r.error}) : started.push(r.vm)
  }
  return {environment, started, failed}
}

async function fanoutOrThrow(session: Session, hostNames: string[], fn: (host: HostRecord) => Promise<void>): Promise<void> {
  const outcomes = await fanout(
    hostNames.map((n) => session.host(n)),
    fn,
  )
  const failure = outcomes.find((o) => !o.ok)
  if (failure && !failure.ok) throw failure.error
}
