/**
 * A calibration: per migration mode, fits of the hypervisor's job time and of the whole
 * command's time against the data that travelled, from measured migrations (issue 6;
 * seed 004 section 3.2: one measured migration predicts others). Pure.
 */
import {chooseFit, evaluate, type Fit, type Point} from './fit.js'
import type {Measurement, MigrationMode} from './measurement.js'

export interface ModeCalibration {
  /** total_ms against MiB sent (memory when the sent data is unknown). */
  hypervisor?: Fit
  /** wall_ms against the same. */
  wall?: Fit
  /** Median of wall_ms - total_ms: SSH, destination start, confirmation. */
  overheadMs?: number
  /** Median measured downtime, ms. */
  downtimeMs?: number
  /**
   * Median data sent, MiB. What travels is the guest's non-zero pages, not its size: idle
   * guests of 128 MiB to 1 GiB all sent 62-80 MiB on the test bed (notes/testbed.md).
   */
  sentMiB?: number
  /** Measurements fitted (those that ran alone). */
  points: number
}

export interface Calibration {
  version: 1
  created: string
  /** Where the measurements came from: `history` or the CSV file. */
  source: string
  modes: Partial<Record<MigrationMode, ModeCalibration>>
  /** Measurements that ran alongside others: kept, not fitted (they share the link). */
  concurrentLeftOut: number
  data: Measurement[]
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** The size a measurement is fitted against. */
export const sizeOf = (m: Measurement): number => m.sent_mib ?? m.memory_mib

export function calibrate(data: Measurement[], source: string, now = new Date()): Calibration {
  if (data.length === 0) throw new RangeError(`no measured migration in ${source} to calibrate from`)
  const modes: Calibration['modes'] = {}
  const alone = data.filter((m) => m.concurrent === 1)
  for (const mode of ['live', 'stop-and-copy'] as const) {
    const rows = alone.filter((m) => m.mode === mode)
    if (rows.length === 0) continue
    const hv = rows.filter((m) => m.total_ms !== undefined).map((m) => ({x: sizeOf(m), y: m.total_ms!}))
    const wall = rows.filter((m) => m.wall_ms !== undefined).map((m) => ({x: sizeOf(m), y: m.wall_ms!}))
    const bandwidth = median(rows.filter((m) => m.bandwidth_mibs !== undefined && m.bandwidth_mibs > 0).map((m) => m.bandwidth_mibs!))
    const overheadMs = median(rows.filter((m) => m.wall_ms !== undefined && m.total_ms !== undefined).map((m) => m.wall_ms! - m.total_ms!))
    const downtimeMs = median(rows.filter((m) => m.downtime_ms !== undefined).map((m) => m.downtime_ms!))
    const sentMiB = median(rows.filter((m) => m.sent_mib !== undefined).map((m) => m.sent_mib!))
    modes[mode] = {
      ...(hv.length > 0 ? {hypervisor: fitTimes(hv, bandwidth)} : {}),
      ...(wall.length > 0 ? {wall: fitTimes(wall, bandwidth)} : {}),
      ...(overheadMs === undefined ? {} : {overheadMs}),
      ...(downtimeMs === undefined ? {} : {downtimeMs}),
      ...(sentMiB === undefined ? {} : {sentMiB}),
      points: rows.length,
    }
  }
  if (Object.keys(modes).length === 0) throw new RangeError(`every measurement in ${source} ran alongside others (concurrent > 1): at least one migration that ran alone is needed`)
  return {version: 1, created: now.toISOString(), source, modes, concurrentLeftOut: data.length - alone.length, data}
}

/**
 * Measurements of one size (within 1.5x: the reps of one guest) cannot tell a fixed cost
 * from a copy cost. When the hypervisor reported the copy's bandwidth, its slope is known
 * and the rest is the fixed cost: one measured migration is enough (seed 004's claim). Else
 * the time scales with the size (proportional); sizes that differ choose their own shape.
 */
function fitTimes(points: Point[], bandwidthMiBs: number | undefined): Fit {
  const xs = points.map((p) => p.x)
  if (Math.max(...xs) >= 1.5 * Math.max(Math.min(...xs), 1e-9)) return chooseFit(points)
  if (bandwidthMiBs === undefined) return chooseFit(points)
  const b = 1000 / bandwidthMiBs
  const a = Math.max(0, points.reduce((sum, p) => sum + p.y - b * p.x, 0) / points.length)
  const rms = Math.sqrt(points.reduce((sum, p) => sum + (a + b * p.x - p.y) ** 2, 0) / points.length)
  return {shape: 'linear', a, b, c: 0, rms, points: points.length}
}

/** The link's speed a fit implies at a size, MiB/s (the slope is ms per MiB). */
export function impliedBandwidth(fit: Fit, atMiB: number): number | undefined {
  const slope = fit.b + 2 * fit.c * atMiB
  return slope > 0 ? 1000 / slope : undefined
}

export {evaluate}
