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

export interface HostSample {
  /** When the counters were read, ms on the driver's clock. */
  timeMs: number
  host: HostInfo
  vms: VmSample[]
}

export type SchedParams = Record<string, number | string>

export interface MemoryTarget {
  live: boolean
  config: boolean
}

export interface MigrateOptions {
  live: boolean
  /** MiB/s; undefined for unlimited. */
  bandwidthMiBs?: number
  /** After this many seconds of live pre-copy, pause the VM so the copy converges (virsh --timeout). */
  timeoutSec?: number
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
  /** The programs this driver needs on the host, and whether they answer. */
  checkTools(): Promise<ToolCheck[]>
}
