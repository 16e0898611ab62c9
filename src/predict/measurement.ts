/** One measured migration, as the calibration reads it (a record of src/monitor/migration-history.ts or a CSV row). */
export type MigrationMode = 'live' | 'stop-and-copy'

export interface Measurement {
  mode: MigrationMode
  memory_mib: number
  /** Memory the guest held just before it moved (in use as it reported, else resident), MiB. */
  used_mib?: number
  /** Data that travelled (non-zero pages and what was dirtied again), MiB. */
  sent_mib?: number
  /** How fast the guest dirtied memory: measured just before it moved, else as the hypervisor saw it during the move, MiB/s. */
  dirty_rate_mibs?: number
  bandwidth_mibs?: number
  /** How many migrations ran at once. */
  concurrent: number
  /** The hypervisor's job time. */
  total_ms?: number
  downtime_ms?: number
  /** The whole migration as violin drove it (the hypervisor's command, start to end). */
  wall_ms?: number
  /** The violin command that made it (`vacate`, `env:migrate`, `migrate`), when it recorded lead_ms or gap_ms; the history's only, not a CSV column. */
  command?: string
  /** For the first migration of a violin command: from the command's start to this migration's (reading hosts, planning). */
  lead_ms?: number
  /** For a later one: from the end of the command's previous migration to this one's start (bookkeeping, the switch). */
  gap_ms?: number
}
