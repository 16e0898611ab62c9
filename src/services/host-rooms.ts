import type {HostSample} from '../hypervisor/driver.js'
import type {HostRecord} from '../inventory/host.js'
import type {HostRoom} from '../policy/placement.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'

/** What every candidate host has left, from one sample per host (VMs that are off still hold their place). */
export async function hostRooms(
  session: Session,
  hosts: HostRecord[],
): Promise<{rooms: HostRoom[]; vmNames: Map<string, string>; unreachable: Array<{host: string; error: Error}>}> {
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
  return {
    name: host.name,
    site: host.site,
    freeCores: cores,
    freeMemoryMiB: Math.min(memory, sample.host.freeMemoryMiB ?? Infinity),
    ...(host.maintenance ? {closed: true} : {}),
  }
}
