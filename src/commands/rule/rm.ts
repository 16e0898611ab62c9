import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {type RuleJson, removeRules, ruleJson} from '../../services/rules.js'

export default class RuleRm extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Remove placement rules from the inventory.'
  static override description =
    'All or none: a name that is not a rule of the inventory removes nothing (exit 4). The VMs stay where they are; the next placements and moves are free of the rule.'
  static override examples = ['<%= config.bin %> rule rm db-apart', '<%= config.bin %> rule rm exclude-web-1 exclude-web-2']
  static override strict = false
  static override args = {name: Args.string({description: 'rule names (several may be given)', required: true})}

  async run(): Promise<RuleJson[]> {
    const {argv, flags} = await this.parse(RuleRm)
    this.quiet = flags.quiet
    const removed = await removeRules(argv as string[])
    for (const rule of removed) this.note(`Rule ${rule.name} removed.`)
    return removed.map(ruleJson)
  }
}
