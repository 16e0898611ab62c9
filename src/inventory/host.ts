import {UsageError} from '../errors.js'
import type {DomainType} from '../hypervisor/vm-spec.js'
import type {SshTarget} from '../transport/ssh.js'

export const DOMAIN_TYPES = ['kvm', 'qemu'] as const

export const DRIVERS = ['libvirt', 'xl', 'sim'] as const
export type DriverKind = (typeof DRIVERS)[number]

/** A host as the inventory records it; cores and memory are discovered, never typed in. */
export interface HostRecord {
  name: string
  site: string
  /** `local`, or how to reach it over SSH. */
  transport: {kind: 'local'} | ({kind: 'ssh'} & SshTarget)
  driver: DriverKind
  /** libvirt connection URI (default qemu:///system); for sim, the cluster file. */
  uri?: string
  identity?: string
  /** libvirt domain type for VMs violin defines here: `kvm`, or `qemu` (TCG) where KVM does not work. */
  domainType?: DomainType
  /** vCPUs placement may put here per core (like OpenStack's cpu_allocation_ratio); 1 when absent. */
  cpuOvercommit?: number
  /** The NIC whose traffic is the host's network load; absent: the default route's device. */
  nic?: string
  /** In maintenance (`host drain`): the adaptation loop and placement put nothing new here. */
  maintenance?: boolean
  /**
   * How violin starts this host's agent (the udp data plane): the command, and the agent's
   * directory; `store`: the host reports its usage through its agent's samples in the
   * shared store (violin agent --store), and is not polled over SSH.
   */
  agent?: {command?: string[]; dir?: string; store?: boolean}
  /** What `host check` found last. */
  discovered?: {cores: number; memoryMiB: number; hypervisor: string; hypervisorVersion?: string; checkedAt: string}
}

/** The inventory's record of which host each VM was last seen on (`host sync --write`). */
export interface VmRecord {
  host: string
  environment?: string
}

export const DEFAULT_LIBVIRT_URI = 'qemu:///system'

/** Host and VM names become file names, table cells and log lines: keep them to one line. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/

/** A Linux interface name as violin accepts it: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or white space. */
export const NIC_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/

/** A host's name and site go into tables, file names and log lines: both are held to HOST_NAME. */
export function checkHostNames(record: Pick<HostRecord, 'name' | 'site'>): void {
  if (!HOST_NAME.test(record.name))
    throw new UsageError(`"${record.name}" is not a host name`, 'use letters, digits, dot, dash and underscore')
  if (!HOST_NAME.test(record.site))
    throw new UsageError(
      `site ${JSON.stringify(record.site)} is not a site name: use letters, digits, dot, dash and underscore, as in host names`,
    )
}
