import type {ActionOutcome} from '../adapt/execute.js'
import type {Recovered} from '../adapt/intents.js'
import type {LoopEvent, LoopTotals} from '../adapt/loop-events.js'
import type {PassResult} from '../adapt/pass.js'
import type {Plan} from '../policy/cluster-view.js'
import {SIM_EPOCH_MS, type TimelineEvent} from '../sim/world.js'
import {describe, fitLine, groupNotes, stamp, subject} from './adapt-lines.js'
import {passJson} from './json-rows.js'
import type {StatusLine} from './status-line.js'

/** Where the printer writes: the command's own output (oclif's log, stderr, JSON Lines). */
export interface AdaptOutput {
  log(text: string): void
  logToStderr(text: string): void
  warnHost(host: string, error: Error): void
  logJsonLine(json: unknown): void
}

export interface AdaptView {
  policy: string
  dryRun: boolean
  once: boolean
  quiet: boolean
  json: boolean
  /** On a scenario the passes are summed up at its end (--json: {passes, scenario}), not streamed. */
  scenario: boolean
  /** Every host's name: notes naming several are grouped. */
  hostNames: ReadonlySet<string>
}

/** The live line of the foreground loop: where it is and what it has done so far. */
function summaryLine(n: number, r: PassResult, totals: LoopTotals): string {
  const when = new Date(r.timeMs).toISOString().slice(11, 19)
  return `${r.policy}: pass ${n} at ${when}, ${r.seen.hosts} hosts, ${r.seen.vms} VMs; ${totals.actions} actions so far${totals.failed ? `, ${totals.failed} failed` : ''}${r.unanswered.length ? `; ${r.unanswered.length} hosts not answering` : ''}`
}

/**
 * `violin adapt`'s lines for the loop's events (adapt/loop.ts): one per decision before it
 * is carried out, then its outcome; the scenario's events, notes once until they change,
 * leadership on stderr, and the live status line at the bottom of a terminal.
 */
export class AdaptEventPrinter {
  private lastNotes = new Set<string>()
  private lastSummary = ''

  constructor(
    private readonly view: AdaptView,
    private readonly status: StatusLine,
    private readonly out: AdaptOutput,
  ) {}

  /** The foreground loop and a dry run also say what they saw (notes, events); a cron pass (--once) says only what it did. */
  private get verbose(): boolean {
    return !this.view.once || this.view.dryRun
  }

  show(e: LoopEvent): void {
    switch (e.type) {
      case 'skipped':
        if (!this.view.quiet && !this.view.json)
          this.out.logToStderr(`skipped: ${e.by ?? 'someone'} ran a pass ${Math.max(0, Math.round(e.agoS))}s ago (--min-gap ${e.minGapS})`)
        return
      case 'standby':
        this.status.set(`standby: ${e.leader} leads`)
        return this.say(`standby: ${e.leader} leads; taking over when its lease ends`)
      case 'store-unavailable':
        return this.say(`standby: ${e.message}; trying again`)
      case 'leading':
        return this.say(`leading: ${e.me}${e.takesOverFrom ? ` takes over from ${e.takesOverFrom}` : ''}`)
      case 'leadership-lost':
        return this.say(`no longer leading (${e.why}): stopped acting; standing by`)
      case 'pass-started':
        this.status.set(`${this.lastSummary}pass ${e.pass}: measuring over ${e.intervalMs / 1000} s`)
        return
      case 'recovered':
        return this.recovered(e.recovered)
      case 'not-recovered':
        return this.status.print(() =>
          this.out.logToStderr(`warning: ${e.vm}: its last action not recovered yet: ${e.why}; asked again next pass`),
        )
      case 'scenario':
        return this.scenarioEvents(e.events)
      case 'decision': {
        // In the foreground what a policy holds back is said once, until it changes.
        const notes = this.view.once ? e.plan.notes : e.plan.notes.filter((n) => !this.lastNotes.has(n))
        this.lastNotes = new Set(e.plan.notes)
        return this.plan({...e.plan, notes: groupNotes(notes, this.view.hostNames)}, e.timeMs)
      }
      case 'action-done':
        return this.outcome(e.outcome)
      case 'pass-done':
        // The foreground loop streams: under --json, one JSON Lines record per pass.
        if (this.view.json && !this.view.once && !this.view.scenario) this.out.logJsonLine(passJson(e.result))
        this.unanswered(e.result)
        this.lastSummary = `${summaryLine(e.pass, e.result, e.totals)} · `
        return
      case 'history-not-saved':
        return this.status.print(() => this.out.logToStderr(`warning: history not saved: ${e.error.message}`))
      case 'pass-not-recorded':
        return this.status.print(() => this.out.logToStderr(`warning: pass not recorded: ${e.error.message}`))
      // Pacing and stopping are said by the status line and the signal's own line.
      case 'waiting':
      case 'stopping':
      case 'stopped':
        return
    }
  }

  /** Leadership: on stderr, also under --json; not under --quiet. */
  private say(text: string): void {
    if (!this.view.quiet) this.status.print(() => this.out.logToStderr(text))
  }

  /** A VM whose last action a previous leader left without an outcome: what was found. */
  private recovered(r: Recovered): void {
    if (this.view.json) return
    const line = `recovered: ${r.vm}: ${r.text}`
    if (!r.known) this.status.print(() => this.out.logToStderr(line))
    else if (!this.view.quiet) this.status.print(() => this.out.log(line))
  }

  /** The scenario's own events since the last pass: environments starting, ending, failing, waiting. */
  private scenarioEvents(timeline: TimelineEvent[]): void {
    const events = timeline.filter((e) => e.kind === 'start' || e.kind === 'end' || e.kind === 'fail' || e.kind === 'wait')
    if (!this.verbose || this.view.quiet || this.view.json) return
    this.status.print(() => {
      for (const e of events) this.out.log(fitLine(`${stamp(SIM_EPOCH_MS + e.t_s * 1000)} ${e.kind}: `, e.text))
    })
  }

  /**
   * One line per decision, before it is carried out, its reason cut to the line (whole in
   * --json); then the notes, once. "nothing to do" only for a dry single pass.
   */
  private plan(plan: Plan, timeMs: number): void {
    const {json, quiet, policy, dryRun, once} = this.view
    if (json || quiet) return
    const when = stamp(timeMs)
    this.status.print(() => {
      if (plan.actions.length === 0 && once && this.verbose) this.out.log(`${when} ${policy}: nothing to do`)
      for (const a of plan.actions) this.out.log(fitLine(`${when} ${policy}${dryRun ? ' (dry run)' : ''}: ${describe(a)} — `, a.reason))
      if (this.verbose) for (const n of plan.notes) this.out.log(fitLine(`${when} ${policy}: note: `, n))
    })
  }

  /** After its decision line, an action's outcome names it without repeating its figures. */
  private outcome(o: ActionOutcome): void {
    if (this.view.json) return
    if (!o.ok) this.status.print(() => this.out.logToStderr(`failed: ${subject(o.action)}: ${o.error}`))
    else if (!this.view.quiet) this.status.print(() => this.out.log(`done: ${subject(o.action)} (${o.seconds.toFixed(1)} s)`))
  }

  private unanswered(r: PassResult): void {
    if (this.view.json || r.unanswered.length === 0) return
    this.status.print(() => {
      for (const u of r.unanswered) this.out.warnHost(u.host, new Error(u.error))
    })
  }
}
