/**
 * Everything a driver needs to define one VM of an environment. Drivers turn it into their
 * own format (libvirt domain XML, an xl.cfg file); the environment layer builds it.
 */
export interface VmSpec {
  name: string
  vcpus: number
  /** Current allocation (balloon target), MiB. */
  memoryMiB: number
  /** What the balloon may grow to, MiB; at least memoryMiB. */
  maxMemoryMiB: number
  /** Locally administered unicast MAC, lower case, colon separated. */
  mac: string
  /** Direct kernel boot; without it the VM boots from its disk. */
  boot?: KernelBoot
  /** A disk, when the VM has one. */
  disk?: DiskSpec
  /** Where the hypervisor writes the serial console, on the VM's host. */
  consoleLog?: string
  /** The NIC's attachment: a bridge of the environment's switch (kernel data plane); none means an unattached NIC. */
  /**
   * Where the NIC plugs in: a port of the environment's bridge (the kernel data plane), or
   * a UDP socket pair with the host's agent (the udp data plane: QEMU sends each frame to
   * `source` from `local`). Absent: a NIC attached to nothing.
   */
  nic?:
    | {kind: 'bridge'; bridge: string; mtu: number}
    | {kind: 'udp'; source: {address: string; port: number}; local: {address: string; port: number}; mtu?: number}
  /** Relative CPU weight (libvirt cpu_shares, Xen credit weight); the hypervisor default when absent. */
  cpuWeight?: number
}

/** Direct kernel boot: a kernel and initramfs present on the host, with a command line. */
export interface KernelBoot {
  kernel: string
  initrd?: string
  cmdline?: string
}

/**
 * `shared`: a read-only image present at the same path on every host (`violin image push`),
 * the guest keeps its writable state in memory. `private`: a writable disk only this host
 * has; it can move only with --copy-storage-all.
 */
export interface DiskSpec {
  path: string
  mode: 'shared' | 'private'
  format: 'raw' | 'qcow2'
}

/** Hypervisor flavour of a libvirt host: `kvm` where hardware virtualisation works, else `qemu` (TCG). */
export type DomainType = 'kvm' | 'qemu'
