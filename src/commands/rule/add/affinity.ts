import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../../base-command.js'
import {RULES_HONOURED, ruleAddFlags} from '../../../flags.js'
import {describeRule} from '../../../policy/rules.js'
import {addGroupRule, type RuleJson, ruleJson} from '../../../services/rules.js'

export default class RuleAddAffinity extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Keep VMs together: always on one host, moved together.'
  static override description =
    `The VMs are kept on one host and moved together, never one without the others. A VM is in one affinity rule at most, and VMs kept together cannot be kept apart too, nor pinned to different hosts or sites. ${RULES_HONOURED} Two VMs or more, each named once. Every mistake is refused with exit 2 and the inventory is left as it was.`
  static override examples = ['<%= config.bin %> rule add affinity app-db app1 db1', '<%= config.bin %> rule add affinity trio a1 a2 a3']
  static override strict = false
  static override args = {
    name: Args.string({description: "the rule's name (letters, digits, . _ -)", required: true}),
    vm: Args.string({description: 'the VMs, two or more', required: true}),
  }

  static override flags = {...ruleAddFlags}

  async run(): Promise<RuleJson[]> {
    const {args, argv, flags} = await this.parse(RuleAddAffinity)
    this.quiet = flags.quiet
    const rule = await addGroupRule({kind: 'affinity', name: args.name, vms: (argv as string[]).slice(1), force: flags.force})
    this.note(`Rule ${rule.name} added: ${describeRule(rule)}.`)
    return [ruleJson(rule)]
  }
}
