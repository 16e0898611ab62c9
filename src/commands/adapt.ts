import * as Flags from '@oclif/core/flags'

import type {ActionOutcome, Journal} from '../adapt/execute.js'
import type {Recovered} from '../adapt/intents.js'
import type {PassOptions, PassResult} from '../adapt/pass.js'
import {ViolinCommand} from '../base-command.js'
import {ExitCode, StoreUnavailableError, UsageError} from '../errors.js'
import type {History} from '../monitor/history.js'
import type {Samples} from '../monitor/poll.js'
import {POLICY_NAMES} from '../policy/policies.js'
import {DEFAULT_POLICY_OPTIONS, type Plan} from '../policy/cluster-view.js'
import {describe, fitLine, groupNotes, stamp, subject} from '../render/adapt-lines.js'
import {environmentResultsJson, passJson} from '../render/json-rows.js'
import type {StatusLine} from '../render/status-line.js'
import {realClock, type Session} from '../services/session.js'
import {DOCS, type Store} from '../store/store.js'
import {SIM_EPOCH_MS} from '../sim/world.js'
import type {SimulationResult} from '../sim/engine.js'
import type {World} from '../sim/world.js'
import {MAX_COUNT, MAX_SECONDS} from '../flags.js'

/** Real time between two passes on a simulated cluster (its own clock runs ahead at once). */
const SIM_PASS_PAUSE_MS = 250
const DEFAULT_INTERVAL_S = 10
const DEFAULT_LEASE_TTL_S = 10

/** What `adapt --json` gives for a foreground run on a scenario: every pass, and how the scenario ran. */
export interface ScenarioRunJson {
  passes: PassResult[]
  scenario: Pick<SimulationResult, 'average_time_s' | 'overall_time_s' | 'migrations' | 'failed_environments' | 'environments'> & {name: string}
}

/** What the foreground loop has done so far, across leaderships. */
interface Run {
  passes: PassResult[]
  totals: {actions: number; failed: number}
  shownEvents: number
  lastNotes: Set<string>
  lastSummary: string
}

/** The live line of the foreground loop: where it is and what it has done so far. */
function summaryLine(n: number, r: PassResult, totals: {actions: number; failed: number}): string {
  const when = new Date(r.timeMs).toISOString().slice(11, 19)
  return `${r.policy}: pass ${n} at ${when}, ${r.seen.hosts} hosts, ${r.seen.vms} VMs; ${totals.actions} actions so far${totals.failed ? `, ${totals.failed} failed` : ''}${r.unanswered.length ? `; ${r.unanswered.length} hosts not answering` : ''}`
}

export default class Adapt extends ViolinCommand {
  static override summary = 'Watch every host and adapt: grow shares and memory where a host can, migrate where it cannot.'
  static override description = `Each pass polls every host over --interval, folds the reading into the history (state dir, history.json: each VM's weighted CPU demand, each host's last samples and AR(1) predictions), plans with the policy and carries the plan out: CPU shares and balloons first, then live migrations (the environment's switch is started on the destination first), then whole environments to another site.

Policies: violin (JISA 2011 and ICAC 2006: high-demand VMs per core, moves that even out the site), idc (Liang 2009: AR(1)-confirmed hotspots of CPU, swap writes and NIC; balloon steps; victims by volume and the traffic between VMs), sandpiper (volume per MiB), none (report only). Guards: --max-migrations per pass, a cooldown per VM, a hold time, hosts in maintenance or in a migration never chosen, the head node never leaves its site.

In the foreground (the default) it prints one line per decision and runs until SIGINT or SIGTERM: the action in flight finishes, the history is written, exit 0; a second signal exits at once (130 for SIGINT, 143 for SIGTERM). --once runs one pass, for cron: it prints each action it took and its outcome, and nothing when there was nothing to do; --quiet leaves only failures (on stderr). A line is kept under 160 characters: a long reason is cut (…) and whole in --json, as are an environment's VM by VM moves. One pass at a time: a second --once exits 8 naming the holder (its PID; with an etcd store, its machine and PID), and --once --min-gap SECONDS skips the pass (exit 0, "skipped: HOST pid N ran a pass Xs ago" on stderr unless --quiet) when any machine sharing the store ran one less than that ago. In the foreground with an etcd store one adapt leads (an election on a lease of --lease-ttl seconds) and says "leading: HOST pid N"; the others stand by ("standby: HOST pid N leads; taking over when its lease ends") and one takes over within the lease plus an interval when the leader dies ("leading: ... takes over from ..."). A leader that loses its lease finishes the action in flight, stops acting and stands by again. With files, a second foreground adapt exits 8 as --once does. Before each action its intent is written to the store and its outcome after; a pass that finds an intent left without an outcome asks the hypervisors where the VM is and prints "recovered: VM: completed by the previous leader (HOST → HOST)", "not done", or (stderr) "unknown: ...", and does not move that VM again in the same pass. Migrations are started so that they finish if violin dies during one (libvirt --p2p). A dry run writes no intent; --once --dry-run leaves the history as it was, a dry run in the foreground keeps it. With --json the foreground loop prints each pass as it ends, one JSON object a line (JSON Lines); --once prints its one pass. With --connect (a sim file, one libvirt URI) the history stays in memory and no lock is taken. Simulated hosts of the inventory keep their history and lock in the state dir's sim/, and every simulated run's migrations go there too: never among the real measurements. On a terminal a live line at the bottom says which pass runs and what has been done so far.

On a simulation scenario (--connect sim:examples/scenarios/icac-1.yaml) the same loop runs on the simulator's accelerated clock until every environment has ended, then prints their run times (average and overall as the ICAC paper defines them; printed under --quiet too; with --json: {passes, scenario}). Its interval is the scenario's interval_s unless --interval is given.

Exit 1 when an action failed (the others still ran); 7 when some hosts (or their hypervisors) did not answer: the pass planned without them and names them on stderr; 5 when none answered.`
  static override examples = [
    '<%= config.bin %> adapt --once --dry-run --connect sim:examples/two-sites.yaml',
    '<%= config.bin %> adapt --connect sim:examples/scenarios/icac-1.yaml',
    '<%= config.bin %> adapt --policy violin --interval 10',
    '*/5 * * * * violin adapt --once   # from cron: mails what each pass did (--quiet: only failures)',
    '*/5 * * * * violin adapt --once --min-gap 240   # the same cron line on several machines sharing an etcd store: one pass per 5 minutes among them',
  ]
  static override flags = {
    policy: Flags.option({options: POLICY_NAMES, summary: 'The adaptation policy.', default: 'violin'})(),
    interval: Flags.integer({summary: `Seconds each pass measures over [default: ${DEFAULT_INTERVAL_S}; on a scenario, its interval_s].`, min: 1, max: MAX_SECONDS, helpValue: 'SECONDS'}),
    once: Flags.boolean({summary: 'One pass, then exit (for cron: prints what it did, nothing when it did nothing).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Plan and print; change nothing.'}),
    'max-migrations': Flags.integer({summary: 'At most this many migrations per pass (an environment move counts once).', default: DEFAULT_POLICY_OPTIONS.maxMigrations, min: 0, max: MAX_COUNT, helpValue: 'N'}),
    'lease-ttl': Flags.integer({summary: 'In the foreground against etcd: seconds a dead leader keeps the leadership before a standby takes over.', default: DEFAULT_LEASE_TTL_S, min: 2, max: MAX_SECONDS, helpValue: 'SECONDS'}),
    'min-gap': Flags.integer({summary: 'With --once: skip the pass (exit 0) when another one, on any machine sharing the store, ran less than this ago.', min: 0, max: MAX_SECONDS, helpValue: 'SECONDS', dependsOn: ['once']}),
  }

  async run(): Promise<PassResult | ScenarioRunJson | undefined> {
    const {flags} = await this.parse(Adapt)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {History} = await import('../monitor/history.js')
    const {StatusLine} = await import('../render/status-line.js')
    const {identity} = await import('../store/store.js')
    const world = session.scenario
    // A --connect target (a sim file, one libvirt URI) is not the inventory's cluster: its
    // history stays in memory, and it takes no part in the inventory's pass lock or leadership.
    // Simulated hosts of the inventory keep theirs apart (the store's sim/ part).
    // An empty inventory is said before any lock or leadership is taken.
    if (session.inventory) session.select()
    const store = session.inventory ? await session.store() : undefined
    if (flags['min-gap'] !== undefined && !store) throw new UsageError('--min-gap needs the inventory: with --connect no pass is recorded', 'leave out --connect or --min-gap')
    const me = await identity()
    const intervalS = flags.interval ?? world?.scenario.intervalS ?? DEFAULT_INTERVAL_S
    const options = {policy: flags.policy, dryRun: flags['dry-run'] === true, intervalMs: intervalS * 1000, policyOptions: {...DEFAULT_POLICY_OPTIONS, ...world?.scenario.policyOptions, maxMigrations: flags['max-migrations']}}
    const print = (write: () => void) => (this.status ? this.status.print(write) : write())
    const stop = this.stopOnSignals('the action in flight', print)
    const run: Run = {passes: [], totals: {actions: 0, failed: 0}, shownEvents: 0, lastNotes: new Set(), lastSummary: ''}
    this.status = await StatusLine.start(!flags.once && !this.quiet && !this.jsonEnabled())
    try {
      if (!store || flags.once) {
        // One pass (cron), or a --connect target: the pass lock, one at a time across everyone sharing the store.
        const release = store ? await store.lockPass() : async () => {}
        try {
          if (store && flags['min-gap'] !== undefined && (await this.tooSoon(store, flags['min-gap']))) return undefined as unknown as PassResult
          const history = store ? await History.load({}, store) : new History()
          await this.passes(session, history, options, flags, stop.signal, run, store && {store, by: me})
        } finally {
          await release()
        }
      } else {
        await this.lead(session, store, me, flags, stop.signal, async (signal, mayAct) => {
          // Loaded once elected: a takeover goes on from the previous leader's history.
          const history = await History.load({}, store)
          await this.passes(session, history, options, flags, signal, run, {store, by: me, mayAct})
        })
      }
    } finally {
      this.status.stop()
    }
    const last = run.passes.at(-1)
    if (last) {
      // A scenario's run is one job: any failed action counts, not only the last pass's.
      if (last.outcomes.some((o) => !o.ok) || (world && run.totals.failed > 0)) process.exitCode = ExitCode.failure
      else this.exitForHosts(session.hosts.length, last.unanswered)
    }
    if (world && !flags.once) return this.scenarioSummary(world, flags.policy, run.passes)
    // In the foreground every pass was printed as it ended (JSON Lines under --json).
    return flags.once ? passJson(run.passes[0]!) : undefined
  }

  /**
   * The foreground loop on the inventory: one violin leads (an etcd election on a lease of
   * --lease-ttl seconds; with files, the pass lock), the others stand by and say who leads.
   * A leader that loses its leadership (its lease expired, etcd unreachable) finishes the
   * action in flight, stops acting and stands by again; SIGINT/SIGTERM ends it all.
   */
  private async lead(session: Session, store: Store, me: string, flags: {'lease-ttl': number}, stop: AbortSignal, act: (signal: AbortSignal, mayAct?: () => Promise<boolean>) => Promise<void>): Promise<void> {
    let seen: string | undefined
    let previous: string | undefined
    const say = (text: string) => {
      if (!this.quiet) this.status!.print(() => this.logToStderr(text))
    }
    // Once the store has answered, losing it is waited out (standing by), not the end of the loop.
    let answered = false
    while (!stop.aborted) {
      const leadership = await store.lead({
        ttlS: flags['lease-ttl'],
        signal: stop,
        onStandby: (leader) => {
          answered = true
          if (!leader || leader === seen) return
          seen = leader
          previous = leader
          this.status!.set(`standby: ${leader} leads`)
          say(`standby: ${leader} leads; taking over when its lease ends`)
        },
      }).catch(async (error: Error) => {
        if (!answered || stop.aborted || !(error instanceof StoreUnavailableError)) throw error
        say(`standby: ${error.message}; trying again`)
        await realClock.sleep(2000, stop).catch(() => undefined)
        return null
      })
      if (leadership === null) continue
      if (!leadership) return
      answered = true
      seen = undefined
      say(`leading: ${me}${previous ? ` takes over from ${previous}` : ''}`)
      // etcd: before each action, is this one still the leader? (Files: the lock is the leadership.)
      const mayAct = store.backend === 'etcd' ? async () => (await store.leader()) === me : undefined
      try {
        await act(AbortSignal.any([stop, leadership.lost]), mayAct)
      } finally {
        await leadership.resign()
      }
      if (leadership.lost.aborted && !stop.aborted) {
        const why = leadership.lost.reason instanceof Error ? leadership.lost.reason.message : 'the lease expired'
        say(`no longer leading (${why}): stopped acting; standing by`)
        previous = undefined
      }
    }
  }

  /** --min-gap: another pass (by anyone sharing the store) ran less than that ago: this one is skipped. */
  private async tooSoon(store: Store, minGapS: number): Promise<boolean> {
    const last = (await store.read(DOCS.passes))?.last as {atMs?: number; by?: string} | undefined
    if (typeof last?.atMs !== 'number') return false
    const agoS = (Date.now() - last.atMs) / 1000
    if (agoS >= minGapS) return false
    if (!this.quiet && !this.jsonEnabled()) this.logToStderr(`skipped: ${last.by ?? 'someone'} ran a pass ${Math.max(0, Math.round(agoS))}s ago (--min-gap ${minGapS})`)
    return true
  }

  /** Passes until stopped (one with --once), each printed as it goes. */
  private async passes(
    session: Session,
    history: History,
    options: PassOptions,
    flags: {once: boolean; 'dry-run': boolean; policy: string},
    signal: AbortSignal,
    run: Run,
    journal: Journal | undefined,
  ): Promise<void> {
    const {adaptationPass} = await import('../adapt/pass.js')
    const world = session.scenario
    const intervalS = options.intervalMs / 1000
    // The foreground loop and a dry run also say what they saw (notes, events); a cron pass
    // (--once) says only what it did, and nothing when it had nothing to do.
    const verbose = !flags.once || flags['dry-run']
    const hostNames = new Set(session.hosts.map((h) => h.name))
    let previous: Samples | undefined
    let seen: Samples | undefined
    do {
      this.status!.set(`${run.lastSummary}pass ${run.passes.length + 1}: measuring over ${intervalS} s`)
      const onPlan = (plan: Plan, timeMs: number): void => {
        if (world) run.shownEvents = this.showEvents(world, run.shownEvents, verbose)
        // In the foreground what a policy holds back is said once, until it changes.
        const notes = flags.once ? plan.notes : plan.notes.filter((n) => !run.lastNotes.has(n))
        run.lastNotes = new Set(plan.notes)
        this.showPlan({...plan, notes: groupNotes(notes, hostNames)}, timeMs, flags.policy, flags['dry-run'], verbose, flags.once)
      }
      const pass = await adaptationPass(session, history, options, {
        previous,
        seen,
        signal,
        onPlan,
        onDone: (o) => this.outcome(o),
        journal,
        onRecovered: (r) => this.recovered(r),
        onUnanswered: (vm, why) => this.status!.print(() => this.logToStderr(`warning: ${vm}: its last action not recovered yet: ${why}; asked again next pass`)),
      }).catch((error: Error) => {
        if (signal.aborted && error.name === 'AbortError') return undefined
        throw error
      })
      if (!pass) break
      // After actions the last samples describe a cluster that no longer exists: measure afresh.
      previous = pass.result.outcomes.length > 0 ? undefined : pass.samples
      // Hosts whose agents report are read again only once their agents sampled anew.
      seen = pass.samples
      run.passes.push(pass.result)
      // The foreground loop streams: under --json, one JSON Lines record per pass.
      if (this.jsonEnabled() && !flags.once && !world) this.logJsonLine(passJson(pass.result))
      this.showUnanswered(pass.result)
      run.totals.actions += pass.result.outcomes.length
      run.totals.failed += pass.result.outcomes.filter((o) => !o.ok).length
      run.lastSummary = `${summaryLine(run.passes.length, pass.result, run.totals)} · `
      // One dry pass (--once --dry-run) asks what a pass would do and changes nothing, the
      // history included; a foreground dry run keeps it, as an observer building its windows.
      if (session.inventory && !(flags.once && flags['dry-run'])) await history.save().catch((error: Error) => this.status?.print(() => this.logToStderr(`warning: history not saved: ${error.message}`)))
      // When and by whom the last pass ran: adapt --once --min-gap on another machine skips its own.
      if (journal && !options.dryRun) {
        const last = {atMs: Date.now(), by: journal.by}
        await journal.store.update(DOCS.passes, (current) => ({value: {...current, last}, result: undefined})).catch((error: Error) => this.status?.print(() => this.logToStderr(`warning: pass not recorded: ${error.message}`)))
      }
      if (world?.over) break
      if (!flags.once) await this.pause(session.hosts.every((h) => h.driver === 'sim'), world !== undefined, signal)
    } while (!flags.once && !signal.aborted)
  }

  /** A VM whose last action a previous leader left without an outcome: what was found. */
  private recovered(r: Recovered): void {
    if (this.jsonEnabled()) return
    const line = `recovered: ${r.vm}: ${r.text}`
    if (!r.known) this.status!.print(() => this.logToStderr(line))
    else if (!this.quiet) this.status!.print(() => this.log(line))
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
    const scenario = {name: r.scenario, average_time_s: r.average_time_s, overall_time_s: r.overall_time_s, migrations: r.migrations, failed_environments: r.failed_environments, environments: environmentResultsJson(r.environments)}
    // The run times are the scenario's results: printed under --quiet too.
    if (!this.jsonEnabled()) {
      const envs = Object.entries(r.environments).map(([name, e]) => `${name} ${e.failed ? 'failed' : e.time_s === null ? 'did not finish' : `${Math.round(e.time_s)} s`}`)
      const secs = (x: number | null) => (x === null ? '-' : `${Math.round(x)} s`)
      this.log(`${this.quiet ? '' : '\n'}${world.over ? 'scenario done' : 'stopped'} after ${passes.length} passes: average ${secs(r.average_time_s)}, overall ${secs(r.overall_time_s)}, ${r.migrations} migrations (${envs.join(', ')})`)
      if (world.over && !this.quiet) this.log(`compare: violin simulate ${world.scenario.file} --compare none,${policy}`)
    }
    return {passes: passes.map(passJson), scenario}
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
