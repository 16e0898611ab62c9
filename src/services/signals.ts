/**
 * How every long-running command stops (graphile-worker's way): the first SIGINT or
 * SIGTERM aborts `signal`, and the command finishes what is in flight, starts nothing new
 * and exits with its documented status; a second one exits at once with 128 + the
 * signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports a killed command.
 * The same signal again within REPEAT_MS counts as one: terminals and process managers
 * sometimes deliver one SIGTERM twice, which must not force an exit mid-action.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/** A repeat of the same signal this soon is the same request, delivered twice. */
export const REPEAT_MS = 200

export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = {SIGINT: 130, SIGTERM: 143}

export interface StopRequest {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal
  /** The signal that asked to stop, once one has. */
  readonly by: StopSignal | undefined
  /** Stops listening: the signals act as Node's default again (the process dies). */
  dispose(): void
}

/** Where the signals arrive: the process, or (in tests) an emitter of their own, so a test never signals its runner. */
export type SignalSource = Pick<NodeJS.Process, 'on' | 'off'>

export function stopOnSignals(onFirst?: (by: StopSignal) => void, exit: (code: number) => void = (code) => process.exit(code), source: SignalSource = process, now: () => number = () => performance.now()): StopRequest {
  const controller = new AbortController()
  let by: StopSignal | undefined
  let firstAt = 0
  const handlers = new Map<StopSignal, () => void>()
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      if (by) {
        if (name === by && now() - firstAt < REPEAT_MS) return
        return exit(SIGNAL_EXIT_CODE[name])
      }
      by = name
      firstAt = now()
      controller.abort()
      onFirst?.(name)
    }
    handlers.set(name, handler)
    source.on(name, handler)
  }
  return {
    signal: controller.signal,
    get by() {
      return by
    },
    dispose() {
      for (const [name, handler] of handlers) source.off(name, handler)
    },
  }
}
