import type {Ora} from 'ora'

import {canRedraw, stopWhenWidthLost} from './terminal.js'

/**
 * One live line at the bottom of a terminal (stderr) with lines printed above it: the
 * foreground `adapt` loop's summary. Off unless a person watches (a TTY, no --json or
 * --quiet): cron and pipes get the printed lines alone. ora itself also draws nothing when
 * CI is set or TERM is dumb.
 */
export class StatusLine {
  private readonly unlisten: () => void

  private constructor(private spinner?: Ora) {
    this.unlisten = spinner ? stopWhenWidthLost(() => this.stop()) : () => {}
  }

  /** No live line on a terminal that does not say its width (see canRedraw). */
  static async start(enabled: boolean): Promise<StatusLine> {
    if (!enabled || !canRedraw()) return new StatusLine()
    const {default: ora} = await import('ora')
    return new StatusLine(ora({stream: process.stderr, discardStdin: false}).start())
  }

  /** Cut to the terminal's width: a wrapped live line would leave its first half behind. */
  set(text: string): void {
    if (!this.spinner) return
    const room = Math.max(10, process.stderr.columns - 3)
    this.spinner.text = text.length > room ? `${text.slice(0, room - 1)}…` : text
  }

  /** Prints above the live line: it is wiped, the text written, then drawn again, all at once. */
  print(write: () => void): void {
    if (!this.spinner) return write()
    this.spinner.clear()
    write()
    this.spinner.render()
  }

  stop(): void {
    this.unlisten()
    this.spinner?.stop()
    this.spinner = undefined
  }
}
