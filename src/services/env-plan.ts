import {NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {KernelBoot, VmSpec} from '../hypervisor/vm-spec.js'
import {consoleLogPath, type Dataplane, type EnvironmentRecord, type EnvVmRecord, privateDiskPath} from '../inventory/environment-record.js'
import {place, PlacementError, type VmDemand} from '../policy/placement.js'
import {macFor} from './env-macs.js'
import type {EnvironmentRequest} from './env-request.js'
import {checkRequest} from './env-validate.js'
import {hostRooms} from './host-rooms.js'
import type {Session} from './session.js'

export interface EnvironmentPlan {
  environment: EnvironmentRecord
  specs: Map<string, VmSpec>
  dataplane?: Dataplane
  authData?: boolean
  underlayMtu?: number
  unreachable: Array<{host: string; error: Error}>
}

/** Checks the request against the hosts and places it; changes nothing. */
export async function planEnvironment(session: Session, request: EnvironmentRequest): Promise<EnvironmentPlan> {
  checkRequest(request)
  const inventory = session.inventory
  if (!inventory) throw new UsageError('environments live in the inventory: drop --connect and add the hosts with violin host add')
  if (inventory.environments().some((e) => e.name === request.name))
    throw new UsageError(`environment "${request.name}" already exists`, `violin env info ${request.name}`)
  const hosts = session.select({hosts: request.hosts})
  if (request.headSite && !hosts.some((h) => h.site === request.headSite)) {
    if (request.hosts?.length && session.hosts.some((h) => h.site === request.headSite)) {
      throw new UsageError(
        `--head-site ${request.headSite} has no host among ${request.hosts.map((h) => `--host ${h}`).join(' ')}`,
        `add a --host of site ${request.headSite}, or drop --host`,
      )
    }
    throw new NotFoundError(`no host is in site "${request.headSite}"`, 'violin host list')
  }
  const {rooms, vmNames, unreachable} = await hostRooms(session, hosts)
  for (const vm of request.vms) {
    const on = vmNames.get(vm.name)
    if (on) throw new UsageError(`a VM named "${vm.name}" already exists on host "${on}"`, 'choose another environment name')
    const owner = inventory.environmentOf(vm.name)
    if (owner) throw new UsageError(`VM "${vm.name}" already belongs to environment "${owner.name}"`)
  }
  const demands: VmDemand[] = request.vms.map((vm) => ({
    name: vm.name,
    role: vm.role,
    vcpus: vm.vcpus,
    memoryMiB: vm.memoryMiB,
    ...(vm.host ? {host: vm.host} : {}),
  }))
  let placed: Map<string, string>
  try {
    placed = place(demands, rooms, {
      placement: request.placement,
      headSite: request.headSite,
      rules: inventory.rules(),
      running: vmNames,
    })
  } catch (error) {
    if (!(error instanceof PlacementError)) throw error
    const skipped = unreachable.length > 0 ? ` (not counted, unreachable: ${unreachable.map((u) => u.host).join(', ')})` : ''
    throw new ViolinError(
      `environment "${request.name}" does not fit: ${error.message}${skipped}`,
      undefined,
      'use fewer or smaller VMs, --placement pack, or add hosts',
    )
  }
  const taken = new Set(inventory.environments().flatMap((e) => e.vms.map((v) => v.mac)))
  const head = request.vms.find((vm) => vm.role === 'head')!
  const headSite = hosts.find((h) => h.name === placed.get(head.name))!.site
  const vms: EnvVmRecord[] = request.vms.map((vm) => {
    const mac = macFor(vm.name, taken)
    taken.add(mac)
    return {
      name: vm.name,
      role: vm.role,
      host: placed.get(vm.name)!,
      mac,
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      maxMemoryMiB: vm.maxMemoryMiB,
    }
  })
  const specs = new Map(
    request.vms.map((vm, i): [string, VmSpec] => [
      vm.name,
      {
        name: vm.name,
        vcpus: vm.vcpus,
        memoryMiB: vm.memoryMiB,
        maxMemoryMiB: vm.maxMemoryMiB,
        mac: vms[i]!.mac,
        ...(request.boot ? {boot: bootFor(request.boot, vm.cmdline)} : {}),
        ...(request.diskMiB
          ? {disk: {path: privateDiskPath(vm.name), mode: 'private', format: 'qcow2'}}
          : request.image
            ? {disk: {path: request.image, mode: 'shared', format: 'raw'}}
            : {}),
        consoleLog: consoleLogPath(vm.name),
      },
    ]),
  )
  const environment: EnvironmentRecord = {
    name: request.name,
    headSite,
    createdAt: new Date().toISOString(),
    ...(request.boot ? {boot: request.boot} : {}),
    ...(request.image ? {image: request.image} : {}),
    ...(request.diskMiB ? {diskMiB: request.diskMiB} : {}),
    vms,
  }
  return {
    environment,
    specs,
    unreachable,
    ...(request.dataplane ? {dataplane: request.dataplane} : {}),
    ...(request.authData ? {authData: true} : {}),
    ...(request.underlayMtu ? {underlayMtu: request.underlayMtu} : {}),
  }
}

/** A VM's own command line words come after the environment's. */
function bootFor(boot: KernelBoot, extra: string | undefined): KernelBoot {
  const cmdline = [boot.cmdline, extra].filter(Boolean).join(' ')
  return {...boot, ...(cmdline ? {cmdline} : {})}
}
