import {load as parseYaml} from 'js-yaml'

import {ConfigError} from '../errors.js'
import {readSimFile} from './read.js'
import {parseSizeMiB} from '../units.js'
import type {VmState} from '../hypervisor/driver.js'

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
 * when the caller advances the clock, so every read is deterministic. CPU is shared
 * fairly: when the VMs on a host want more than its cores, each gets cores/demand of it.
 */
export class SimCluster {
  constructor(
    readonly file: string,
    readonly hosts: SimHost[],
    readonly vms: SimVm[],
    /** Simulated wall clock, seconds since the epoch; starts at the file's `start`. */
    public timeSec: number,
  ) {}

  static load(file: string): SimCluster {
    const text = readSimFile(file)
    return SimCluster.parse(file, text)
  }

  static parse(file: string, text: string): SimCluster {
    let doc: unknown
    try {
      doc = parseYaml(text)
    } catch (error) {
      throw new ConfigError(file, undefined, `not valid YAML: ${(error as Error).message.split('\n')[0]}`)
    }
    const v = new Validator(file)
    const root = v.object(doc, '')
    const hosts = v.list(root.hosts, 'hosts').map((h, i) => {
      const o = v.object(h, `hosts[${i}]`)
      return {
        name: v.name(o.name, `hosts[${i}].name`),
        site: v.name(o.site ?? 'default', `hosts[${i}].site`),
        cores: v.positiveInt(o.cores, `hosts[${i}].cores`),
        memoryMiB: v.size(o.memory, `hosts[${i}].memory`),
      }
    })
    v.unique(hosts.map((h) => h.name), 'hosts', 'host')
    const hostNames = new Set(hosts.map((h) => h.name))
    const vms = v.list(root.vms ?? [], 'vms').map((x, i): SimVm => {
      const o = v.object(x, `vms[${i}]`)
      const at = `vms[${i}]`
      const host = v.name(o.host, `${at}.host`)
      if (!hostNames.has(host)) v.fail(`${at}.host`, `"${host}" is not one of the hosts`)
      const memoryMiB = v.size(o.memory, `${at}.memory`)
      const maxMemoryMiB = o.maxMemory === undefined ? memoryMiB : v.size(o.maxMemory, `${at}.maxMemory`)
      if (memoryMiB > maxMemoryMiB) v.fail(`${at}.memory`, 'is larger than maxMemory')
      const state = o.state ?? 'running'
      if (state !== 'running' && state !== 'shutoff' && state !== 'paused') v.fail(`${at}.state`, 'must be running, paused or shutoff')
      return {
        name: v.name(o.name, `${at}.name`),
        host,
        state: state as VmState,
        vcpus: v.positiveInt(o.vcpus ?? 1, `${at}.vcpus`),
        memoryMiB,
        maxMemoryMiB,
        cpuDemand: v.fraction(o.cpu ?? 0, `${at}.cpu`),
        memoryUsedMiB: o.memoryUsed === undefined ? memoryMiB / 2 : Math.min(memoryMiB, v.size(o.memoryUsed, `${at}.memoryUsed`)),
        weight: 256,
        cap: 0,
        cpuBankSec: 0,
        cpuBankAt: 0,
      }
    })
    v.unique(vms.map((x) => x.name), 'vms', 'VM')
    const start = root.start === undefined ? DEFAULT_START : Date.parse(String(root.start instanceof Date ? root.start.toISOString() : root.start))
    if (Number.isNaN(start)) v.fail('start', 'must be a date like 2026-01-01T00:00:00Z')
    for (const vm of vms) vm.cpuBankAt = start / 1000
    return new SimCluster(file, hosts, vms, start / 1000)
  }

  host(name: string): SimHost | undefined {
    return this.hosts.find((h) => h.name === name)
  }

  vmsOn(host: string): SimVm[] {
    return this.vms.filter((vm) => vm.host === host)
  }

  /** The share of its demand each running VM on the host gets (1 when the host is not overcommitted). */
  shareOn(host: string): number {
    const h = this.host(host)
    if (!h) return 0
    const wanted = this.vmsOn(host)
      .filter((vm) => vm.state === 'running')
      .reduce((sum, vm) => sum + vm.vcpus * vm.cpuDemand, 0)
    return wanted <= h.cores ? 1 : h.cores / wanted
  }

  cpuTimeSec(vm: SimVm): number {
    if (vm.state !== 'running') return vm.cpuBankSec
    const rate = vm.vcpus * vm.cpuDemand * this.shareOn(vm.host)
    return vm.cpuBankSec + rate * (this.timeSec - vm.cpuBankAt)
  }

  freeMemoryMiB(host: string): number {
    const h = this.host(host)
    if (!h) return 0
    return h.memoryMiB - this.vmsOn(host).filter((vm) => vm.state !== 'shutoff').reduce((s, vm) => s + vm.memoryMiB, 0)
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

class Validator {
  constructor(private readonly file: string) {}

  fail(field: string, detail: string): never {
    throw new ConfigError(this.file, field || undefined, detail)
  }

  object(x: unknown, at: string): Record<string, unknown> {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) this.fail(at, 'must be a mapping')
    return x as Record<string, unknown>
  }

  list(x: unknown, at: string): unknown[] {
    if (!Array.isArray(x)) this.fail(at, 'must be a list')
    return x
  }

  name(x: unknown, at: string): string {
    if (typeof x !== 'string' || x.trim() === '') this.fail(at, 'must be a non-empty string')
    return x
  }

  positiveInt(x: unknown, at: string): number {
    if (typeof x !== 'number' || !Number.isInteger(x) || x <= 0) this.fail(at, 'must be a positive whole number')
    return x
  }

  fraction(x: unknown, at: string): number {
    if (typeof x !== 'number' || x < 0 || x > 1) this.fail(at, 'must be a number from 0 to 1')
    return x
  }

  size(x: unknown, at: string): number {
    if (typeof x === 'number' && x > 0) return x
    if (typeof x !== 'string') this.fail(at, 'must be a size like 2GiB or 512MiB')
    try {
      return parseSizeMiB(x)
    } catch {
      this.fail(at, `"${x}" is not a size like 2GiB or 512MiB`)
    }
  }

  unique(names: string[], at: string, what: string): void {
    const seen = new Set<string>()
    for (const n of names) {
      if (seen.has(n)) this.fail(at, `${what} "${n}" is named twice`)
      seen.add(n)
    }
  }
}
