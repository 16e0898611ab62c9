import {UsageError} from './errors.js'

const FACTORS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
}

/** Said in the help of every command, flag and file field that takes a size. */
export const BARE_SIZE = 'a bare number is MiB'

/**
 * Parses a size the way virsh does (`512M`, `2GiB`, `1.5G`; `M`, `G` are binary, `MB`,
 * `GB` decimal) and returns MiB. A bare number is MiB, in every command and file alike
 * (virsh setmem reads it as KiB: `violin setmem web 1048576` would ask for 1 TiB, and is
 * caught by max memory).
 */
/** The largest size violin takes (1 PiB): beyond it a size is a typo, and numbers lose precision. */
export const MAX_SIZE_MIB = 1024 ** 3

/**
 * The size grammar as one pattern (the units of FACTORS, any case): file schemas check
 * text against it, and the JSON Schema for editors carries it (no regex flags there).
 */
export const SIZE_PATTERN = /^\s*\d+(?:\.\d+)?\s*(?:[bBkKmMgGtT]|[kKmMgGtT][iI]?[bB])?\s*$/

export function parseSizeMiB(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = m?.[2]?.toLowerCase() ?? ''
  const factor = unit === '' ? 1024 ** 2 : FACTORS[unit]
  if (!m || factor === undefined) {
    throw new UsageError(`"${text}" is not a size`, `write a number with a unit, like 512M, 768MiB or 2GiB (${BARE_SIZE})`)
  }
  const bytes = Number(m[1]) * factor
  const mib = bytes / 1024 ** 2
  if (!Number.isFinite(mib) || mib <= 0) throw new UsageError(`"${text}" is not a positive size`)
  if (mib > MAX_SIZE_MIB) throw new UsageError(`"${text}" is more than ${MAX_SIZE_MIB / 1024 ** 3} PiB: no machine has that much`)
  return Math.round(mib * 1024) / 1024
}

export function formatMiB(mib: number | undefined): string {
  if (mib === undefined || Number.isNaN(mib)) return '-'
  if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024} GiB`
  if (mib >= 10 * 1024) return `${(mib / 1024).toFixed(1)} GiB`
  return `${Math.round(mib)} MiB`
}

const SECONDS_PER: Record<string, number> = {'': 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400}

/** A duration: seconds as a bare number, or with a unit (90s, 30m, 1h, 2d); `flag` names it in the error. */
export function parseDurationS(text: string, flag: string, maxS: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const per = m ? SECONDS_PER[m[2]!.toLowerCase()] : undefined
  if (!m || per === undefined)
    throw new UsageError(`--${flag} takes a duration like 90s, 30m or 1h (a bare number is seconds), not ${JSON.stringify(text)}`)
  const s = Number(m[1]) * per
  if (!(s > 0) || s > maxS)
    throw new UsageError(`--${flag} takes more than 0 and at most ${maxS / 86_400} days, not ${JSON.stringify(text)}`)
  return s
}

/** Bytes per second in binary units (512 B/s, 1.5 MiB/s); '-' when not known. */
export function formatRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond)) return '-'
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s']
  let v = bytesPerSecond
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}
