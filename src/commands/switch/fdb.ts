import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags, selectionFlags} from '../../flags.js'
import {switchFdb} from '../../services/switch-service.js'
import {csvRowsAt} from '../../render/output.js'

export default class SwitchFdb extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Show the MAC addresses an environment's switches have learned, and where each is."
  static override description =
    'A MAC is either on a VM port of that host (via: the bridge port) or behind a peer host (via: its underlay address).'
  static override examples = ['<%= config.bin %> switch fdb lab', '<%= config.bin %> switch fdb lab --host e1 --format csv']
  static override args = {env: Args.string({description: 'environment name', required: true})}
  static override flags = {host: selectionFlags.host, ...formatFlags}

  async run() {
    const {args, flags} = await this.parse(SwitchFdb)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const outcomes = await switchFdb(session, args.env, flags.host)
    const rows = outcomes.flatMap((o) => (o.ok ? o.value.map((e) => ({host: o.host, ...e, ageMs: e.ageMs})) : []))
    for (const o of outcomes) if (!o.ok) this.warnHost(o.host, o.error)
    await this.render(
      flags.format,
      {env: args.env, entries: rows},
      rows,
      [
        {header: 'Host', get: (r) => r.host},
        {header: 'MAC', get: (r) => r.mac},
        {header: 'Where', get: (r) => (r.local ? 'local' : 'peer')},
        {header: 'Via', get: (r) => r.via},
      ],
      csvRowsAt('entries'),
    )
    this.exitForOutcomes(outcomes)
    return {env: args.env, entries: rows}
  }
}
