/**
 * The wording of the policies' reasons and notes: fractions, percentages, rates and
 * lists of names, worded alike by the idc and sandpiper policies and the pass they share.
 */
export const frac = (x: number) => x.toFixed(2)
export const pct = (x: number) => `${Math.round(x * 100)}%`
export function rate(bytesPerSecond: number): string {
  const a = Math.abs(bytesPerSecond)
  if (a >= 1e9) return `${(bytesPerSecond / 1e9).toFixed(1)} GB/s`
  if (a >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`
  if (a >= 1e3) return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`
  return `${Math.round(bytesPerSecond)} B/s`
}

/** "e1, e2, e3 and 4 more". */
export function some(names: string[], shown = 5): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`
}
