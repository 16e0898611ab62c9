import {Args} from '@oclif/core'

import {ViolinCommand} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import {switchStatus} from '../../services/switch.js'

export default class SwitchStatus extends ViolinCommand {
  static override summary = "Show an environment's switch on each of its hosts: up, peers, learned MACs, packets."
  static override examples = ['<%= config.bin %> switch status lab', '<%= config.bin %> switch status lab --json']
  static override args = {env: Args.string({description: 'environment name', required: true})}
  static override flags = {...formatFlags}

  async run() {
    const {args, flags} = await this.parse(SwitchStatus)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {network, outcomes} = await switchStatus(session, args.env)
    const rows = outcomes.flatMap((o) => (o.ok ? [o.value] : []))
    for (const o of outcomes) if (!o.ok) this.warnHost(o.host, o.error)
    const payload = {env: args.env, vni: network.vni, dataplane: network.dataplane, hosts: rows}
    await this.render(flags.format, payload, rows, [
      {header: 'Host', get: (r) => r.host},
      {header: 'State', get: (r) => (r.up ? 'up' : 'down')},
      {header: 'Peers', get: (r) => r.peers.join(' ') || '-'},
      {header: 'MACs', get: (r) => r.macs, align: 'right'},
      {header: 'Rx packets', get: (r) => r.rxPackets, align: 'right'},
      {header: 'Tx packets', get: (r) => r.txPackets, align: 'right'},
      {header: 'Rx dropped', get: (r) => r.rxDropped, align: 'right'},
    ])
    this.exitForOutcomes(outcomes)
    return payload
  }
}
