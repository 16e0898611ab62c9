import {UsageError} from '../errors.js'
import type {KernelBoot} from '../hypervisor/vm-spec.js'
import type {Dataplane, Role} from '../inventory/environment-record.js'
import type {Placement} from '../policy/placement.js'

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

/** `NAME-head`, `NAME-c1`..: the VM names `env create --vms N` gives. */
export function uniformVms(name: string, count: number, shape: Omit<VmRequest, 'name' | 'role'>): VmRequest[] {
  if (!Number.isInteger(count) || count < 1) throw new UsageError('an environment needs at least one VM (its head node)')
  return Array.from({length: count}, (_, i) => ({
    ...shape,
    name: i === 0 ? `${name}-head` : `${name}-c${i}`,
    role: i === 0 ? 'head' : 'compute',
  }))
}
