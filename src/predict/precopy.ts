/**
 * Live pre-copy migration (QEMU's, beyond VTDC 2007's stop-and-copy): the first round sends
 * the state that is actually there (non-zero pages: an idle 1 GiB guest sends ~70 MiB here,
 * measured on the test bed, test/bed/README.md), each later round what the guest dirtied during the one
 * before, until a round is short enough to send with the guest paused (the downtime limit)
 * or the round limit is hit; then the guest pauses and the rest goes. An idle guest thus
 * takes two rounds, the second empty, as QEMU reports. Pure.
 */
export interface PrecopyInput {
  /** What the first round sends, MiB (non-zero pages; at most the guest's memory). */
  sentMiB: number
  /** How fast the guest dirties memory, MiB/s. */
  dirtyRateMiBs: number
  /** The copy's bandwidth, MiB/s. */
  bandwidthMiBs: number
  /** Largest pause allowed before the last round, ms (QEMU's default downtime limit: 300). */
  maxDowntimeMs?: number
  /** Rounds before pausing the guest regardless (libvirt --timeout plays this part). */
  maxRounds?: number
  /**
   * QEMU's auto-converge: every second round that dirtied more than half of what it sent
   * throttles the guest's vCPUs more, 20% at first and 10% more each time up to 99%, and
   * the dirty rate with them (QEMU's migration_trigger_throttle, its default parameters).
   */
  autoConverge?: boolean
}

export interface PrecopyResult {
  /** From the first byte sent to the guest running on the destination, ms. */
  totalMs: number
  /** The guest paused for the last round, ms. */
  downtimeMs: number
  /** Data sent over every round, MiB. */
  sentMiB: number
  /** Rounds including the last, paused one. */
  rounds: number
  /** false when the dirty rate kept the rounds from shrinking to the downtime limit. */
  converged: boolean
}

export const QEMU_DOWNTIME_LIMIT_MS = 300
export const DEFAULT_MAX_ROUNDS = 30
const THROTTLE = {initial: 0.2, increment: 0.1, max: 0.99}

export function predictPrecopy(input: PrecopyInput): PrecopyResult {
  const {sentMiB, dirtyRateMiBs, bandwidthMiBs} = input
  for (const [name, value] of Object.entries({sentMiB, dirtyRateMiBs, bandwidthMiBs})) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0, got ${value}`)
  }
  if (bandwidthMiBs <= 0) throw new RangeError('bandwidthMiBs must be more than 0')
  const limitMs = input.maxDowntimeMs ?? QEMU_DOWNTIME_LIMIT_MS
  const maxRounds = input.maxRounds ?? DEFAULT_MAX_ROUNDS
  let pending = sentMiB
  let copyMs = 0
  let sent = 0
  let rounds = 0
  let high = 0
  let throttle = 0
  for (;;) {
    const ms = (pending / bandwidthMiBs) * 1000
    rounds++
    // The first round always runs live (QEMU sends all of memory before it looks at what is dirty).
    if ((rounds > 1 && ms <= limitMs) || rounds >= maxRounds) {
      return {totalMs: copyMs + ms, downtimeMs: ms, sentMiB: sent + pending, rounds, converged: ms <= limitMs}
    }
    copyMs += ms
    sent += pending
    // What was dirtied meanwhile, never more than the state there is.
    const dirtied = Math.min(sentMiB, dirtyRateMiBs * (1 - throttle) * (ms / 1000))
    if (input.autoConverge && dirtied > pending / 2 && ++high >= 2) {
      high = 0
      throttle = throttle === 0 ? THROTTLE.initial : Math.min(THROTTLE.max, throttle + THROTTLE.increment)
    }
    pending = dirtied
  }
}
