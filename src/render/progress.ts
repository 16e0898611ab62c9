import {canRedraw, stopWhenWidthLost} from './terminal.js'

export interface Progress {
  update(text: string): void
  stop(): void
}

const silent: Progress = {update() {}, stop() {}}

/**
 * A spinner on stderr, only for a person at a terminal that says its width (never under
 * --json, --quiet or cron).
 */
export async function startProgress(text: string, enabled: boolean): Promise<Progress> {
  if (!enabled || !canRedraw()) return silent
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr}).start()
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    unlisten()
    spinner.stop()
  }
  const unlisten = stopWhenWidthLost(stop)
  return {
    update: (t) => {
      if (!stopped) spinner.text = t
    },
    stop,
  }
}
