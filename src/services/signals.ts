/**
 * How every command that handles SIGINT or SIGTERM itself stops (graphile-worker's way):
 * the first signal aborts `signal`, and the command finishes what is in flight, starts
 * nothing new and exits with its documented status; a second one aborts `force` and (by
 * default) exits at once with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM),
 * as a shell reports a killed command. The same signal again within REPEAT_MS counts as
 * one: terminals and process managers sometimes deliver one SIGTERM twice, which must not
 * force an exit mid-action.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/** A repeat of the same signal this soon is the same request, delivered twice. */
export const REPEAT_MS = 200

export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = {SIGINT: 130, SIGTERM: 143}

export interface StopRequest {
  /** Aborted by the first signal: finish what is in flight, start nothing new. */
  readonly signal: AbortSignal
  /** Aborted by a second signal: abandon what is in flight. */
  readonly force: AbortSignal
  /** The signal that asked to stop, once one has. */
  readonly by: StopSignal | undefined
  /** Stops listening: the signals act as Node's default again (the process dies). */
  dispose(): void
}

/** Where the signals arrive: the process, or (in tests) an emitter of their own, so a test never signals its runner. */
export type SignalSource = Pick<NodeJS.Process, 'on' | 'off'>

export interface StopOptions {
  /** Told of the first signal, after `signal` is aborted. */
  onFirst?: (by: StopSignal) => void
  /** Told of the second, after `force` is aborted; by default the process exits with `code` at once. */
  onForce?: (by: StopSignal, code: number) => void
  /** The signals listened to (a console detaches on SIGTERM alone). */
  signals?: readonly StopSignal[]
  source?: SignalSource
  now?: () => number
}

export function stopOnSignals(options: StopOptions = {}): StopRequest {
  const {
    onFirst,
    onForce = (_by, code) => process.exit(code),
    signals = ['SIGINT', 'SIGTERM'],
    source = process,
    now = () => performance.now(),
  } = options
  const graceful = new AbortController()
  const forced = new AbortController()
  let by: StopSignal | undefined
  let firstAt = 0
  const handlers = new Map<StopSignal, () => void>()
  for (const name of signals) {
    const handler = (): void => {
      if (by) {
        if (name === by && now() - firstAt < REPEAT_MS) return
        forced.abort()
        return onForce(name, SIGNAL_EXIT_CODE[name])
      }
      by = name
      firstAt = now()
      graceful.abort()
      onFirst?.(name)
    }
    handlers.set(name, handler)
    source.on(name, handler)
  }
  return {
    signal: graceful.signal,
    force: forced.signal,
    get by() {
      return by
    },
    dispose() {
      for (const [name, handler] of handlers) source.off(name, handler)
    },
  }
}
