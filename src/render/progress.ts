export interface Progress {
  update(text: string): void
  stop(): void
}

const silent: Progress = {update() {}, stop() {}}

/** A spinner on stderr, only for a person at a terminal (never under --json, --quiet or cron). */
export async function startProgress(text: string, enabled: boolean): Promise<Progress> {
  if (!enabled || !process.stderr.isTTY) return silent
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr}).start()
  return {
    update: (t) => {
      spinner.text = t
    },
    stop: () => spinner.stop(),
  }
}
