import type {EnvVmRecord} from '../inventory/environment-record.js'
import type {VmStatus} from '../services/environment-status.js'
import {formatMiB} from '../units.js'
import type {Column} from './table.js'

export const envVmColumns: Column<EnvVmRecord & Partial<VmStatus>>[] = [
  {header: 'Name', get: (r) => r.name},
  {header: 'Role', get: (r) => r.role},
  {header: 'Host', get: (r) => r.host},
  {header: 'Site', get: (r) => r.site},
  {header: 'State', get: (r) => r.state},
  {header: 'MAC', get: (r) => r.mac},
  {header: 'vCPUs', get: (r) => r.vcpus, align: 'right'},
  {header: 'Memory', get: (r) => formatMiB(r.memoryMiB), align: 'right'},
  {header: 'Max memory', get: (r) => formatMiB(r.maxMemoryMiB), align: 'right'},
]

/** The stable `env info --json` contract (snake_case, as scripts expect). */
export function envVmJson(vm: EnvVmRecord & Partial<VmStatus>) {
  return {
    name: vm.name,
    role: vm.role,
    host: vm.host,
    site: vm.site ?? null,
    state: vm.state ?? null,
    mac: vm.mac,
    memory_mib: vm.memoryMiB,
    max_memory_mib: vm.maxMemoryMiB,
    vcpus: vm.vcpus,
    ...(vm.error ? {error: vm.error} : {}),
  }
}

export async function renderPlan(vms: EnvVmRecord[]): Promise<string> {
  const {renderTable} = await import('./table.js')
  return renderTable(
    vms,
    envVmColumns.filter((c) => c.header !== 'State' && c.header !== 'Site'),
  )
}
