import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../../base-command.js'
import {RULES_HONOURED, ruleAddFlags, ruleNameFlag} from '../../../flags.js'
import {describeRule} from '../../../policy/rules.js'
import {addPinRule, type RuleJson, ruleJson} from '../../../services/rules.js'

export default class RuleAddPin extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Pin a VM to a host or a site: it is only ever placed on, or moved to, that host or a host of that site.'
  static override description =
    `Give exactly one of --host and --site. The adaptation loop, vacate and env create alike put the VM nowhere else. A VM has one pin at most, and VMs an affinity rule keeps together cannot be pinned apart. ${RULES_HONOURED} The host must be in the inventory, the site that of one of its hosts. Every mistake is refused with exit 2 and the inventory is left as it was.`
  static override examples = [
    '<%= config.bin %> rule add pin db1 --host e1',
    '<%= config.bin %> rule add pin web-head --site east --name web-head-east',
  ]

  static override args = {vm: Args.string({description: 'the VM to pin', required: true})}
  static override flags = {
    host: Flags.string({summary: 'The one host the VM may run on.', helpValue: 'HOST'}),
    site: Flags.string({summary: 'The site whose hosts the VM may run on.', helpValue: 'SITE'}),
    name: ruleNameFlag('pin-VM'),
    ...ruleAddFlags,
  }

  async run(): Promise<RuleJson[]> {
    const {args, flags} = await this.parse(RuleAddPin)
    this.quiet = flags.quiet
    const rule = await addPinRule({vm: args.vm, host: flags.host, site: flags.site, name: flags.name, force: flags.force})
    this.note(`Rule ${rule.name} added: ${describeRule(rule)}.`)
    return [ruleJson(rule)]
  }
}
