import {ConfigError, NotFoundError, UsageError, ViolinError} from '../../errors.js'
import {SimCluster, type SimVm} from '../../sim/cluster.js'
import type {VmSpec} from '../vm-spec.js'
import type {
  Driver,
  VmMigrationState,
  HostInfo,
  HostSample,
  MemoryTarget,
  MigrateOptions,
  MigrationDestination,
  MigrationResult,
  SchedParams,
  ToolCheck,
  VmFiles,
  VmInfo,
  VmSummary,
} from '../driver.js'

/** Simulated copy rate when no bandwidth limit is given, MiB/s (a 1 Gbit/s link). */
const SIM_LINK_MIBS = 119

/** One host of a simulated cluster (src/sim): no hypervisor, nothing leaves memory. */
export class SimDriver implements Driver {
  readonly kind = 'sim' as const

  constructor(
    private readonly cluster: SimCluster,
    readonly hostName: string,
  ) {
    if (!cluster.host(hostName)) throw new NotFoundError(`host "${hostName}" is not in ${cluster.file}`)
  }

  private vm(name: string): SimVm {
    const vm = this.cluster.vmsOn(this.hostName).find((v) => v.name === name)
    if (!vm) throw new NotFoundError(`VM "${name}" is not on host "${this.hostName}"`, 'violin list --all')
    return vm
  }

  async hostInfo(): Promise<HostInfo> {
    const h = this.cluster.host(this.hostName)!
    return {
      hostname: h.name,
      cores: h.cores,
      memoryMiB: h.memoryMiB,
      freeMemoryMiB: this.cluster.freeMemoryMiB(h.name),
      hypervisor: 'sim',
      hypervisorVersion: '1',
    }
  }

  async listVms(): Promise<VmSummary[]> {
    let id = 0
    return this.cluster.vmsOn(this.hostName).map((vm) => ({name: vm.name, id: vm.state === 'shutoff' ? undefined : ++id, state: vm.state}))
  }

  async vmInfo(name: string): Promise<VmInfo> {
    const vm = this.vm(name)
    const summary = (await this.listVms()).find((s) => s.name === name)
    return {
      name,
      id: summary?.id,
      state: vm.state,
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      maxMemoryMiB: vm.maxMemoryMiB,
      cpuTimeSec: this.cluster.cpuTimeSec(vm),
      persistent: true,
      autostart: vm.autostart ?? false,
    }
  }

  /** What each VM holds; a cluster file says nothing of dirty rates, so none is given. */
  async measureMigrationState(names: string[] | undefined): Promise<Map<string, VmMigrationState>> {
    const out = new Map<string, VmMigrationState>()
    for (const vm of this.cluster.vmsOn(this.hostName))
      if ((names === undefined || names.includes(vm.name)) && vm.state === 'running')
        out.set(vm.name, {usedMiB: vm.memoryUsedMiB, usedFrom: 'guest'})
    return out
  }

  async sample(): Promise<HostSample> {
    return {
      timeMs: this.cluster.timeSec * 1000,
      host: await this.hostInfo(),
      vms: this.cluster.vmsOn(this.hostName).map((vm) => {
        const cpuTimeNs = Math.round(this.cluster.cpuTimeSec(vm) * 1e9)
        const memoryUsedMiB = vm.state === 'shutoff' ? 0 : vm.memoryUsedMiB
        const net = this.cluster.netBytes(vm)
        return {
          name: vm.name,
          state: vm.state,
          vcpus: vm.vcpus,
          cpuTimeNs,
          memoryMiB: vm.memoryMiB,
          maxMemoryMiB: vm.maxMemoryMiB,
          memoryUsedMiB,
          ...(net ? {netRxBytes: net.rx, netTxBytes: net.tx} : {}),
          raw: {
            'cpu.time': String(cpuTimeNs),
            'balloon.current': String(vm.memoryMiB * 1024),
            'balloon.maximum': String(vm.maxMemoryMiB * 1024),
            'vcpu.current': String(vm.vcpus),
            'sim.cpu_demand': String(vm.cpuDemand),
            ...(net ? {'net.0.rx.bytes': String(net.rx), 'net.0.tx.bytes': String(net.tx)} : {}),
          },
        }
      }),
    }
  }

  async setMemory(name: string, mib: number, target: MemoryTarget): Promise<void> {
    const vm = this.vm(name)
    if (mib > vm.maxMemoryMiB) throw new ViolinError(`VM "${name}": cannot set memory higher than max memory (${vm.maxMemoryMiB} MiB)`)
    if (target.live && vm.state === 'shutoff') throw new ViolinError(`VM "${name}" is not running: use --config`)
    if (mib - vm.memoryMiB > this.cluster.freeMemoryMiB(this.hostName) && target.live) {
      throw new ViolinError(`host "${this.hostName}" has only ${this.cluster.freeMemoryMiB(this.hostName)} MiB free`)
    }
    vm.memoryMiB = mib
    vm.memoryUsedMiB = Math.min(vm.memoryUsedMiB, mib)
  }

  async schedInfo(name: string): Promise<SchedParams> {
    const vm = this.vm(name)
    return {scheduler: 'credit', weight: vm.weight, cap: vm.cap}
  }

  async setSched(name: string, params: {weight?: number; cap?: number}): Promise<SchedParams> {
    const vm = this.vm(name)
    if (params.weight !== undefined) vm.weight = params.weight
    if (params.cap !== undefined && params.cap !== vm.cap) {
      this.cluster.bankAll() // the CPU time so far was got without the new cap
      vm.cap = params.cap
    }
    return this.schedInfo(name)
  }

  async migrate(name: string, destination: MigrationDestination, options: MigrateOptions): Promise<MigrationResult> {
    const vm = this.vm(name)
    const dest = this.cluster.host(destination.hostName)
    if (!dest) throw new NotFoundError(`host "${destination.hostName}" is not in ${this.cluster.file}`)
    if (dest.name === this.hostName) throw new UsageError(`VM "${name}" is already on "${dest.name}"`)
    if (vm.memoryMiB > this.cluster.freeMemoryMiB(dest.name)) {
      throw new ViolinError(
        `host "${dest.name}" has ${this.cluster.freeMemoryMiB(dest.name)} MiB free; "${name}" needs ${vm.memoryMiB} MiB`,
      )
    }
    const rate = Math.min(options.bandwidthMiBs ?? SIM_LINK_MIBS, SIM_LINK_MIBS)
    const seconds = vm.memoryUsedMiB / rate
    this.cluster.bankAll()
    this.cluster.advance(seconds)
    this.cluster.bankAll() // the copy ran at the old shares; the move changes them from now on
    vm.host = dest.name
    return {wallMs: Math.round(seconds * 1000), totalMs: Math.round(seconds * 1000), dataBytes: Math.round(vm.memoryUsedMiB * 1024 ** 2)}
  }

  async migrateOffline(name: string, destination: MigrationDestination): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'shutoff') throw new UsageError(`VM "${name}" is ${vm.state}: only a shut-off VM moves offline`)
    const dest = this.cluster.host(destination.hostName)
    if (!dest) throw new NotFoundError(`host "${destination.hostName}" is not in ${this.cluster.file}`)
    if (dest.name === this.hostName) throw new UsageError(`VM "${name}" is already on "${dest.name}"`)
    vm.host = dest.name
  }

  /** Simulated VMs live as long as the session: the cluster file itself is never written. */
  async defineVm(spec: VmSpec): Promise<void> {
    if (this.cluster.vms.some((vm) => vm.name === spec.name))
      throw new UsageError(`VM "${spec.name}" already exists in ${this.cluster.file}`)
    const at = this.cluster.timeSec
    this.cluster.vms.push({
      name: spec.name,
      host: this.hostName,
      state: 'shutoff',
      vcpus: spec.vcpus,
      memoryMiB: spec.memoryMiB,
      maxMemoryMiB: spec.maxMemoryMiB,
      cpuDemand: 0,
      memoryUsedMiB: 0,
      weight: spec.cpuWeight ?? 256,
      cap: 0,
      cpuBankSec: 0,
      cpuBankAt: at,
    })
  }

  async startVm(name: string): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'shutoff') throw new ViolinError(`VM "${name}" is already ${vm.state}`)
    this.cluster.bankAll()
    vm.state = 'running'
  }

  async shutdownVm(name: string): Promise<void> {
    await this.destroyVm(name)
  }

  async destroyVm(name: string): Promise<void> {
    const vm = this.vm(name)
    this.cluster.bankAll()
    vm.state = 'shutoff'
    vm.memoryUsedMiB = 0
  }

  async undefineVm(name: string): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'shutoff') throw new ViolinError(`VM "${name}" is ${vm.state}: destroy it first`)
    this.cluster.vms.splice(this.cluster.vms.indexOf(vm), 1)
  }

  async replaceNic(name: string): Promise<void> {
    this.vm(name)
    throw new UsageError(`simulated VMs have no NICs to re-plug (${this.cluster.file})`)
  }

  async rebootVm(name: string): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'running')
      throw new ViolinError(
        `VM "${name}" is ${vm.state}, not running`,
        undefined,
        vm.state === 'paused' ? `violin resume ${name}` : `violin start ${name}`,
      )
  }

  async suspendVm(name: string): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'running') throw new ViolinError(`VM "${name}" is ${vm.state}, not running`)
    this.cluster.bankAll()
    vm.state = 'paused'
  }

  async resumeVm(name: string): Promise<void> {
    const vm = this.vm(name)
    if (vm.state !== 'paused') throw new ViolinError(`VM "${name}" is ${vm.state}, not paused`)
    this.cluster.bankAll()
    vm.state = 'running'
  }

  /** A sim VM is described as in the cluster file's vms list: {name, vcpus, memory, maxMemory, cpu}. */
  async defineFromConfig(text: string): Promise<string> {
    const {parse} = await import('../../yaml-lib.js')
    let doc: unknown
    try {
      doc = parse(text)
    } catch (error) {
      throw new UsageError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`)
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new UsageError('a sim VM is a YAML mapping: {name, vcpus, memory, maxMemory, cpu}')
    const host = this.cluster.host(this.hostName)!
    let one: SimCluster
    try {
      const hostEntry = {name: host.name, site: host.site, cores: host.cores, memory: `${host.memoryMiB}MiB`}
      one = SimCluster.parse('', JSON.stringify({hosts: [hostEntry], vms: [{...doc, host: host.name, state: 'shutoff'}]}))
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      const field = error.field?.replace(/^vms\[0\]\.?/, '')
      throw new UsageError(
        `${field ? `${field}: ` : ''}${error.detail}`,
        'a sim VM is a YAML mapping: {name, vcpus, memory, maxMemory, cpu}',
      )
    }
    const vm = one.vms[0]!
    if (this.cluster.vms.some((v) => v.name === vm.name)) throw new UsageError(`VM "${vm.name}" already exists in ${this.cluster.file}`)
    this.cluster.vms.push({...vm, memoryUsedMiB: 0, cpuBankAt: this.cluster.timeSec})
    return vm.name
  }

  async dumpConfig(name: string): Promise<string> {
    const vm = this.vm(name)
    const {stringify} = await import('../../yaml-lib.js')
    return stringify({name: vm.name, vcpus: vm.vcpus, memory: `${vm.memoryMiB}MiB`, maxMemory: `${vm.maxMemoryMiB}MiB`, cpu: vm.cpuDemand})
  }

  async setAutostart(name: string, enabled: boolean): Promise<void> {
    this.vm(name).autostart = enabled
  }

  consoleArgv(name: string): string[] {
    this.vm(name)
    throw new UsageError(`sim VMs have no console (VM "${name}" on simulated host "${this.hostName}")`, `violin dominfo ${name}`)
  }

  async vmFiles(name: string): Promise<VmFiles> {
    this.vm(name)
    return {disks: []}
  }

  async checkTools(): Promise<ToolCheck[]> {
    return [{tool: 'sim', ok: true, detail: this.cluster.file}]
  }
}
