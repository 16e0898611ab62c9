import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {stopSwitch} from '../../services/switch-service.js'

export default class SwitchStop extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Take an environment's Ethernet down on every host (its VMs lose their network)."
  static override description =
    'Removes the bridge and VXLAN device of the environment from every host of the inventory, wherever they are. The environment keeps its VNI for the next switch start. Exit 7 when some hosts failed.'
  static override examples = ['<%= config.bin %> switch stop lab']
  static override args = {env: Args.string({description: 'environment name', required: true})}

  async run() {
    const {args, flags} = await this.parse(SwitchStop)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {network, outcomes} = await stopSwitch(session, args.env)
    if (!network) this.note(`Environment ${args.env} has no switch.`)
    for (const o of outcomes) if (!o.ok) this.warnHost(o.host, o.error)
    if (network) this.note(`Stopped ${args.env}'s switch (VNI ${network.vni}) on ${outcomes.filter((o) => o.ok).length} host(s).`)
    this.exitForOutcomes(outcomes)
    return {
      env: args.env,
      vni: network?.vni ?? null,
      hosts: outcomes.map((o) => (o.ok ? {host: o.host, ok: true} : {host: o.host, ok: false, error: o.error.message})),
    }
  }
}
