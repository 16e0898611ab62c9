import {existsSync, readFileSync} from 'node:fs'

import * as Flags from '@oclif/core/flags'

import {resolvePolicyOptions} from '../../adapt/policy-settings.js'
import {ViolinCommand} from '../../base-command.js'
import {readPlan} from '../../adapt/plan-document.js'
import {UsageError} from '../../errors.js'
import {writeOutputFile} from '../../files.js'
import {MAX_SECONDS, policyFlags} from '../../flags.js'
import {POLICY_NAMES} from '../../policy/policies.js'
import {planJson, planLines} from '../../render/plan.js'

const DEFAULT_INTERVAL_S = 10

export default class Plan extends ViolinCommand {
  static override summary = 'Plan one adaptation pass without acting: review it, save it, apply it later.'
  static override description =
    `Measures every host over --interval and plans as one pass of violin adapt would (the same policies, thresholds, guards and placement rules), then prints each action with its figures, its whole reason and the state it assumed (each involved host's CPU demand, free memory and VMs). Nothing changes: no action, no intent, no history written.

--save FILE writes the plan as JSON (what --json prints; over a plan saved before, never over another file): violin plan show FILE prints it again, violin plan apply FILE re-checks each action against the hosts then and carries out those whose premises still hold. Thresholds and guards: the flags, else "policy" in $VIOLIN_HOME/config.json, else the defaults (see violin adapt).

Exit 7 when some hosts did not answer (the plan is made without them and says so); 5 when none did.`
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --policy idc --save /tmp/plan.json',
    '<%= config.bin %> plan --connect sim:examples/two-sites.yaml --max-migrations 4',
  ]
  static override flags = {
    policy: Flags.option({options: POLICY_NAMES, summary: 'The adaptation policy.', default: 'violin'})(),
    interval: Flags.integer({
      summary: `Seconds to measure the hosts over [default: ${DEFAULT_INTERVAL_S}; on a scenario, its interval_s].`,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
    save: Flags.string({summary: 'Write the plan to this file (JSON), for plan show and plan apply.', helpValue: 'FILE'}),
    ...policyFlags,
  }

  async run() {
    const {flags} = await this.parse(Plan)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    if (session.inventory) session.select()
    if (flags.save) refuseToOverwrite(flags.save)
    const world = session.scenario
    const policyOptions = resolvePolicyOptions(flags, world?.scenario.policyOptions)
    const {makePlan} = await import('../../services/plans.js')
    const stop = this.stopOnSignals('measuring')
    const progress = await this.progress(`measuring ${session.hosts.length} host(s)`)
    const plan = await makePlan(
      session,
      {policy: flags.policy, intervalMs: (flags.interval ?? world?.scenario.intervalS ?? DEFAULT_INTERVAL_S) * 1000, policyOptions},
      stop.signal,
    ).finally(() => progress.stop())
    const json = planJson(plan)
    if (flags.save) await writeOutputFile('--save', flags.save, `${JSON.stringify(json, null, 1)}\n`)
    if (!this.jsonEnabled()) {
      for (const line of planLines(plan)) this.log(line)
      if (flags.save)
        this.note(`Saved to ${flags.save}: review it with violin plan show ${flags.save}, apply it with violin plan apply ${flags.save}`)
    }
    for (const u of plan.unanswered) this.warnHost(u.host, new Error(u.error))
    this.exitForHosts(
      session.hosts.length,
      plan.unanswered.map(() => ({exitCode: 5})),
    )
    return json
  }
}

/** --save writes over a plan saved before, never over another file (a mistyped path must not cost a file). */
function refuseToOverwrite(file: string): void {
  if (!existsSync(file)) return
  try {
    readPlan(file, readFileSync(file, 'utf8'))
  } catch {
    throw new UsageError(`--save: ${file} exists and is not a plan violin saved; violin will not write over it`, 'name another file')
  }
}
