import type {DomainType, VmSpec} from './vm-spec.js'

/** What every hypervisor driver (libvirt, xl, sim) offers the layers above it. */

export type VmState = 'running' | 'idle' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'suspended' | 'unknown'

export interface VmSummary {
  name: string
  /** Hypervisor id while the VM runs. */
  id?: number
  state: VmState
}

export interface VmInfo extends VmSummary {
  uuid?: string
  vcpus: number
  /** Current allocation (balloon target), MiB. */
  memoryMiB: number
  maxMemoryMiB: number
  /** Total CPU time used so far, seconds. */
  cpuTimeSec?: number
  persistent?: boolean
  autostart?: boolean
}

export interface HostInfo {
  hostname?: string
  cores: number
  memoryMiB: number
  freeMemoryMiB?: number
  cpuModel?: string
  mhz?: number
  hypervisor: string
  hypervisorVersion?: string
}

/** Counters of one VM at one instant; rates come from two samples (src/monitor). */
export interface VmSample {
  name: string
  state: VmState
  vcpus?: number
  /** Cumulative CPU time, nanoseconds; restarts near 0 after a migration. */
  cpuTimeNs?: number
  /**
   * Cumulative time its vCPUs were ready to run but waited for a physical CPU (what the
   * guest sees as steal), nanoseconds: with cpuTimeNs, what the VM asked for on a busy host.
   */
  cpuWaitNs?: number
  /** Current allocation (balloon), MiB. */
  memoryMiB?: number
  maxMemoryMiB?: number
  /** Memory the guest reports in use (available - unused), MiB, when a balloon driver reports it. */
  memoryUsedMiB?: number
  swapOutKiB?: number
  netRxBytes?: number
  netTxBytes?: number
  /** Every raw counter the hypervisor gave, for `violin domstats`. */
  raw: Record<string, string>
}

/** The host's own counters since boot (memory pressure and NIC traffic); rates come from two samples. */
export interface HostCounters {
  /** pages swapped out since boot (/proc/vmstat pswpout) */
  swapOutPages: number
  /** bytes received + sent by the host's NIC since boot */
  nicBytes: number
  /** the NIC's capacity, bytes/s, when known */
  nicBytesPerSecond?: number
  /** which device */
  nic?: string
}

export interface HostSample {
  /** When the counters were read, ms on the driver's clock. */
  timeMs: number
  host: HostInfo
  vms: VmSample[]
  /** Absent when the host is not a real one (libvirt's test driver) or its counters could not be read. */
  counters?: HostCounters
}

export type SchedParams = Record<string, number | string>

export interface MemoryTarget {
  live: boolean
  config: boolean
}

export interface MigrateOptions {
  live: boolean
  /** Copy the VM's writable disks to the destination (its storage is not shared). */
  copyStorage?: boolean
  /** The source's libvirtd connects to the destination itself (virsh --p2p). */
  peerToPeer?: boolean
  /**
   * The migration must finish even if violin dies while it runs (the adaptation loop: a
   * new leader finds it done). libvirt: --p2p, where the hypervisor has it; a migration the
   * client drives is cancelled when the client goes (measured on the test bed: SIGKILL of
   * violin 0.2 s into a 2 s migration left the VM on its source; with --p2p it arrived).
   */
  outliveClient?: boolean
  /** MiB/s; undefined for unlimited. */
  bandwidthMiBs?: number
  /** After this many seconds of live pre-copy, pause the VM so the copy converges (virsh --timeout). */
  timeoutSec?: number
  /** Throttle the guest's vCPUs until the copy keeps up with its dirtying (virsh --auto-converge). */
  autoConverge?: boolean
  /**
   * After one pre-copy pass, run the guest on the destination and fetch what it still lacks
   * on demand: it always ends, after one short pause (virsh --postcopy
   * --postcopy-after-precopy; QEMU needs userfaultfd on the destination). Should the link
   * fail after the switch, the guest is lost: neither side has all of it.
   */
  postCopy?: boolean
}

/** Where a migration goes, as the source hypervisor must address it. */
export interface MigrationDestination {
  hostName: string
  /** libvirt: the destination URI as seen from the source host; xl: the SSH host. */
  uri: string
}

/** What the hypervisor measured about a finished migration (fields it does not report are absent). */
export interface MigrationResult {
  wallMs: number
  totalMs?: number
  downtimeMs?: number
  dataBytes?: number
  memoryBytes?: number
  iterations?: number
  raw?: Record<string, string>
}

/** The host files a VM needs to run: they must exist on any host it moves to. */
export interface VmFiles {
  kernel?: string
  initrd?: string
  disks: Array<{path: string; readOnly: boolean; format?: string}>
}

/** What decides how long a VM's live migration takes, as its hypervisor measured it just now. */
export interface VmMigrationState {
  /** Memory the guest holds: what it reports in use (its balloon driver), else what the host has resident for it, MiB. */
  usedMiB?: number
  usedFrom?: 'guest' | 'resident'
  /** How fast the guest dirties its memory, MiB/s (libvirt: domdirtyrate-calc, QEMU 5.2+). */
  dirtyRateMiBs?: number
}

export interface ToolCheck {
  tool: string
  ok: boolean
  detail: string
}

export interface Driver {
  readonly kind: 'libvirt' | 'xl' | 'sim'
  hostInfo(): Promise<HostInfo>
  listVms(): Promise<VmSummary[]>
  /** Throws NotFoundError when no VM has that name on this host. */
  vmInfo(name: string): Promise<VmInfo>
  sample(): Promise<HostSample>
  setMemory(name: string, mib: number, target: MemoryTarget): Promise<void>
  schedInfo(name: string): Promise<SchedParams>
  /** Sets `weight` and/or `cap` (Xen credit-scheduler names; drivers translate), returns the new values. */
  setSched(name: string, params: {weight?: number; cap?: number}): Promise<SchedParams>
  migrate(name: string, destination: MigrationDestination, options: MigrateOptions): Promise<MigrationResult>
  /**
   * Moves a shut-off VM's definition to `target`, a host of the same kind, and forgets it
   * here: nothing runs and no memory travels (virsh migrate --offline). It must be off.
   */
  migrateOffline(name: string, destination: MigrationDestination, target: Driver): Promise<void>
  /** A shut-off VM the hypervisor does not list (xl: only its stored config file). */
  storedVmInfo?(name: string): Promise<VmInfo>
  /** Defines a persistent VM from a spec (it stays off until startVm). */
  defineVm(spec: VmSpec, options: {domainType: DomainType}): Promise<void>
  /** libvirt: `kvm` when the host offers it, else `qemu` (TCG). */
  defaultDomainType?(): Promise<DomainType>
  startVm(name: string): Promise<void>
  /** Asks the guest to power off (ACPI); resolves once asked, not once off. */
  shutdownVm(name: string): Promise<void>
  /** Powers the VM off at once; a VM already off is not an error. */
  destroyVm(name: string): Promise<void>
  /** Forgets the VM's definition; it must be off. */
  undefineVm(name: string): Promise<void>
  /** Asks the guest to reboot; resolves once asked. */
  rebootVm(name: string): Promise<void>
  /** Pauses the VM's vCPUs; it keeps its memory (virsh suspend, xl pause). */
  suspendVm(name: string): Promise<void>
  resumeVm(name: string): Promise<void>
  /**
   * Defines a persistent VM, off, from the hypervisor's own description (libvirt domain
   * XML, an xl.cfg, a sim VM in YAML); returns its name.
   */
  defineFromConfig(text: string): Promise<string>
  /** The VM's description in the format defineFromConfig takes. */
  dumpConfig(name: string): Promise<string>
  /** Whether the host starts the VM when it boots. */
  setAutostart(name: string, enabled: boolean): Promise<void>
  /** The argv that attaches a terminal to the VM's serial console on its host (Ctrl-] leaves). */
  consoleArgv(name: string): string[]
  /** VMs defined but unseen by the hypervisor while off (xl: the configs violin keeps). */
  definedVms?(): Promise<string[]>
  vmFiles(name: string): Promise<VmFiles>
  /**
   * Re-plugs a shut-off VM's NIC (found by its MAC) into another data plane, in its
   * definition: a NIC cannot change type while its VM runs.
   */
  replaceNic(name: string, mac: string, nic: VmSpec['nic']): Promise<void>
  /**
   * Each running VM's memory in use (of `names`, or every one running) and, with seconds > 0,
   * its dirty rate measured over that many seconds (all of them at once). A VM the
   * hypervisor cannot measure lacks the figure it cannot give; a VM not running is absent.
   */
  measureMigrationState?(names: string[] | undefined, seconds: number, signal?: AbortSignal): Promise<Map<string, VmMigrationState>>
  /** The programs this driver needs on the host, and whether they answer. */
  checkTools(): Promise<ToolCheck[]>
}
