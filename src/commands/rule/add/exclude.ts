import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../../base-command.js'
import {RULES_HONOURED, ruleAddFlags, ruleNameFlag} from '../../../flags.js'
import {describeRule} from '../../../policy/rules.js'
import {addExcludeRules, type RuleJson, ruleJson} from '../../../services/rules.js'

export default class RuleAddExclude extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Exclude VMs from the adaptation loop: it never moves or resizes them.'
  static override description =
    `One rule per VM, named exclude-VM (--name only with one VM). The loop changes neither the VM's host nor its memory nor its CPU share, and violin vacate refuses to move it, naming the rule. ${RULES_HONOURED} Every mistake is refused with exit 2 and the inventory is left as it was.`
  static override examples = ['<%= config.bin %> rule add exclude db1', '<%= config.bin %> rule add exclude web-1 web-2']
  static override strict = false
  static override args = {vm: Args.string({description: 'VMs to exclude (several may be given)', required: true})}
  static override flags = {name: ruleNameFlag('exclude-VM, with one VM only'), ...ruleAddFlags}

  async run(): Promise<RuleJson[]> {
    const {argv, flags} = await this.parse(RuleAddExclude)
    this.quiet = flags.quiet
    const rules = await addExcludeRules({vms: argv as string[], name: flags.name, force: flags.force})
    for (const rule of rules) this.note(`Rule ${rule.name} added: ${describeRule(rule)}.`)
    return rules.map(ruleJson)
  }
}
