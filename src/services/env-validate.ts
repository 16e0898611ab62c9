import {UsageError} from '../errors.js'
import {HOST_NAME} from '../inventory/host.js'
import type {EnvironmentRequest} from './env-request.js'

/** What a request must be before any host is asked: names, one head node, something to boot, options that go together. */
export function checkRequest(request: EnvironmentRequest): void {
  if (!HOST_NAME.test(request.name))
    throw new UsageError(`"${request.name}" is not an environment name`, 'use letters, digits, dot, dash and underscore')
  const heads = request.vms.filter((vm) => vm.role === 'head')
  if (heads.length !== 1) throw new UsageError(`environment "${request.name}" needs exactly one head node; it has ${heads.length}`)
  const seen = new Set<string>()
  for (const vm of request.vms) {
    if (!HOST_NAME.test(vm.name)) throw new UsageError(`"${vm.name}" is not a VM name`)
    if (seen.has(vm.name)) throw new UsageError(`VM name "${vm.name}" appears twice`)
    seen.add(vm.name)
    if (vm.maxMemoryMiB < vm.memoryMiB)
      throw new UsageError(`VM "${vm.name}": max memory ${vm.maxMemoryMiB} MiB is below its memory ${vm.memoryMiB} MiB`)
  }
  if (!request.boot && !request.image) throw new UsageError('give the VMs something to boot: --kernel (with --initrd) or --image')
  if (request.authData && request.dataplane !== 'udp')
    throw new UsageError("--auth-data needs --dataplane udp: a kernel VXLAN device cannot check a frame's signature")
  if (request.underlayMtu && !request.dataplane)
    throw new UsageError('--underlay-mtu needs a data plane (vxlan or udp), not --dataplane none')
}
