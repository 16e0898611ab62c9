import * as Flags from '@oclif/core/flags'

import type {LoopRun} from '../adapt/loop.js'
import type {PassResult} from '../adapt/pass.js'
import {resolvePolicyOptions} from '../adapt/policy-settings.js'
import {ViolinCommand} from '../base-command.js'
import {ExitCode, UsageError} from '../errors.js'
import {MAX_SECONDS, policyFlags} from '../flags.js'
import {POLICY_NAMES} from '../policy/policies.js'
import {AdaptEventPrinter} from '../render/adapt-events.js'
import {environmentResultsJson, passJson} from '../render/json-rows.js'
import type {SimulationResult} from '../sim/engine.js'
import type {World} from '../sim/world.js'

const DEFAULT_INTERVAL_S = 10
const DEFAULT_LEASE_TTL_S = 10

/** What `adapt --json` gives for a foreground run on a scenario: every pass, and how the scenario ran. */
export interface ScenarioRunJson {
  passes: PassResult[]
  scenario: Pick<SimulationResult, 'average_time_s' | 'overall_time_s' | 'migrations' | 'failed_environments' | 'environments'> & {
    name: string
  }
}

export default class Adapt extends ViolinCommand {
  static override summary = 'Watch every host and adapt: grow shares and memory where a host can, migrate where it cannot.'
  static override description =
    `Each pass polls every host over --interval, folds the reading into the history (state dir, history.json: each VM's weighted CPU demand, each host's last samples and AR(1) predictions), plans with the policy and carries the plan out: CPU shares and balloons first, then live migrations (the environment's switch is started on the destination first), then whole environments to another site.

Policies: violin (JISA 2011 and ICAC 2006: high-demand VMs per core, moves that even out the site), idc (Liang 2009: AR(1)-confirmed hotspots of CPU, swap writes and NIC; balloon steps; victims by volume and the traffic between VMs), sandpiper (volume per MiB), none (report only). Guards: --max-migrations per pass, a --cooldown per VM, a --hold time, hosts in maintenance or in a migration never chosen, the head node never leaves its site. Thresholds and guards not given as flags come from "policy" in $VIOLIN_HOME/config.json (high, low, max_migrations, cooldown_s, hold_samples, cpu_threshold, nic_threshold, swap_threshold, memory_step_mib, min_improvement), else the defaults; a scenario's policy_options take the config's place. Every plan obeys the placement rules of violin rule (pin, exclude, anti-affinity, affinity): a pass first mends a rule the hosts break now (within the cap), and says which rule it could not keep.

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
    interval: Flags.integer({
      summary: `Seconds each pass measures over [default: ${DEFAULT_INTERVAL_S}; on a scenario, its interval_s].`,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
    once: Flags.boolean({summary: 'One pass, then exit (for cron: prints what it did, nothing when it did nothing).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Plan and print; change nothing.'}),
    ...policyFlags,
    'lease-ttl': Flags.integer({
      summary: 'In the foreground against etcd: seconds a dead leader keeps the leadership before a standby takes over.',
      default: DEFAULT_LEASE_TTL_S,
      min: 2,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
    'min-gap': Flags.integer({
      summary: 'With --once: skip the pass (exit 0) when another one, on any machine sharing the store, ran less than this ago.',
      min: 0,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
      dependsOn: ['once'],
    }),
  }

  async run(): Promise<PassResult | ScenarioRunJson | undefined> {
    const {flags} = await this.parse(Adapt)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {adaptLoop} = await import('../adapt/loop.js')
    const {StatusLine} = await import('../render/status-line.js')
    const world = session.scenario
    // An empty inventory is said before any lock or leadership is taken.
    if (session.inventory) session.select()
    if (flags['min-gap'] !== undefined && !session.inventory)
      throw new UsageError('--min-gap needs the inventory: with --connect no pass is recorded', 'leave out --connect or --min-gap')
    const intervalS = flags.interval ?? world?.scenario.intervalS ?? DEFAULT_INTERVAL_S
    const options = {
      pass: {
        policy: flags.policy,
        dryRun: flags['dry-run'] === true,
        intervalMs: intervalS * 1000,
        policyOptions: resolvePolicyOptions(flags, world?.scenario.policyOptions),
      },
      once: flags.once,
      minGapS: flags['min-gap'],
      leaseTtlS: flags['lease-ttl'],
    }
    const status = await StatusLine.start(!flags.once && !this.quiet && !this.jsonEnabled())
    const stop = this.stopOnSignals('the action in flight', (write) => status.print(write))
    const view = {
      policy: flags.policy,
      dryRun: flags['dry-run'],
      once: flags.once,
      quiet: this.quiet,
      json: this.jsonEnabled(),
      scenario: world !== undefined,
      hostNames: new Set(session.hosts.map((h) => h.name)),
    }
    const printer = new AdaptEventPrinter(view, status, {
      log: (text) => this.log(text),
      logToStderr: (text) => this.logToStderr(text),
      warnHost: (host, error) => this.warnHost(host, error),
      logJsonLine: (json) => this.logJsonLine(json),
    })
    const run = await adaptLoop(session, {...options, force: stop.force}, stop.signal, (e) => printer.show(e)).finally(() => status.stop())
    if (run.stopped === 'skipped') return undefined
    this.exitFor(run, session.hosts.length, world)
    if (world && !flags.once) return this.scenarioSummary(world, flags.policy, run.passes)
    // In the foreground every pass was printed as it ended (JSON Lines under --json).
    return flags.once ? passJson(run.passes[0]!) : undefined
  }

  /** 1 when an action failed, else 7 or 5 when hosts did not answer the last pass. */
  private exitFor(run: LoopRun, hosts: number, world: World | undefined): void {
    const last = run.passes.at(-1)
    if (!last) return
    // A scenario's run is one job: any failed action counts, not only the last pass's.
    if (last.outcomes.some((o) => !o.ok) || (world && run.totals.failed > 0)) process.exitCode = ExitCode.failure
    else this.exitForHosts(hosts, last.unanswered)
  }

  private async scenarioSummary(world: World, policy: string, passes: PassResult[]): Promise<ScenarioRunJson> {
    const {summarize} = await import('../sim/engine.js')
    const r = summarize(world, policy)
    const scenario = {
      name: r.scenario,
      average_time_s: r.average_time_s,
      overall_time_s: r.overall_time_s,
      migrations: r.migrations,
      failed_environments: r.failed_environments,
      environments: environmentResultsJson(r.environments),
    }
    // The run times are the scenario's results: printed under --quiet too.
    if (!this.jsonEnabled()) {
      const envs = Object.entries(r.environments).map(
        ([name, e]) => `${name} ${e.failed ? 'failed' : e.time_s === null ? 'did not finish' : `${Math.round(e.time_s)} s`}`,
      )
      const secs = (x: number | null) => (x === null ? '-' : `${Math.round(x)} s`)
      this.log(
        `${this.quiet ? '' : '\n'}${world.over ? 'scenario done' : 'stopped'} after ${passes.length} passes: average ${secs(r.average_time_s)}, overall ${secs(r.overall_time_s)}, ${r.migrations} migrations (${envs.join(', ')})`,
      )
      if (world.over && !this.quiet) this.log(`compare: violin simulate ${world.scenario.file} --compare none,${policy}`)
    }
    return {passes: passes.map(passJson), scenario}
  }
}
