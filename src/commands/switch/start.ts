import {Args, Flags} from '@oclif/core'

import {ViolinCommand} from '../../base-command.js'
import {DATAPLANES} from '../../inventory/environment.js'
import {vmMtu} from '../../mesh/kernel.js'
import {startSwitch} from '../../services/switch.js'

export default class SwitchStart extends ViolinCommand {
  static override summary = "Start an environment's own Ethernet on every host that has one of its VMs."
  static override description = `The switches of an environment form a full mesh: each host's switch has every other host as a peer, so a frame crosses at most two switches. vxlan (the kernel data plane): per host a Linux bridge vbrVNI and a VXLAN device vxVNI (UDP 4789, learning on) with one flood entry per peer, configured over SSH with ip and bridge; no agent runs on the hosts. The underlay is each host's SSH address and the device that holds it. VMs attach to the bridge with MTU ${vmMtu()} (the underlay's 1500 less VXLAN's 50). The environment keeps its VNI (from 1000 up, one per environment). Run it again after VMs moved: new hosts join, hosts left are dropped. Exit 7 when some hosts failed.`
  static override examples = ['<%= config.bin %> switch start lab', '<%= config.bin %> switch start lab --json']
  static override args = {env: Args.string({description: 'environment name', required: true})}
  static override flags = {
    dataplane: Flags.option({options: DATAPLANES, summary: 'vxlan: the kernel bridge + VXLAN device (the userspace switch comes with the agent).', default: 'vxlan' as const})(),
  }

  async run() {
    const {args, flags} = await this.parse(SwitchStart)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {network, outcomes} = await startSwitch(session, args.env, flags.dataplane)
    for (const o of outcomes) {
      if (!o.ok) this.warnHost(o.host, o.error)
      else this.note(`${o.host}: ${o.value.bridge} on ${o.value.device} (${o.value.address}), ${o.value.created ? 'created' : 'already there'}; peers +${o.value.added.length} -${o.value.removed.length}`)
    }
    this.exitForOutcomes(outcomes)
    return {env: args.env, vni: network.vni, dataplane: network.dataplane, hosts: outcomes.map((o) => (o.ok ? {ok: true, ...o.value} : {ok: false, host: o.host, error: o.error.message}))}
  }
}
