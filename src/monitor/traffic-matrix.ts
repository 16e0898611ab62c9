/**
 * The per-pair traffic matrix of an environment, as `usage --traffic` and the IDC policy
 * read it: what every host's switch counted (each frame once, where it entered the mesh),
 * summed per (source, destination), and turned into rates between two readings.
 */
export interface PairCount {
  src: string
  dst: string
  srcVm?: string
  dstVm?: string
  frames: number
  bytes: number
  remote: boolean
}

export interface PairRate extends PairCount {
  /** Bytes per second between the two readings; undefined when a counter went back (a switch restarted, a VM moved). */
  bytesPerSecond?: number
  framesPerSecond?: number
}

const keyOf = (p: PairCount) => `${p.src}>${p.dst}`

/** Sums the hosts' counts per pair; a pair is remote when any host saw it cross to a peer. */
export function sumPairs(perHost: PairCount[][]): PairCount[] {
  const sum = new Map<string, PairCount>()
  for (const pairs of perHost) {
    for (const p of pairs) {
      const known = sum.get(keyOf(p))
      if (known) {
        known.frames += p.frames
        known.bytes += p.bytes
        known.remote ||= p.remote
      } else sum.set(keyOf(p), {...p})
    }
  }
  return [...sum.values()].sort((a, b) => b.bytes - a.bytes || keyOf(a).localeCompare(keyOf(b)))
}

/** Rates from two readings `seconds` apart; pairs new in the second count from zero. */
export function pairRates(before: PairCount[], after: PairCount[], seconds: number): PairRate[] {
  const old = new Map(before.map((p) => [keyOf(p), p]))
  return after.map((p) => {
    const o = old.get(keyOf(p)) ?? {frames: 0, bytes: 0}
    if (p.bytes < o.bytes || p.frames < o.frames || !(seconds > 0)) return {...p}
    return {...p, bytesPerSecond: (p.bytes - o.bytes) / seconds, framesPerSecond: (p.frames - o.frames) / seconds}
  })
}
