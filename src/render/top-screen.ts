import type {ScreenBuffer, Terminal} from 'terminal-kit'

import type {TopReading} from '../services/top-feed.js'
import {nextSite, sitesOf, type Thresholds, type TopLine, type TopLineKind, type TopSort, topLines, waitingLines} from './top-model.js'

export interface TopScreenOptions {
  intervalSec: number
  thresholds: Thresholds
  sort: TopSort
  site?: string
  /** The next reading, or undefined when there are no more (the screen is given back); an aborted signal means the person quit. */
  next: (signal: AbortSignal) => Promise<TopReading | undefined>
}

/** How each kind of line looks (terminal-kit attributes). */
const LOOK: Record<TopLineKind, ScreenBuffer.Attributes> = {
  title: {inverse: true, bold: true},
  section: {bold: true, underline: true},
  header: {bold: true},
  row: {},
  bad: {color: 'red', bold: true},
  warn: {color: 'yellow'},
}

const KEYS: Record<string, TopSort> = {c: 'cpu', C: 'cpu', m: 'memory', M: 'memory', n: 'network', N: 'network'}
const QUIT = new Set(['q', 'Q', 'CTRL_C', 'CTRL_D'])
const STOPS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * `violin top` on the terminal, with terminal-kit (loaded here only): the alternate screen,
 * one ScreenBuffer drawn by difference at each reading, key presses and resizes redrawn at
 * once from the last reading. Returns when the person quits (q, Ctrl-C) or on SIGINT,
 * SIGTERM or SIGHUP; the terminal is given back as it was on every way out, errors too.
 */
export async function runTopScreen(options: TopScreenOptions): Promise<void> {
  const module = await import('terminal-kit')
  const termkit = (module as unknown as {default?: typeof module}).default ?? module
  const term: Terminal = termkit.terminal
  const view = {sort: options.sort, site: options.site}
  let reading: TopReading | undefined
  let buffer: ScreenBuffer | undefined
  const quit = new AbortController()
  const quitted = new Promise<void>((resolve) => quit.signal.addEventListener('abort', () => resolve(), {once: true}))

  const paint = (fresh: boolean): void => {
    const size = {width: term.width, height: term.height}
    if (fresh || !buffer || buffer.width !== size.width || buffer.height !== size.height) {
      buffer = new termkit.ScreenBuffer({dst: term, width: size.width, height: size.height})
      fresh = true
    }
    const lines: TopLine[] = reading
      ? topLines(reading, options.intervalSec, options.thresholds, {...view, ...size})
      : waitingLines(options.intervalSec, {...view, ...size})
    buffer.fill({char: ' ', attr: {}})
    lines.forEach((line, y) => {
      // The title's inverse bar spans the whole width.
      const text = line.kind === 'title' ? line.text.padEnd(size.width) : line.text
      buffer!.put({x: 0, y, dx: 1, dy: 0, attr: LOOK[line.kind], wrap: false}, text)
    })
    buffer.draw({delta: !fresh})
  }

  const onKey = (name: string): void => {
    if (QUIT.has(name)) quit.abort()
    else if (KEYS[name]) {
      view.sort = KEYS[name]
      paint(false)
    } else if ((name === 's' || name === 'S') && reading) {
      view.site = nextSite(sitesOf(reading), view.site)
      paint(false)
    }
  }
  const onResize = (): void => paint(true)
  const onSignal = (): void => quit.abort()

  term.fullscreen(true)
  term.hideCursor(true)
  term.grabInput(true)
  term.on('key', onKey)
  term.on('resize', onResize)
  for (const s of STOPS) process.on(s, onSignal)
  try {
    paint(true)
    while (!quit.signal.aborted) {
      const pending = options.next(quit.signal)
      // Quitting drops the reading in flight: what it does after must not be an unhandled rejection.
      pending.catch(() => undefined)
      const got = await Promise.race([pending, quitted])
      if (quit.signal.aborted || !got) break
      reading = got
      paint(false)
    }
  } finally {
    for (const s of STOPS) process.off(s, onSignal)
    term.off('key', onKey)
    term.off('resize', onResize)
    // Cleared first: tmux shows what the alternate screen held on the shell's screen when the pane grew meanwhile.
    term.clear()
    term.fullscreen(false)
    // Shows the cursor, resets the style and leaves raw mode once what was written is out.
    await term.asyncCleanup()
  }
}
