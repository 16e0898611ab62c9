import type {Plan} from '../policy/cluster-view.js'
import type {TimelineEvent} from '../sim/world.js'
import type {ActionOutcome} from './execute.js'
import type {Recovered} from './intents.js'
import type {PassResult} from './pass.js'

export interface LoopTotals {
  actions: number
  failed: number
}

/**
 * Why the loop ended: one pass was asked for (once), the scenario is over (done), it was
 * asked to stop (aborted: the pass in flight finished first), forced (nothing awaited), or
 * --min-gap skipped the pass.
 */
export type StopReason = 'once' | 'done' | 'aborted' | 'forced' | 'skipped'

/** What the adaptation loop (./loop.ts) says as it goes, in order: a renderer or a test follows it. */
export type LoopEvent =
  | {type: 'skipped'; by: string | undefined; agoS: number; minGapS: number}
  | {type: 'standby'; leader: string}
  /** The store stopped answering while standing by: waited out, then asked again. */
  | {type: 'store-unavailable'; message: string}
  | {type: 'leading'; me: string; takesOverFrom: string | undefined}
  | {type: 'leadership-lost'; why: string}
  | {type: 'pass-started'; pass: number; intervalMs: number}
  /** An action a previous leader left without an outcome, settled before the pass plans. */
  | {type: 'recovered'; recovered: Recovered}
  | {type: 'not-recovered'; vm: string; why: string}
  /** A scenario's own events since the last pass (environments starting, ending, failing...). */
  | {type: 'scenario'; events: TimelineEvent[]}
  /** The plan, before any of its actions is carried out. */
  | {type: 'decision'; pass: number; plan: Plan; timeMs: number}
  | {type: 'action-done'; pass: number; outcome: ActionOutcome}
  | {type: 'pass-done'; pass: number; result: PassResult; totals: LoopTotals}
  | {type: 'history-not-saved'; error: Error}
  | {type: 'pass-not-recorded'; error: Error}
  /** Pacing between two passes, in real time (Date.now()). */
  | {type: 'waiting'; untilMs: number}
  /** Asked to stop: gracefully (the action in flight finishes), or forced. */
  | {type: 'stopping'; forced: boolean}
  | {type: 'stopped'; why: StopReason}
