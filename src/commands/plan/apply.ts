import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {ActionOutcome} from '../../adapt/execute.js'
import type {Checked} from '../../adapt/plan-check.js'
import {loadPlan} from '../../adapt/plan-document.js'
import {ViolinCommand} from '../../base-command.js'
import {ExitCode, UsageError} from '../../errors.js'
import {MAX_COUNT, MAX_SECONDS} from '../../flags.js'
import {describe, subject} from '../../render/adapt-lines.js'
import {actionJson} from '../../render/json-rows.js'
import {refusalLine} from '../../render/plan.js'
import {SIGNAL_EXIT_CODE} from '../../services/signals.js'
import {parseDurationS} from '../../units.js'

const MAX_AGE_LIMIT_S = 30 * 86_400

export default class PlanApply extends ViolinCommand {
  static override summary =
    'Carry out a saved plan: each action re-checked against the hosts now; those whose premise no longer holds are refused.'
  static override description =
    `Reads the hosts once over --interval, then checks every action of the plan in its order, with the capacity of those accepted before it deducted: a migration is refused when its VM is no longer on the host the plan found it on (moved by hand, or stopped), when its destination is in maintenance, did not answer, or has no room left for it, or when a placement rule (violin rule) forbids it now; an environment's move is refused whole when one of its moves is; a balloon or share change is refused when the VM's memory or shares are not what the plan assumed. Each refusal is printed with its reason.

Then, on a terminal, it asks before acting; off a terminal it needs --yes (else exit 2, nothing done). The accepted actions run with the executor of violin adapt: --max-parallel at once (actions on one host keep the plan's order), each intent and outcome recorded in the store, the pass lock held (no adapt pass runs meanwhile). --dry-run checks and prints, and does nothing.

A plan older than --max-age is refused whole (exit 1). Exit 0 when every action of the plan was carried out; 1 when one was refused or failed (the others still ran); 7 when some hosts did not answer (actions on them are refused); 130 or 143 when a signal stopped it before every action started (the actions in flight finish).`
  static override examples = [
    '<%= config.bin %> plan apply /tmp/plan.json',
    '<%= config.bin %> plan apply /tmp/plan.json --yes --max-parallel 2',
    '<%= config.bin %> plan apply /tmp/plan.json --dry-run',
  ]
  static override args = {file: Args.string({description: 'a plan saved by violin plan --save', required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Apply without asking (needed off a terminal).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Check each action against the hosts now and print the verdicts; do nothing.'}),
    'max-parallel': Flags.integer({
      summary: "Actions at once (one host: in the plan's order).",
      default: 1,
      min: 1,
      max: MAX_COUNT,
      helpValue: 'N',
    }),
    'max-age': Flags.string({
      summary: 'Refuse a plan made longer ago than this (90s, 30m, 1h, 2d).',
      default: '1h',
      helpValue: 'DURATION',
    }),
    interval: Flags.integer({
      summary: 'Seconds to read the hosts over before checking.',
      default: 1,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(PlanApply)
    this.quiet = flags.quiet
    const maxAgeS = parseDurationS(flags['max-age'], 'max-age', MAX_AGE_LIMIT_S)
    if (!flags.yes && !flags['dry-run'] && !process.stdin.isTTY)
      throw new UsageError(
        'plan apply changes the hosts: off a terminal it needs --yes',
        `violin plan apply ${args.file} --yes (or --dry-run to only check)`,
      )
    const plan = loadPlan(args.file)
    const {applyPlan, checkAge} = await import('../../services/plans.js')
    checkAge(plan, Date.now(), maxAgeS)
    const session = await this.openSession(flags)
    if (session.inventory) session.select()
    const stop = this.stopOnSignals('the actions in flight')
    const progress = await this.progress(`reading ${session.hosts.length} host(s)`)
    const run = await applyPlan(session, plan, {
      intervalMs: flags.interval * 1000,
      maxParallel: flags['max-parallel'],
      signal: stop.signal,
      onChecked: (checked) => {
        progress.stop()
        this.report(checked, plan.actions)
      },
      confirm: async (checked) => (flags['dry-run'] ? false : flags.yes ? true : this.ask(checked)),
      onDone: (o) => this.outcome(o, plan.actions),
    }).finally(() => progress.stop())
    for (const u of run.unanswered) this.warnHost(u.host, new Error(u.error))
    const started = new Set(run.outcomes.map((o) => o.action))
    const failed = run.outcomes.some((o) => !o.ok) || run.checked.refused.length > 0
    if (stop.signal.aborted && run.checked.accepted.some((a) => !started.has(a))) process.exitCode = SIGNAL_EXIT_CODE[stop.by ?? 'SIGINT']
    else if (run.unanswered.length > 0)
      this.exitForHosts(
        session.hosts.length,
        run.unanswered.map(() => ({exitCode: ExitCode.unreachable})),
      )
    else if (failed) process.exitCode = ExitCode.failure
    if (!flags['dry-run'] && run.checked.accepted.length > 0 && run.outcomes.length === 0 && !stop.signal.aborted)
      this.note('Nothing done.')
    return {
      file: args.file,
      dryRun: flags['dry-run'] === true,
      accepted: run.checked.accepted.map((a) => ({index: plan.actions.indexOf(a) + 1, action: actionJson(a)})),
      refused: run.checked.refused.map((r) => ({index: plan.actions.indexOf(r.action) + 1, action: actionJson(r.action), why: r.why})),
      outcomes: run.outcomes.map((o) => ({index: plan.actions.indexOf(o.action) + 1, ok: o.ok, error: o.error, seconds: o.seconds})),
      unanswered: run.unanswered,
    }
  }

  private report(checked: Checked, actions: readonly unknown[]): void {
    if (this.jsonEnabled()) return
    for (const r of checked.refused) this.logToStderr(refusalLine(r, actions.indexOf(r.action)))
    const n = checked.accepted.length
    this.note(
      n === 0
        ? 'No action of the plan can be carried out.'
        : `${n} of ${actions.length} action${actions.length === 1 ? '' : 's'} still hold:`,
    )
    for (const a of checked.accepted) this.note(`  ${actions.indexOf(a) + 1}. ${describe(a)}`)
  }

  private async ask(checked: Checked): Promise<boolean> {
    const {createInterface} = await import('node:readline/promises')
    const rl = createInterface({input: process.stdin, output: process.stderr})
    try {
      const answer = await rl.question(`Carry out ${checked.accepted.length} action${checked.accepted.length === 1 ? '' : 's'}? [y/N] `)
      return /^y(es)?$/i.test(answer.trim())
    } finally {
      rl.close()
    }
  }

  private outcome(o: ActionOutcome, actions: readonly unknown[]): void {
    const n = actions.indexOf(o.action) + 1
    if (o.ok) this.note(`done: ${n}. ${subject(o.action)} (${o.seconds.toFixed(1)} s)`)
    else if (!this.jsonEnabled()) this.logToStderr(`failed: ${n}. ${subject(o.action)}: ${o.error}`)
  }
}
