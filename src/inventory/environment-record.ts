import type {KernelBoot} from '../hypervisor/vm-spec.js'

export const ROLES = ['head', 'compute'] as const
export type Role = (typeof ROLES)[number]

/** One VM of an environment as the inventory records it; the hypervisor is the truth for where it runs. */
export interface EnvVmRecord {
  name: string
  role: Role
  host: string
  mac: string
  vcpus: number
  memoryMiB: number
  maxMemoryMiB: number
  /**
   * On the udp data plane: the UDP port the agent listens on for this VM's frames (the
   * VM's own end is port + 1, both on the host's loopback). The same on every host, since
   * the domain's definition moves with the VM.
   */
  port?: number
}

/**
 * An environment: a private cluster of VMs (one head node, compute nodes) that its user
 * sees as dedicated. The head node never leaves headSite; compute nodes may move anywhere.
 */
export interface EnvironmentRecord {
  name: string
  headSite: string
  createdAt: string
  /** How the VMs boot, as they were defined: every host they move to needs these files. */
  boot?: KernelBoot
  /** A read-only image every host holds (`violin image push`). */
  image?: string
  /** Size of each VM's private writable disk, MiB, when the VMs have one. */
  diskMiB?: number
  vms: EnvVmRecord[]
  /** The environment's own Ethernet, once `violin switch start` gave it one. */
  network?: EnvironmentNetwork
}

export const DATAPLANES = ['vxlan', 'udp'] as const
export type Dataplane = (typeof DATAPLANES)[number]
/** What `env create --dataplane` and env files accept: a data plane, or none (VMs get a NIC on nothing). */
export const DATAPLANE_CHOICES = [...DATAPLANES, 'none'] as const
export type DataplaneChoice = (typeof DATAPLANE_CHOICES)[number]
/** An environment is VMs on their own Ethernet: the kernel plane needs no agent, so it is the default. */
export const DEFAULT_DATAPLANE: Dataplane = 'vxlan'

export interface EnvironmentNetwork {
  /** VXLAN network identifier: the environment on the wire. */
  vni: number
  dataplane: Dataplane
  /** Pre-shared key of the udp data plane's switches (hex): control messages carry its HMAC. */
  key?: string
  /** Data frames carry the key's HMAC too (userspace switches only). */
  authData?: boolean
  /** The underlay MTU the admin vouched for (default 1500): VMs get 50 bytes less. */
  underlayMtu?: number
  /**
   * `switch stop` took it down on every host: the VNI stays the environment's, migrations
   * do not bring it back, and the next `switch start` may choose another data plane.
   */
  stopped?: boolean
}

/** VNIs violin hands out start here, clear of the small numbers people pick by hand. */
export const FIRST_VNI = 1000

/** VM ports of the udp data plane are handed out from here, two per VM (the agent's end, the VM's end). */
export const FIRST_VM_PORT = 20_000
export const LAST_VM_PORT = 59_998

/** Where violin keeps a VM's files on its host: its console log and its private disk. */
export const VM_FILES_DIR = '/var/lib/violin'

export function consoleLogPath(vm: string): string {
  return `${VM_FILES_DIR}/console/${vm}.log`
}

export function privateDiskPath(vm: string): string {
  return `${VM_FILES_DIR}/disks/${vm}.qcow2`
}

export const IMAGES_DIR = `${VM_FILES_DIR}/images`

/**
 * An image given by bare name lives in violin's image directory on every host (where
 * `violin image push` puts it); a path is used as it is.
 */
export function imagePath(image: string): string {
  return image.includes('/') ? image : `${IMAGES_DIR}/${image}`
}
