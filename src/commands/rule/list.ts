import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags, RULES_HONOURED} from '../../flags.js'
import {describeRule, vmsOfRule} from '../../policy/rules.js'
import {listRules, type RuleJson, ruleJson, ruleWhere} from '../../services/rules.js'

export default class RuleList extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'List the placement rules of the inventory.'
  static override description = `Each rule with its kind, its VMs, where a pin puts its VM, and what it means. ${RULES_HONOURED}`
  static override examples = ['<%= config.bin %> rule list', '<%= config.bin %> rule list --json']
  static override flags = {...formatFlags}

  async run(): Promise<RuleJson[]> {
    const {flags} = await this.parse(RuleList)
    this.quiet = flags.quiet
    const rules = await listRules()
    if (rules.length === 0 && !this.jsonEnabled() && flags.format === 'table')
      this.note('No rules yet. Add one with: violin rule add anti-affinity NAME VM VM...')
    const payload = rules.map(ruleJson)
    await this.render(flags.format, payload, rules, [
      {header: 'Name', get: (r) => r.name},
      {header: 'Kind', get: (r) => r.kind},
      {header: 'VMs', get: (r) => vmsOfRule(r).join(' ')},
      {header: 'Where', get: (r) => ruleWhere(r)},
      {header: 'Rule', get: (r) => describeRule(r)},
    ])
    return payload
  }
}
