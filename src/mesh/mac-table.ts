import {isGroup, type Mac} from './mac.js'

const REORDER_MS = 1000

export interface MacEntry<P> {
  mac: Mac
  port: P
  /** When a frame from this MAC last came in, ms. */
  seenMs: number
}

/**
 * A switch's MAC table (JISA 2011, section 2.1.2): MAC -> the port that is the next hop
 * toward it, learned from the source MAC of every frame, whatever its type (QEMU
 * announces a migrated guest with RARP, not ARP). Entries age out; when the table is full
 * the entry seen longest ago goes (to the second). Lookups and learning are O(1).
 */
export class MacTable<P> {
  /** Map order is eviction order: the first entry is the one seen longest ago (within REORDER_MS). */
  private readonly entries = new Map<Mac, MacEntry<P>>()

  constructor(readonly options: {maxEntries: number; ageMs: number}) {
    if (!(options.maxEntries >= 1)) throw new RangeError('a MAC table holds at least one entry')
  }

  get size(): number {
    return this.entries.size
  }

  /** Records that `mac` is reached through `port`; true when that is new or changed (a move). */
  learn(mac: Mac, port: P, nowMs: number): boolean {
    if (isGroup(mac)) return false // a group address is never a source: nothing to learn
    const entry = this.entries.get(mac)
    if (entry) {
      // The common case, once per frame: same port. Moving the entry to the end of the
      // eviction order costs a delete and a set, so it is done at most once a second.
      if (entry.port === port) {
        if (nowMs - entry.seenMs >= REORDER_MS) {
          this.entries.delete(mac)
          this.entries.set(mac, entry)
        }
        entry.seenMs = nowMs
        return false
      }
      this.entries.delete(mac)
      this.entries.set(mac, {mac, port, seenMs: nowMs})
      return true
    }
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(mac, {mac, port, seenMs: nowMs})
    return true
  }

  lookup(mac: Mac, nowMs: number): P | undefined {
    const entry = this.entries.get(mac)
    if (!entry) return undefined
    if (nowMs - entry.seenMs > this.options.ageMs) {
      this.entries.delete(mac)
      return undefined
    }
    return entry.port
  }

  /** Drops every MAC reached through a port that is gone (a VM port closed, a peer dead). */
  forget(port: P): number {
    let n = 0
    for (const [mac, entry] of this.entries) {
      if (entry.port === port) {
        this.entries.delete(mac)
        n++
      }
    }
    return n
  }

  /** The live entries, oldest first (for `switch fdb`); expired ones are dropped on the way. */
  list(nowMs: number): MacEntry<P>[] {
    const live: MacEntry<P>[] = []
    for (const [mac, entry] of this.entries) {
      if (nowMs - entry.seenMs > this.options.ageMs) this.entries.delete(mac)
      else live.push(entry)
    }
    return live
  }
}
