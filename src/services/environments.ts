import {createHash} from 'node:crypto'

import {NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {Driver, HostSample} from '../hypervisor/driver.js'
import type {DomainType, KernelBoot, VmSpec} from '../hypervisor/vm-spec.js'
import {consoleLogPath, type EnvironmentRecord, type EnvVmRecord, IMAGES_DIR, privateDiskPath, type Role, VM_FILES_DIR} from '../inventory/environment-record.js'
import type {Dataplane} from '../inventory/environment-record.js'
import {HOST_NAME, type HostRecord} from '../inventory/host.js'
import {type HostRoom, place, type Placement, PlacementError, type VmDemand} from '../policy/placement.js'
import {createImage, fileSize, makeDirs, removeFiles} from '../transport/files.js'
import {environmentStatus} from './environment-status.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'
import {nicFor, removeSwitch, startSwitchOrThrow} from './switch-service.js'

/** One VM as asked for: by `env create` flags (all alike) or by an `env define` file (each its own). */
export interface VmRequest {
  name: string
  role: Role
  vcpus: number
  memoryMiB: number
  maxMemoryMiB: number
  /** Appended to the environment's kernel command line. */
  cmdline?: string
  host?: string
}

export interface EnvironmentRequest {
  name: string
  headSite?: string
  placement: Placement
  boot?: KernelBoot
  image?: string
  diskMiB?: number
  vms: VmRequest[]
  /** Give the environment its own Ethernet from the start (the VMs' NICs on its switch). */
  dataplane?: Dataplane
  /** On the udp data plane: data frames carry an HMAC too. */
  authData?: boolean
  /** The underlay MTU the admin vouches for (default 1500). */
  underlayMtu?: number
  /** Only these hosts are candidates (default: every host of the inventory). */
  hosts?: string[]
}

export interface CreatedEnvironment {
  environment: EnvironmentRecord
  started: string[]
  failed: Array<{vm: string; host: string; error: Error}>
}

/** `NAME-head`, `NAME-c1`..: the VM names `env create --vms N` gives. */
export function uniformVms(name: string, count: number, shape: Omit<VmRequest, 'name' | 'role'>): VmRequest[] {
  if (!Number.isInteger(count) || count < 1) throw new UsageError('an environment needs at least one VM (its head node)')
  return Array.from({length: count}, (_, i) => ({...shape, name: i === 0 ? `${name}-head` : `${name}-c${i}`, role: i === 0 ? 'head' : 'compute'}))
}

/**
 * A stable MAC per VM name in QEMU's 52:54:00 prefix (locally administered, unicast), so
 * an environment re-created under the same names keeps its addresses.
 */
export function macFor(vm: string, taken: ReadonlySet<string>): string {
  for (let salt = 0; ; salt++) {
    const h = createHash('sha256').update(`${vm}/${salt}`).digest()
    const mac = `52:54:00:${[h[0], h[1], h[2]].map((b) => b!.toString(16).padStart(2, '0')).join(':')}`
    if (!taken.has(mac)) return mac
  }
}

function checkRequest(request: EnvironmentRequest): void {
  if (!HOST_NAME.test(request.name)) throw new UsageError(`"${request.name}" is not an environment name`, 'use letters, digits, dot, dash and underscore')
  const heads = request.vms.filter((vm) => vm.role === 'head')
  if (heads.length !== 1) throw new UsageError(`environment "${request.name}" needs exactly one head node; it has ${heads.length}`)
  const seen = new Set<string>()
  for (const vm of request.vms) {
    if (!HOST_NAME.test(vm.name)) throw new UsageError(`"${vm.name}" is not a VM name`)
    if (seen.has(vm.name)) throw new UsageError(`VM name "${vm.name}" appears twice`)
    seen.add(vm.name)
    if (vm.maxMemoryMiB < vm.memoryMiB) throw new UsageError(`VM "${vm.name}": max memory ${vm.maxMemoryMiB} MiB is below its memory ${vm.memoryMiB} MiB`)
  }
  if (!request.boot && !request.image) throw new UsageError('give the VMs something to boot: --kernel (with --initrd) or --image')
  if (request.authData && request.dataplane !== 'udp') throw new UsageError('--auth-data needs --dataplane udp: a kernel VXLAN device cannot check a frame\'s signature')
  if (request.underlayMtu && !request.dataplane) throw new UsageError('--underlay-mtu needs a data plane (vxlan or udp), not --dataplane none')
}

/** What every candidate host has left, from one sample per host (VMs that are off still hold their place). */
async function hostRooms(session: Session, hosts: HostRecord[]): Promise<{rooms: HostRoom[]; vmNames: Map<string, string>; unreachable: Array<{host: string; error: Error}>}> {
  const outcomes = await fanout(hosts, async (host) => (await session.driver(host)).sample())
  const rooms: HostRoom[] = []
  const vmNames = new Map<string, string>()
  const unreachable: Array<{host: string; error: Error}> = []
  for (const o of outcomes) {
    if (!o.ok) {
      unreachable.push({host: o.host, error: o.error})
      continue
    }
    const host = hosts.find((h) => h.name === o.host)!
    for (const vm of o.value.vms) vmNames.set(vm.name, host.name)
    rooms.push(roomOf(host, o.value))
  }
  return {rooms, vmNames, unreachable}
}

/**
 * A host's room: its cores (times its overcommit ratio) and memory, less what every VM
 * defined there holds, running or not; memory also no more than the host reports free.
 */
export function roomOf(host: HostRecord, sample: HostSample): HostRoom {
  let cores = sample.host.cores * (host.cpuOvercommit ?? 1)
  let memory = sample.host.memoryMiB
  for (const vm of sample.vms) {
    cores -= vm.vcpus ?? 1
    memory -= vm.memoryMiB ?? 0
  }
  return {name: host.name, site: host.site, freeCores: cores, freeMemoryMiB: Math.min(memory, sample.host.freeMemoryMiB ?? Infinity), ...(host.maintenance ? {closed: true} : {})}
}

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
  if (inventory.environments().some((e) => e.name === request.name)) throw new UsageError(`environment "${request.name}" already exists`, `violin env info ${request.name}`)
  const hosts = session.select({hosts: request.hosts})
  if (request.headSite && !hosts.some((h) => h.site === request.headSite)) {
    if (request.hosts?.length && session.hosts.some((h) => h.site === request.headSite)) {
      throw new UsageError(`--head-site ${request.headSite} has no host among ${request.hosts.map((h) => `--host ${h}`).join(' ')}`, `add a --host of site ${request.headSite}, or drop --host`)
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
  const demands: VmDemand[] = request.vms.map((vm) => ({name: vm.name, role: vm.role, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, ...(vm.host ? {host: vm.host} : {})}))
  let placed: Map<string, string>
  try {
    placed = place(demands, rooms, {placement: request.placement, headSite: request.headSite})
  } catch (error) {
    if (!(error instanceof PlacementError)) throw error
    const skipped = unreachable.length > 0 ? ` (not counted, unreachable: ${unreachable.map((u) => u.host).join(', ')})` : ''
    throw new ViolinError(`environment "${request.name}" does not fit: ${error.message}${skipped}`, undefined, 'use fewer or smaller VMs, --placement pack, or add hosts')
  }
  const taken = new Set(inventory.environments().flatMap((e) => e.vms.map((v) => v.mac)))
  const head = request.vms.find((vm) => vm.role === 'head')!
  const headSite = hosts.find((h) => h.name === placed.get(head.name))!.site
  const vms: EnvVmRecord[] = request.vms.map((vm) => {
    const mac = macFor(vm.name, taken)
    taken.add(mac)
    return {name: vm.name, role: vm.role, host: placed.get(vm.name)!, mac, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, maxMemoryMiB: vm.maxMemoryMiB}
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
  return {environment, specs, unreachable, ...(request.dataplane ? {dataplane: request.dataplane} : {}), ...(request.authData ? {authData: true} : {}), ...(request.underlayMtu ? {underlayMtu: request.underlayMtu} : {})}
}

/** A VM's own command line words come after the environment's. */
function bootFor(boot: KernelBoot, extra: string | undefined): KernelBoot {
  const cmdline = [boot.cmdline, extra].filter(Boolean).join(' ')
  return {...boot, ...(cmdline ? {cmdline} : {})}
}

async function domainTypeFor(host: HostRecord, driver: Driver): Promise<DomainType> {
  if (host.domainType) return host.domainType
  return driver.defaultDomainType ? driver.defaultDomainType() : 'kvm'
}

/** Files the VMs need on their host (each path asked once): missing ones are named before anything is defined. */
async function checkBootFiles(session: Session, host: HostRecord, specs: VmSpec[]): Promise<void> {
  const t = session.transport(host)
  const needed = new Set(specs.flatMap((spec) => [spec.boot?.kernel, spec.boot?.initrd, spec.disk?.mode === 'shared' ? spec.disk.path : undefined]).filter((p): p is string => Boolean(p)))
  for (const path of needed) {
    if ((await fileSize(t, path)) === undefined) {
      throw new ViolinError(`host "${host.name}" has no file ${path}`, undefined, path.startsWith(IMAGES_DIR) ? `violin image push ${path.slice(IMAGES_DIR.length + 1)} ${host.name}` : 'copy it there, or use violin image push')
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
    throw new UsageError(`host(s) ${simulated.join(', ')} are simulated: a sim cluster keeps no new VMs between commands`, 'add --dry-run to see the placement')
  }
  await fanoutOrThrow(session, [...byHost.keys()], async (host) => {
    await checkBootFiles(session, host, byHost.get(host.name)!.map((vm) => specs.get(vm.name)!))
  })
  await inventory.addEnvironment(environment)
  const defined: EnvVmRecord[] = []
  try {
    if (plan.dataplane) {
      // The switch first: a VM whose bridge (or agent port) does not exist yet has no network.
      const placement = new Map([...byHost].map(([host, vms]) => [host, vms.map((v) => v.name)]))
      const networked = await startSwitchOrThrow(session, environment.name, plan.dataplane, placement, {authData: plan.authData, underlayMtu: plan.underlayMtu})
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
          if ((await fileSize(t, spec.disk.path)) !== undefined) throw new ViolinError(`host "${host.name}" already has ${spec.disk.path}; violin will not overwrite it`)
          await createImage(t, spec.disk.path, spec.disk.format, environment.diskMiB! * 1024 ** 2)
        }
        await driver.defineVm(spec, {domainType: type})
        defined.push(vm)
      }
    })
  } catch (error) {
    await removeVms(session, defined).catch(() => undefined)
    if (environment.network) await fanout([...byHost.keys()].map((h) => session.host(h)), (h) => removeSwitch(session, h, environment.network!))
    await inventory.removeEnvironment(environment.name)
    throw error
  }
  const started: string[] = []
  const failed: CreatedEnvironment['failed'] = []
  if (options.start) {
    const results = await startVms(session, environment.vms)
    for (const r of results) (r.error ? failed.push({vm: r.vm, host: r.host, error: r.error}) : started.push(r.vm))
  }
  return {environment, started, failed}
}

function groupByHost(vms: readonly EnvVmRecord[]): Map<HostRecord['name'], EnvVmRecord[]> {
  const by = new Map<string, EnvVmRecord[]>()
  for (const vm of vms) by.set(vm.host, [...(by.get(vm.host) ?? []), vm])
  return by
}

async function fanoutOrThrow(session: Session, hostNames: string[], fn: (host: HostRecord) => Promise<void>): Promise<void> {
  const outcomes = await fanout(
    hostNames.map((n) => session.host(n)),
    fn,
  )
  const failure = outcomes.find((o) => !o.ok)
  if (failure && !failure.ok) throw failure.error
}

export interface VmOutcome {
  vm: string
  host: string
  error?: Error
}

async function eachVm(session: Session, vms: readonly EnvVmRecord[], fn: (driver: Driver, vm: EnvVmRecord, host: HostRecord) => Promise<void>): Promise<VmOutcome[]> {
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
  for (const o of outcomes) if (!o.ok) for (const vm of vms.filter((v) => v.host === o.host)) results.push({vm: vm.name, host: o.host, error: o.error})
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
    for (const o of await fanout(session.hosts.filter((h) => h.driver !== 'sim'), (h) => removeSwitch(session, h, network))) {
      if (!o.ok) results.push({vm: `(switch VNI ${network.vni})`, host: o.host, error: o.error})
    }
  }
  if (results.every((r) => !r.error)) await session.inventory!.removeEnvironment(env.name)
  return [...results, ...status.filter((v) => v.state === 'missing').map((v) => ({vm: v.name, host: v.host}))]
}
