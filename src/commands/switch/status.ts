import {Args, Flags} from '@oclif/core'

import {ViolinCommand} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import {switchStatus} from '../../services/switch.js'

export default class SwitchStatus extends ViolinCommand {
  static override summary = "Show an environment's switch on each of its hosts: up, peers, learned MACs, packets."
  static override description = 'One row per host: whether its switch is up, its peers (on the udp data plane with the seconds since each was last heard; a peer silent for 3.5 hellos is dropped), the MACs it has learned, and frames in, out and dropped. --ports shows one row per port instead (each VM port and peer of the udp data plane). Exit 7 when some hosts could not be asked.'
  static override examples = ['<%= config.bin %> switch status lab', '<%= config.bin %> switch status lab --ports', '<%= config.bin %> switch status lab --json']
  static override args = {env: Args.string({description: 'environment name', required: true})}
  static override flags = {...formatFlags, ports: Flags.boolean({summary: 'One row per port: frames and bytes in and out (udp data plane).'})}

  async run() {
    const {args, flags} = await this.parse(SwitchStatus)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {network, outcomes} = await switchStatus(session, args.env)
    const rows = outcomes.flatMap((o) => (o.ok ? [o.value] : []))
    for (const o of outcomes) if (!o.ok) this.warnHost(o.host, o.error)
    const payload = {env: args.env, vni: network.vni, dataplane: network.dataplane, hosts: rows}
    if (flags.ports) {
      const ports = rows.flatMap((r) => (r.ports ?? []).map((p) => ({host: r.host, ...p})))
      await this.render(flags.format, payload, ports, [
        {header: 'Host', get: (p) => p.host},
        {header: 'Port', get: (p) => p.port},
        {header: 'Kind', get: (p) => p.kind},
        {header: 'Frames in', get: (p) => p.framesIn, align: 'right'},
        {header: 'Frames out', get: (p) => p.framesOut, align: 'right'},
        {header: 'Bytes in', get: (p) => p.bytesIn, align: 'right'},
        {header: 'Bytes out', get: (p) => p.bytesOut, align: 'right'},
      ])
    } else {
      await this.render(flags.format, payload, rows, [
        {header: 'Host', get: (r) => r.host},
        {header: 'State', get: (r) => (r.up ? 'up' : 'down')},
        {header: 'Peers', get: (r) => (r.members ? r.members.map((m) => `${m.address} (${(m.silentMs / 1000).toFixed(1)}s)`).join(' ') : r.peers.join(' ')) || '-'},
        {header: 'MACs', get: (r) => r.macs, align: 'right'},
        {header: 'Rx packets', get: (r) => r.rxPackets, align: 'right'},
        {header: 'Tx packets', get: (r) => r.txPackets, align: 'right'},
        {header: 'Rx dropped', get: (r) => r.rxDropped, align: 'right'},
      ])
    }
    this.exitForOutcomes(outcomes)
    return payload
  }
}
