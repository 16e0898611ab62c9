import {NotFoundError, UsageError, ViolinError} from '../../errors.js'
import {movesOf} from '../../sim/scenario-moves.js'
import type {World, WorldVm} from '../../sim/world.js'
import type {
  Driver,
  VmMigrationState,
  HostInfo,
  HostSample,
  MemoryTarget,
  MigrationDestination,
  MigrationResult,
  SchedParams,
  ToolCheck,
  VmFiles,
  VmInfo,
  VmSummary,
} from '../driver.js'

/** Xen credit weights as drivers take them; the world counts libvirt's cpu_shares (4x). */
const SHARES_PER_WEIGHT = 4

/**
 * One host of a running scenario (src/sim/world.ts): what `violin adapt --connect
 * sim:SCENARIO` polls and acts on. The scenario decides which VMs exist; balloons, shares
 * and live migrations are the hypervisor's part and are carried out in the world.
 */
export class ScenarioDriver implements Driver {
  readonly kind = 'sim' as const

  constructor(
    private readonly world: World,
    readonly hostName: string,
  ) {
    if (!world.hosts.has(hostName)) throw new NotFoundError(`host "${hostName}" is not in ${world.scenario.file}`)
  }

  private vm(name: string): WorldVm {
    const vm = this.world.vms.get(name)
    if (!vm || vm.host !== this.hostName) throw new NotFoundError(`VM "${name}" is not running on host "${this.hostName}"`, 'violin list')
    return vm
  }

  async hostInfo(): Promise<HostInfo> {
    const h = this.world.hosts.get(this.hostName)!
    return {
      hostname: h.name,
      cores: h.cores,
      memoryMiB: h.memoryMiB,
      freeMemoryMiB: this.world.freeMemoryMiB(h.name),
      hypervisor: 'sim',
      hypervisorVersion: '1',
    }
  }

  async listVms(): Promise<VmSummary[]> {
    return this.world.vmsOn(this.hostName).map((vm, i) => ({name: vm.spec.name, id: i + 1, state: 'running'}))
  }

  async vmInfo(name: string): Promise<VmInfo> {
    const vm = this.vm(name)
    const id = this.world.vmsOn(this.hostName).indexOf(vm) + 1
    return {
      name,
      id,
      state: 'running',
      vcpus: vm.spec.vcpus,
      memoryMiB: vm.memoryMiB,
      maxMemoryMiB: vm.spec.maxMemoryMiB,
      cpuTimeSec: vm.cpuSec,
      persistent: false,
      autostart: false,
    }
  }

  /** The scenario's own figures: what each VM's phase holds and dirties (no time passes). */
  async measureMigrationState(names: string[] | undefined): Promise<Map<string, VmMigrationState>> {
    const out = new Map<string, VmMigrationState>()
    for (const vm of this.world.vmsOn(this.hostName)) {
      if (names !== undefined && !names.includes(vm.spec.name)) continue
      const phase = this.world.phaseOf(vm)
      out.set(vm.spec.name, {
        usedMiB: Math.min(phase.memoryMiB, vm.memoryMiB),
        usedFrom: 'guest',
        dirtyRateMiBs: phase.dirtyBytesPerSecond / 1024 ** 2,
      })
    }
    return out
  }

  async sample(): Promise<HostSample> {
    const h = this.world.hosts.get(this.hostName)!
    const c = this.world.counters.get(this.hostName)!
    return {
      timeMs: this.world.nowMs(),
      host: await this.hostInfo(),
      counters: {
        swapOutPages: Math.round(c.swapPages),
        nicBytes: Math.round(c.nicBytes),
        nicBytesPerSecond: h.nicBytesPerSecond,
        nic: 'sim0',
      },
      vms: this.world.vmsOn(this.hostName).map((vm) => {
        const cpuTimeNs = Math.round(vm.cpuSec * 1e9)
        const cpuWaitNs = Math.round((vm.demandSec - vm.cpuSec) * 1e9)
        const memoryUsedMiB = Math.min(this.world.phaseOf(vm).memoryMiB, vm.memoryMiB)
        return {
          name: vm.spec.name,
          state: 'running' as const,
          vcpus: vm.spec.vcpus,
          cpuTimeNs,
          cpuWaitNs,
          memoryMiB: vm.memoryMiB,
          maxMemoryMiB: vm.spec.maxMemoryMiB,
          memoryUsedMiB,
          raw: {
            'cpu.time': String(cpuTimeNs),
            'cpu.wait': String(cpuWaitNs),
            'balloon.current': String(vm.memoryMiB * 1024),
            'balloon.maximum': String(vm.spec.maxMemoryMiB * 1024),
            'vcpu.current': String(vm.spec.vcpus),
            'sim.phase': String(vm.phase + 1),
          },
        }
      }),
    }
  }

  async setMemory(name: string, mib: number, _target: MemoryTarget): Promise<void> {
    const vm = this.vm(name)
    if (mib > vm.spec.maxMemoryMiB)
      throw new ViolinError(`VM "${name}": cannot set memory higher than max memory (${vm.spec.maxMemoryMiB} MiB)`)
    const free = this.world.freeMemoryMiB(this.hostName)
    if (mib - vm.memoryMiB > free) throw new ViolinError(`host "${this.hostName}" has only ${free} MiB free`)
    this.world.setMemory(name, mib)
  }

  async schedInfo(name: string): Promise<SchedParams> {
    return {scheduler: 'credit', weight: Math.round(this.vm(name).shares / SHARES_PER_WEIGHT), cap: 0}
  }

  async setSched(name: string, params: {weight?: number; cap?: number}): Promise<SchedParams> {
    if (params.weight !== undefined) this.world.setShares(this.vm(name).spec.name, params.weight * SHARES_PER_WEIGHT)
    if (params.cap !== undefined && params.cap !== 0) throw new UsageError("a scenario's hosts have no CPU caps")
    return this.schedInfo(name)
  }

  /** Blocks until the copy is done, as `virsh migrate` does: the world's clock runs meanwhile. */
  async migrate(name: string, destination: MigrationDestination): Promise<MigrationResult> {
    const vm = this.vm(name)
    const started = this.world.startMigration(name, destination.hostName)
    if ('refused' in started) throw new ViolinError(`cannot migrate "${name}" to "${destination.hostName}": ${started.refused}`)
    const from = this.world.t
    // Moves under way together (an environment's) copy side by side: src/sim/scenario-moves.ts.
    await movesOf(this.world).copy(vm)
    const ms = Math.round((this.world.t - from) * 1000)
    return {wallMs: ms, totalMs: ms, dataBytes: Math.round(vm.memoryMiB * 1024 ** 2)}
  }

  private scripted(): never {
    throw new UsageError(
      `the VMs of a scenario come and go as ${this.world.scenario.file} says`,
      'use a cluster file (examples/two-sites.yaml) to define, start or stop VMs',
    )
  }

  async migrateOffline(): Promise<void> {
    this.scripted()
  }

  async defineVm(): Promise<void> {
    this.scripted()
  }

  async startVm(): Promise<void> {
    this.scripted()
  }

  async shutdownVm(): Promise<void> {
    this.scripted()
  }

  async destroyVm(): Promise<void> {
    this.scripted()
  }

  async undefineVm(): Promise<void> {
    this.scripted()
  }

  async replaceNic(name: string): Promise<void> {
    this.vm(name)
    throw new UsageError(`simulated VMs have no NICs to re-plug (${this.world.scenario.file})`)
  }

  async rebootVm(): Promise<void> {
    this.scripted()
  }

  async suspendVm(): Promise<void> {
    this.scripted()
  }

  async resumeVm(): Promise<void> {
    this.scripted()
  }

  async defineFromConfig(): Promise<string> {
    this.scripted()
  }

  async dumpConfig(): Promise<string> {
    this.scripted()
  }

  async setAutostart(): Promise<void> {
    this.scripted()
  }

  consoleArgv(name: string): string[] {
    throw new UsageError(`sim VMs have no console (VM "${name}" is simulated)`)
  }

  async vmFiles(name: string): Promise<VmFiles> {
    this.vm(name)
    return {disks: []}
  }

  async checkTools(): Promise<ToolCheck[]> {
    return [{tool: 'sim', ok: true, detail: this.world.scenario.file}]
  }
}
