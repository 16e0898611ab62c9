import {Flags} from '@oclif/core'

import type {ActionOutcome} from '../adapt/execute.js'
import type {PassResult} from '../adapt/pass.js'
import {ViolinCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import type {History} from '../monitor/history.js'
import type {Samples} from '../monitor/poll.js'
import {POLICY_NAMES} from '../policy/policies.js'
import {DEFAULT_POLICY_OPTIONS, type Plan} from '../policy/view.js'
import {describe, fitLine, groupNotes, stamp, subject} from '../render/adapt-lines.js'
import type {StatusLine} from '../render/status-line.js'
import {realClock} from '../services/session.js'
import {SIM_EPOCH_MS} from '../sim/world.js'
import type {SimulationResult} from '../sim/engine.js'
import type {World} from '../sim/world.js'
import {MAX_COUNT, MAX_SECONDS} from '../flags.js'

/** Real time between two passes on a simulated cluster (its own clock runs ahead at once). */
const SIM_PASS_PAUSE_MS = 250
const DEFAULT_INTERVAL_S = 10

/** What `adapt --json` gives for a foreground run on a scenario: every pass, and how the scenario ran. */
export interface ScenarioRunJson {
  passes: PassResult[]
  scenario: Pick<SimulationResult, 'average_time_s' | 'overall_time_s' | 'migrations' | 'failed_environments' | 'environments'> & {name: string}
}

/** The live line of the foreground loop: where it is and what it has done so far. */
function summaryLine(n: number, r: PassResult, totals: {actions: number; failed: number}): string {
  const when = new Date(r.timeMs).toISOString().slice(11, 19)
  return `${r.policy}: pass ${n} at ${when}, ${r.seen.hosts} hosts, ${r.seen.vms} VMs; ${totals.actions} actions so far${totals.failed ? `, ${totals.failed} failed` : ''}${r.unanswered.length ? `; ${r.unanswered.length} hosts not answering` : ''}`
}

export default class Adapt extends ViolinCommand {
  static override summary = 'Watch every host and adapt: grow shares and memory where a host can, migrate where it cannot.'
  static override description = `Each pass polls every host over --interval, folds the reading into the history (state dir, history.json: each VM's weighted CPU demand, each host's last samples and AR(1) predictions), plans with the policy and carries the plan out: CPU shares and balloons first, then live migrations (the environment's switch is started on the destination first), then whole environments to another site.

Policies: violin (seeds 000/002: high-demand VMs per core, moves that even out the site), idc (seed 003: AR(1)-confirmed hotspots of CPU, swap writes and NIC; balloon steps; victims by volume and the traffic between VMs), sandpiper (volume per MiB), none (report only). Guards: --max-migrations per pass, a cooldown per VM, a hold time, hosts in maintenance or in a migration never chosen, the head node never leaves its site.

In the foreground (the default) it prints one line per decision and runs until SIGINT or SIGTERM: the action in flight finishes, the history is written, exit 0; a second signal exits at once (130 for SIGINT, 143 for SIGTERM). --once runs one pass, for cron: it prints each action it took and its outcome, and nothing when there was nothing to do; --quiet leaves only failures (on stderr). A line is kept under 160 characters: a long reason is cut (…) and whole in --json, as are an environment's VM by VM moves. --once --dry-run leaves the history as it was; a dry run in the foreground keeps it. One pass at a time per state directory: a second one exits 8 naming the holder's PID. With --connect (a sim file, one libvirt URI) the history stays in memory and no lock is taken. Simulated hosts of the inventory keep their history and lock in the state dir's sim/, and every simulated run's migrations go there too: never among the real measurements. On a terminal a live line at the bottom says which pass runs and what has been done so far.

On a simulation scenario (--connect sim:examples/scenarios/icac-1.yaml) the same loop runs on the simulator's accelerated clock until every environment has ended, then prints their run times (average and overall as the ICAC paper defines them; printed under --quiet too; with --json: {passes, scenario}). Its interval is the scenario's interval_s unless --interval is given.

Exit 1 when an action failed (the others still ran); 7 when some hosts (or their hypervisors) did not answer: the pass planned without them and names them on stderr; 5 when none answered.`
  static override examples = [
    '<%= config.bin %> adapt --once --dry-run --connect sim:examples/two-sites.yaml',
    '<%= config.bin %> adapt --connect sim:examples/scenarios/icac-1.yaml',
    '<%= config.bin %> adapt --policy violin --interval 10',
    '*/5 * * * * violin adapt --once   # from cron: mails what each pass did (--quiet: only failures)',
  ]
  static override flags = {
    policy: Flags.option({options: POLICY_NAMES, summary: 'The adaptation policy.', default: 'violin'})(),
    interval: Flags.integer({summary: `Seconds each pass measures over [default: ${DEFAULT_INTERVAL_S}; on a scenario, its interval_s].`, min: 1, max: MAX_SECONDS, helpValue: 'SECONDS'}),
    once: Flags.boolean({summary: 'One pass, then exit (for cron: prints what it did, nothing when it did nothing).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Plan and print; change nothing.'}),
    'max-migrations': Flags.integer({summary: 'At most this many migrations per pass (an environment move counts once).', default: DEFAULT_POLICY_OPTIONS.maxMigrations, min: 0, max: MAX_COUNT, helpValue: 'N'}),
  }

  async run(): Promise<PassResult | PassResult[] | ScenarioRunJson> {
    const {flags} = await this.parse(Adapt)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {adaptationPass} = await import('../adapt/pass.js')
    const {History} = await import('../monitor/history.js')
    const {StatusLine} = await import('../render/status-line.js')
    const world = session.scenario
    // A --connect target (a sim file, one libvirt URI) is not the inventory's cluster: its
    // history stays in memory, and it takes no part in the inventory's pass lock.
    // Simulated hosts of the inventory keep their history and lock apart (state dir's sim/).
    const release = session.inventory ? await (await session.store()).lockPass() : async () => {}
    const history: History = session.inventory ? await History.load({}, await session.store()) : new History()
    const intervalS = flags.interval ?? world?.scenario.intervalS ?? DEFAULT_INTERVAL_S
    const options = {policy: flags.policy, dryRun: flags['dry-run'], intervalMs: intervalS * 1000, policyOptions: {...DEFAULT_POLICY_OPTIONS, ...world?.scenario.policyOptions, maxMigrations: flags['max-migrations']}}
    const stop = this.stopOnSignals('the action in flight', (write) => (this.status ? this.status.print(write) : write()))
    const passes: PassResult[] = []
    // The foreground loop and a dry run also say what they saw (notes, events); a cron pass
    // (--once) says only what it did, and nothing when it had nothing to do.
    const verbose = !flags.once || flags['dry-run']
    const hostNames = new Set(session.hosts.map((h) => h.name))
    this.status = await StatusLine.start(!flags.once && !this.quiet && !this.jsonEnabled())
    const totals = {actions: 0, failed: 0}
    let shownEvents = 0
    let lastNotes = new Set<string>()
    let lastSummary = ''
    try {
      let previous: Samples | undefined
      do {
        this.status.set(`${lastSummary}pass ${passes.length + 1}: measuring over ${intervalS} s`)
        const onPlan = (plan: Plan, timeMs: number): void => {
          if (world) shownEvents = this.showEvents(world, shownEvents, verbose)
          // In the foreground what a policy holds back is said once, until it changes.
          const notes = flags.once ? plan.notes : plan.notes.filter((n) => !lastNotes.has(n))
          lastNotes = new Set(plan.notes)
          this.showPlan({...plan, notes: groupNotes(notes, hostNames)}, timeMs, flags.policy, flags['dry-run'], verbose, flags.once)
        }
        const pass = await adaptationPass(session, history, options, {previous, signal: stop.signal, onPlan, onDone: (o) => this.outcome(o)}).catch((error: Error) => {
          if (stop.signal.aborted && error.name === 'AbortError') return undefined
          throw error
        })
        if (!pass) break
        // After actions the last samples describe a cluster that no longer exists: measure afresh.
        previous = pass.result.outcomes.length > 0 ? undefined : pass.samples
        passes.push(pass.result)
        this.showUnanswered(pass.result)
        totals.actions += pass.result.outcomes.length
        totals.failed += pass.result.outcomes.filter((o) => !o.ok).length
        lastSummary = `${summaryLine(passes.length, pass.result, totals)} · `
        // One dry pass (--once --dry-run) asks what a pass would do and changes nothing, the
        // history included; a foreground dry run keeps it, as an observer building its windows.
        if (session.inventory && !(flags.once && flags['dry-run'])) await history.save().catch((error: Error) => this.status?.print(() => this.logToStderr(`warning: history not saved: ${error.message}`)))
        if (world?.over) break
        if (!flags.once) await this.pause(session.hosts.every((h) => h.driver === 'sim'), world !== undefined, stop.signal)
      } while (!flags.once && !stop.signal.aborted)
    } finally {
      this.status.stop()
      await release()
    }
    const last = passes.at(-1)
    if (last) {
      // A scenario's run is one job: any failed action counts, not only the last pass's.
      if (last.outcomes.some((o) => !o.ok) || (world && totals.failed > 0)) process.exitCode = ExitCode.failure
      else this.exitForHosts(session.hosts.length, last.unanswered)
    }
    if (world && !flags.once) return this.scenarioSummary(world, flags.policy, passes)
    return flags.once ? passes[0]! : passes
  }

  private status?: StatusLine

  /**
   * Between foreground passes. A simulated cluster's clock does not wait: without a turn of
   * the event loop SIGINT/SIGTERM would never be handled. A cluster file (which never ends)
   * is paced for a person to follow; a scenario runs as fast as it can, to its end.
   */
  private async pause(simulated: boolean, scenario: boolean, signal: AbortSignal): Promise<void> {
    if (scenario) await new Promise((resolve) => setImmediate(resolve))
    else await realClock.sleep(simulated ? SIM_PASS_PAUSE_MS : 0, signal).catch(() => undefined)
  }

  /** The scenario's own events since the last pass (environments starting, ending, failing). */
  private showEvents(world: World, from: number, verbose: boolean): number {
    const events = world.timeline.slice(from).filter((e) => e.kind === 'start' || e.kind === 'end' || e.kind === 'fail' || e.kind === 'wait')
    if (verbose && !this.quiet && !this.jsonEnabled()) {
      this.status?.print(() => {
        for (const e of events) this.log(fitLine(`${stamp(SIM_EPOCH_MS + e.t_s * 1000)} ${e.kind}: `, e.text))
      })
    }
    return world.timeline.length
  }

  private async scenarioSummary(world: World, policy: string, passes: PassResult[]): Promise<ScenarioRunJson> {
    const {summarize} = await import('../sim/engine.js')
    const r = summarize(world, policy)
    const scenario = {name: r.scenario, average_time_s: r.average_time_s, overall_time_s: r.overall_time_s, migrations: r.migrations, failed_environments: r.failed_environments, environments: r.environments}
    // The run times are the scenario's results: printed under --quiet too.
    if (!this.jsonEnabled()) {
      const envs = Object.entries(r.environments).map(([name, e]) => `${name} ${e.failed ? 'failed' : e.time_s === null ? 'did not finish' : `${Math.round(e.time_s)} s`}`)
      const secs = (x: number | null) => (x === null ? '-' : `${Math.round(x)} s`)
      this.log(`${this.quiet ? '' : '\n'}${world.over ? 'scenario done' : 'stopped'} after ${passes.length} passes: average ${secs(r.average_time_s)}, overall ${secs(r.overall_time_s)}, ${r.migrations} migrations (${envs.join(', ')})`)
      if (world.over && !this.quiet) this.log(`compare: violin simulate ${world.scenario.file} --compare none,${policy}`)
    }
    return {passes, scenario}
  }

  /** After its decision line, an action's outcome names it without repeating its figures. */
  private outcome(o: ActionOutcome): void {
    if (this.jsonEnabled()) return
    const print = (write: () => void) => (this.status ? this.status.print(write) : write())
    if (!o.ok) print(() => this.logToStderr(`failed: ${subject(o.action)}: ${o.error}`))
    else if (!this.quiet) print(() => this.log(`done: ${subject(o.action)} (${o.seconds.toFixed(1)} s)`))
  }

  private showUnanswered(r: PassResult): void {
    if (this.jsonEnabled() || r.unanswered.length === 0) return
    this.status!.print(() => {
      for (const u of r.unanswered) this.warnHost(u.host, new Error(u.error))
    })
  }

  /**
   * One line per decision, before it is carried out, its reason cut to the line (whole in
   * --json); then the notes, once. "nothing to do" only for a dry single pass.
   */
  private showPlan(plan: Plan, timeMs: number, policy: string, dryRun: boolean, verbose: boolean, once: boolean): void {
    if (this.jsonEnabled() || this.quiet) return
    const when = stamp(timeMs)
    this.status!.print(() => {
      if (plan.actions.length === 0 && once && verbose) this.log(`${when} ${policy}: nothing to do`)
      for (const a of plan.actions) this.log(fitLine(`${when} ${policy}${dryRun ? ' (dry run)' : ''}: ${describe(a)} — `, a.reason))
      if (verbose) for (const n of plan.notes) this.log(fitLine(`${when} ${policy}: note: `, n))
    })
  }
}
