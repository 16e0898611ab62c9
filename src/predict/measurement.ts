/** One measured migration, as the calibration reads it (a record of src/monitor/migration-history.ts or a CSV row). */
export type MigrationMode = 'live' | 'stop-and-copy'

export interface Measurement {
  mode: MigrationMode
  memory_mib: number
  /** Data that travelled (non-zero pages and what was dirtied again), MiB. */
  sent_mib?: number
  dirty_rate_mibs?: number
  bandwidth_mibs?: number
  /** How many migrations ran at once. */
  concurrent: number
  /** The hypervisor's job time. */
  total_ms?: number
  downtime_ms?: number
  /** The whole command. */
  wall_ms?: number
}
