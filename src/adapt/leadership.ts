import {StoreUnavailableError} from '../errors.js'
import {realClock} from '../services/session.js'
import type {Store} from '../store/store.js'
import type {LoopEvent} from './loop-events.js'

/** A store that stopped answering while this one stood by is asked again after this long. */
const RETRY_MS = 2000

/**
 * The foreground loop on the inventory: one violin leads (an etcd election on a lease of
 * ttlS seconds; with files, the pass lock), the others stand by and say who leads. A leader
 * that loses its leadership (its lease expired, etcd unreachable) finishes the action in
 * flight, stops acting and stands by again; `stop` ends it all.
 */
export async function whileLeading(
  store: Store,
  me: string,
  ttlS: number,
  stop: AbortSignal,
  emit: (e: LoopEvent) => void,
  act: (signal: AbortSignal, mayAct?: () => Promise<boolean>) => Promise<void>,
): Promise<void> {
  let seen: string | undefined
  let previous: string | undefined
  // Once the store has answered, losing it is waited out (standing by), not the end of the loop.
  let answered = false
  while (!stop.aborted) {
    const leadership = await store
      .lead({
        ttlS,
        signal: stop,
        onStandby: (leader) => {
          answered = true
          if (!leader || leader === seen) return
          seen = leader
          previous = leader
          emit({type: 'standby', leader})
        },
      })
      .catch(async (error: Error) => {
        if (!answered || stop.aborted || !(error instanceof StoreUnavailableError)) throw error
        emit({type: 'store-unavailable', message: error.message})
        await realClock.sleep(RETRY_MS, stop).catch(() => undefined)
        return null
      })
    if (leadership === null) continue
    if (!leadership) return
    answered = true
    seen = undefined
    emit({type: 'leading', me, takesOverFrom: previous})
    // etcd: before each action, is this one still the leader? (Files: the lock is the leadership.)
    const mayAct = store.backend === 'etcd' ? async () => (await store.leader()) === me : undefined
    try {
      await act(AbortSignal.any([stop, leadership.lost]), mayAct)
    } finally {
      await leadership.resign()
    }
    if (leadership.lost.aborted && !stop.aborted) {
      emit({type: 'leadership-lost', why: leadership.lost.reason instanceof Error ? leadership.lost.reason.message : 'the lease expired'})
      previous = undefined
    }
  }
}
