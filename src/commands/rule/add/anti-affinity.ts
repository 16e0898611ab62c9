import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../../base-command.js'
import {RULES_HONOURED, ruleAddFlags} from '../../../flags.js'
import {describeRule} from '../../../policy/rules.js'
import {addGroupRule, type RuleJson, ruleJson} from '../../../services/rules.js'

export default class RuleAddAntiAffinity extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Keep VMs apart: never two of them on one host.'
  static override description =
    `No placement and no move ever puts two of the VMs on one host (replicas that must not fail together). VMs an affinity rule keeps together cannot be kept apart too. ${RULES_HONOURED} Two VMs or more, each named once. Every mistake is refused with exit 2 and the inventory is left as it was.`
  static override examples = [
    '<%= config.bin %> rule add anti-affinity db-apart db1 db2',
    '<%= config.bin %> rule add anti-affinity web-apart web-1 web-2 web-3',
  ]
  static override strict = false
  static override args = {
    name: Args.string({description: "the rule's name (letters, digits, . _ -)", required: true}),
    vm: Args.string({description: 'the VMs, two or more', required: true}),
  }

  static override flags = {...ruleAddFlags}

  async run(): Promise<RuleJson[]> {
    const {args, argv, flags} = await this.parse(RuleAddAntiAffinity)
    this.quiet = flags.quiet
    const rule = await addGroupRule({kind: 'anti-affinity', name: args.name, vms: (argv as string[]).slice(1), force: flags.force})
    this.note(`Rule ${rule.name} added: ${describeRule(rule)}.`)
    return [ruleJson(rule)]
  }
}
