import type {VmState} from '../hypervisor/driver.js'
import {check, fileError} from '../schema/check.js'
import {clusterSchema} from '../schema/cluster.js'
import {parseYaml} from '../schema/yaml.js'
import {shareCpu} from './cpu-share.js'
import {readSimFile} from './read.js'

export interface SimHost {
  name: string
  site: string
  cores: number
  memoryMiB: number
}

export interface SimVm {
  name: string
  host: string
  state: VmState
  vcpus: number
  memoryMiB: number
  maxMemoryMiB: number
  /** CPU demand as a fraction of its vCPUs (0..1). */
  cpuDemand: number
  memoryUsedMiB: number
  /** Bytes it sends and receives per second while it runs; undefined: its NIC is not measured. */
  netBytesPerSecond?: number
  weight: number
  cap: number
  /** CPU time banked before the last change of demand or host, seconds. */
  cpuBankSec: number
  cpuBankAt: number
  /** Set by `violin autostart`; a simulated host never boots, so it only shows. */
  autostart?: boolean
}

const DEFAULT_START = Date.parse('2026-01-01T00:00:00Z')

/**
 * A simulated cluster: hosts and VMs from a YAML file, with CPU time that advances only
 * when the caller advances the clock, so every read is deterministic. CPU is shared as
 * src/sim/cpu-share.ts shares it, by demand: when the VMs on a host want more than its
 * cores, each gets cores/demand of what it wants.
 */
export class SimCluster {
  constructor(
    readonly file: string,
    readonly hosts: SimHost[],
    readonly vms: SimVm[],
    /** Simulated wall clock, seconds since the epoch; starts at the file's `start`. */
    public timeSec: number,
    /** When the cluster's clock started (the file's `start`), seconds since the epoch. */
    readonly startSec: number = timeSec,
  ) {}

  static load(file: string): SimCluster {
    const text = readSimFile(file)
    return SimCluster.parse(file, text)
  }

  /** Reads a cluster file; every mistake is `FILE:LINE:COL: FIELD: expected ..., found ...` (exit 3). */
  static parse(file: string, text: string): SimCluster {
    const {value, source} = parseYaml(file, text)
    const root = check(clusterSchema, value, source)
    const fail = (path: Array<string | number>, expected: string, found: unknown, shown?: string): never => {
      throw fileError(source, path, expected, found, {found: shown})
    }
    const unique = (names: string[], list: string, what: string) => {
      const seen = new Set<string>()
      names.forEach((n, i) => {
        if (seen.has(n)) fail([list, i, 'name'], `a ${what} name not used before`, n)
        seen.add(n)
      })
    }
    const hosts: SimHost[] = root.hosts.map((h) => ({name: h.name, site: h.site, cores: h.cores, memoryMiB: h.memory}))
    unique(
      hosts.map((h) => h.name),
      'hosts',
      'host',
    )
    const hostNames = new Set(hosts.map((h) => h.name))
    const vms = root.vms.map((o, i): SimVm => {
      if (!hostNames.has(o.host)) fail(['vms', i, 'host'], `one of the hosts (${[...hostNames].join(', ')})`, o.host)
      const maxMemoryMiB = o.maxMemory ?? o.memory
      if (o.memory > maxMemoryMiB) fail(['vms', i, 'memory'], `at most maxMemory (${maxMemoryMiB} MiB)`, o.memory, `${o.memory} MiB`)
      return {
        name: o.name,
        host: o.host,
        state: o.state,
        vcpus: o.vcpus,
        memoryMiB: o.memory,
        maxMemoryMiB,
        cpuDemand: o.cpu,
        memoryUsedMiB: o.memoryUsed === undefined ? o.memory / 2 : Math.min(o.memory, o.memoryUsed),
        ...(o.net === undefined ? {} : {netBytesPerSecond: o.net * 1024 ** 2}),
        weight: 256,
        cap: 0,
        cpuBankSec: 0,
        cpuBankAt: 0,
      }
    })
    unique(
      vms.map((x) => x.name),
      'vms',
      'VM',
    )
    const start = root.start === undefined ? DEFAULT_START : Date.parse(root.start)
    if (Number.isNaN(start)) fail(['start'], 'a date like 2026-01-01T00:00:00Z', root.start)
    for (const vm of vms) vm.cpuBankAt = start / 1000
    return new SimCluster(file, hosts, vms, start / 1000, start / 1000)
  }

  host(name: string): SimHost | undefined {
    return this.hosts.find((h) => h.name === name)
  }

  vmsOn(host: string): SimVm[] {
    return this.vms.filter((vm) => vm.host === host)
  }

  /** The cores each running VM on the host gets now, each weighed by what it wants and held to its cap. */
  coresOn(host: string): Map<SimVm, number> {
    const h = this.host(host)
    if (!h) return new Map()
    const running = this.vmsOn(host).filter((vm) => vm.state === 'running')
    const claim = (vm: SimVm) => {
      const wanted = vm.vcpus * vm.cpuDemand
      // A Xen credit cap: % of one core, 0 for none.
      return vm.cap > 0 ? {wanted, weight: wanted, cap: vm.cap / 100} : {wanted, weight: wanted}
    }
    const got = shareCpu(h.cores, running.map(claim))
    return new Map(running.map((vm, i) => [vm, got[i]!]))
  }

  cpuTimeSec(vm: SimVm): number {
    if (vm.state !== 'running') return vm.cpuBankSec
    const rate = this.coresOn(vm.host).get(vm) ?? 0
    return vm.cpuBankSec + rate * (this.timeSec - vm.cpuBankAt)
  }

  /**
   * Bytes through a running VM's NIC since the clock started, half received and half sent;
   * undefined when it is not running or the file gives it no rate (its counters are unknown).
   */
  netBytes(vm: SimVm): {rx: number; tx: number} | undefined {
    if (vm.state !== 'running' || vm.netBytesPerSecond === undefined) return undefined
    const half = Math.round((vm.netBytesPerSecond * (this.timeSec - this.startSec)) / 2)
    return {rx: half, tx: half}
  }

  freeMemoryMiB(host: string): number {
    const h = this.host(host)
    if (!h) return 0
    return (
      h.memoryMiB -
      this.vmsOn(host)
        .filter((vm) => vm.state !== 'shutoff')
        .reduce((s, vm) => s + vm.memoryMiB, 0)
    )
  }

  advance(seconds: number): void {
    this.timeSec += seconds
  }

  /** Banks every VM's CPU time before a change that alters shares (a move, a new demand). */
  bankAll(): void {
    for (const vm of this.vms) {
      vm.cpuBankSec = this.cpuTimeSec(vm)
      vm.cpuBankAt = this.timeSec
    }
  }
}
