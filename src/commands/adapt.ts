import {Flags} from '@oclif/core'

import type {ActionOutcome} from '../adapt/execute.js'
import type {PassResult} from '../adapt/pass.js'
import {ViolinCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import type {History} from '../monitor/history.js'
import type {Samples} from '../monitor/poll.js'
import {POLICY_NAMES} from '../policy/policies.js'
import {type Action, DEFAULT_POLICY_OPTIONS} from '../policy/view.js'
import {realClock} from '../services/session.js'

/** Real time between two passes on a simulated cluster (its own clock runs ahead at once). */
const SIM_PASS_PAUSE_MS = 250

function describe(a: Action): string {
  switch (a.kind) {
    case 'set-shares':
      return `set-shares ${a.vm} on ${a.host}: ${a.from} -> ${a.to}`
    case 'set-memory':
      return `set-memory ${a.vm} on ${a.host}: ${a.fromMiB} -> ${a.toMiB} MiB`
    case 'migrate':
      return `migrate ${a.vm}: ${a.from} -> ${a.to}`
    case 'migrate-environment':
      return `migrate-environment ${a.environment}: ${a.fromSite} -> ${a.toSite} (${a.moves.map((m) => `${m.vm} ${m.from}->${m.to}`).join(', ')})`
  }
}

export default class Adapt extends ViolinCommand {
  static override summary = 'Watch every host and adapt: grow shares and memory where a host can, migrate where it cannot.'
  static override description = `Each pass polls every host over --interval, folds the reading into the history (state dir, history.json: each VM's weighted CPU demand, each host's last samples and AR(1) predictions), plans with the policy and carries the plan out: CPU shares and balloons first, then live migrations (the environment's switch is started on the destination first), then whole environments to another site.

Policies: violin (seeds 000/002: high-demand VMs per core, moves that even out the site), idc and sandpiper when built, none (report only). Guards: --max-migrations per pass, a cooldown per VM, a hold time, hosts in maintenance or in a migration never chosen, the head node never leaves its site.

In the foreground (the default) it prints one line per decision and runs until SIGINT or SIGTERM: the action in flight finishes, the history is written, exit 0; a second signal exits at once (130). --once runs one pass, for cron: silent on success. One pass at a time per state directory: a second one exits 8 naming the holder's PID. With --connect (a sim file, one libvirt URI) the history stays in memory and no lock is taken. Exit 1 when an action failed (the others still ran), 7 when some hosts did not answer.`
  static override examples = [
    '<%= config.bin %> adapt --once --dry-run --connect sim:examples/two-sites.yaml',
    '<%= config.bin %> adapt --policy violin --interval 10',
    '*/5 * * * * violin adapt --once --quiet   # from cron',
  ]
  static override flags = {
    policy: Flags.option({options: POLICY_NAMES, summary: 'The adaptation policy.', default: 'violin'})(),
    interval: Flags.integer({summary: 'Seconds each pass measures over.', default: 10, min: 1, helpValue: 'SECONDS'}),
    once: Flags.boolean({summary: 'One pass, then exit (for cron; silent on success).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Plan and print; change nothing.'}),
    'max-migrations': Flags.integer({summary: 'At most this many migrations per pass (an environment move counts once).', default: DEFAULT_POLICY_OPTIONS.maxMigrations, min: 0, helpValue: 'N'}),
  }

  async run(): Promise<PassResult | PassResult[]> {
    const {flags} = await this.parse(Adapt)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {lockPass} = await import('../adapt/lock.js')
    const {adaptationPass} = await import('../adapt/pass.js')
    const {History} = await import('../monitor/history.js')
    // A --connect target (a sim file, one libvirt URI) is not the inventory's cluster: its
    // history stays in memory, and it takes no part in the inventory's pass lock.
    const release = session.inventory ? await lockPass() : async () => {}
    const history: History = session.inventory ? await History.load() : new History()
    const options = {policy: flags.policy, dryRun: flags['dry-run'], intervalMs: flags.interval * 1000, policyOptions: {...DEFAULT_POLICY_OPTIONS, maxMigrations: flags['max-migrations']}}
    const stop = new AbortController()
    let signals = 0
    const onSignal = (): void => {
      if (++signals > 1) process.exit(130)
      stop.abort()
      if (!this.jsonEnabled()) this.logToStderr('stopping after the action in flight (again to force)')
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const passes: PassResult[] = []
    const verbose = !flags.once || flags['dry-run']
    try {
      let previous: Samples | undefined
      do {
        const pass = await adaptationPass(session, history, options, {previous, signal: stop.signal, onDone: (o) => this.outcome(o, verbose)}).catch((error: Error) => {
          if (stop.signal.aborted && error.name === 'AbortError') return undefined
          throw error
        })
        if (!pass) break
        // After actions the last samples describe a cluster that no longer exists: measure afresh.
        previous = pass.result.outcomes.length > 0 ? undefined : pass.samples
        passes.push(pass.result)
        this.show(pass.result, verbose)
        if (session.inventory) await history.save().catch((error: Error) => this.logToStderr(`warning: history not saved: ${error.message}`))
        // A simulated cluster's clock does not wait: without a real pause the loop would never
        // let the event loop run, and SIGINT/SIGTERM would never be handled.
        if (!flags.once) await realClock.sleep(session.hosts.every((h) => h.driver === 'sim') ? SIM_PASS_PAUSE_MS : 0, stop.signal).catch(() => undefined)
      } while (!flags.once && !stop.signal.aborted)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await release()
    }
    const last = passes.at(-1)
    if (last) {
      if (last.outcomes.some((o) => !o.ok)) process.exitCode = ExitCode.failure
      else this.exitForHosts(session.hosts.length, last.unanswered)
    }
    return flags.once ? passes[0]! : passes
  }

  private outcome(o: ActionOutcome, verbose: boolean): void {
    if (this.jsonEnabled()) return
    if (!o.ok) this.logToStderr(`failed: ${describe(o.action)}: ${o.error}`)
    else if (verbose && !this.quiet) this.log(`done: ${describe(o.action)} (${o.seconds.toFixed(1)} s)`)
  }

  private show(r: PassResult, verbose: boolean): void {
    if (this.jsonEnabled()) return
    for (const u of r.unanswered) this.warnHost(u.host, new Error(u.error))
    if (!verbose || this.quiet) return
    const when = new Date(r.timeMs).toISOString()
    if (r.plan.actions.length === 0) this.log(`${when} ${r.policy}: nothing to do`)
    for (const a of r.plan.actions) this.log(`${when} ${r.policy}${r.dryRun ? ' (dry run)' : ''}: ${describe(a)} — ${a.reason}`)
    for (const n of r.plan.notes) this.log(`${when} ${r.policy}: note: ${n}`)
  }
}
