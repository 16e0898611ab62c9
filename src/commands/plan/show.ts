import * as Args from '@oclif/core/args'

import {loadPlan} from '../../adapt/plan-document.js'
import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {planJson, planLines} from '../../render/plan.js'
import {formatAge} from '../../services/plans.js'

export default class PlanShow extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Print a saved plan: its actions, their reasons, and the state they assumed.'
  static override description =
    'Reads the file violin plan --save wrote and prints it as violin plan did, with its age; nothing is asked of the hosts. With --json, the plan as saved. A file that is not a plan is refused with the line and key at fault (exit 3).'
  static override examples = ['<%= config.bin %> plan show /tmp/plan.json']
  static override args = {file: Args.string({description: 'a plan saved by violin plan --save', required: true})}

  async run() {
    const {args, flags} = await this.parse(PlanShow)
    this.quiet = flags.quiet
    const plan = loadPlan(args.file)
    if (!this.jsonEnabled()) {
      for (const line of planLines(plan)) this.log(line)
      for (const u of plan.unanswered) this.log(`not asked: ${u.host} did not answer (${u.error})`)
      this.note(
        `Made ${formatAge(Math.max(0, (Date.now() - plan.createdAtMs) / 1000))} ago; violin plan apply ${args.file} re-checks each action first.`,
      )
    }
    return planJson(plan)
  }
}
