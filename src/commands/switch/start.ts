import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {vmShapeFlags} from '../../flags.js'
import {DATAPLANES} from '../../inventory/environment-record.js'
import {vmMtu} from '../../mesh/kernel.js'
import {startEnvironmentSwitch} from '../../services/switch-nics.js'
import {switchHostJson} from '../../render/json-rows.js'

export default class SwitchStart extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Start an environment's own Ethernet on every host that has one of its VMs."
  static override description =
    `The switches of an environment form a full mesh: each host's switch has every other host as a peer, so a frame crosses at most two switches. The underlay is each host's SSH address (a name is resolved here, to IPv4), which must be on one of the host's devices. The environment keeps its VNI (from 1000 up, one per environment).

vxlan (the kernel data plane): per host a Linux bridge vbrVNI and a VXLAN device vxVNI (UDP 4789, learning on) with one flood entry per peer, configured over SSH with ip and bridge; no agent runs on the hosts. VMs attach to the bridge with MTU ${vmMtu()} (the underlay's 1500 less VXLAN's 50), or 50 less than --underlay-mtu when every host's underlay device (and the path between them) carries more.

udp (the userspace data plane): each host's agent (violin agent, started over SSH with the host's --agent-command when it is not running) runs the environment's switch; VMs attach with libvirt UDP interfaces, one loopback port pair per VM (from 20000 up, the same on every host). The switches find each other through their control plane (UDP 4791, every message signed with the environment's key) and exchange frames in VXLAN format on UDP 4790; this waits until every host's switch has heard from every other. With --auth-data every data frame is signed too.

Run it again after VMs moved: new hosts join, hosts left are dropped. After switch stop, start may choose another data plane (the VNI stays): the VMs' NICs then move to it in their definitions, which needs the VMs shut off (a running NIC cannot change type); so does the first start of an environment created with --dataplane none. Exit 7 when some hosts failed.`
  static override examples = [
    '<%= config.bin %> switch start lab',
    '<%= config.bin %> switch start lab --dataplane udp',
    '<%= config.bin %> switch start lab --json',
  ]
  static override args = {env: Args.string({description: 'environment name', required: true})}
  static override flags = {
    dataplane: Flags.option({
      options: DATAPLANES,
      summary:
        "vxlan: the kernel's bridge + VXLAN device; udp: the hosts' agents (userspace switches). Default: the environment's own, else vxlan.",
    })(),
    'auth-data': Flags.boolean({summary: 'udp only: sign every data frame with the environment key (HMAC-SHA256, 16 bytes per frame).'}),
    'underlay-mtu': vmShapeFlags['underlay-mtu'],
  }

  async run() {
    const {args, flags} = await this.parse(SwitchStart)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const {network, outcomes, replugged} = await startEnvironmentSwitch(session, args.env, flags.dataplane, {
      ...(flags['auth-data'] ? {authData: true} : {}),
      ...(flags['underlay-mtu'] ? {underlayMtu: flags['underlay-mtu']} : {}),
    })
    for (const o of outcomes) {
      if (!o.ok) this.warnHost(o.host, o.error)
      else if (o.value.bridge)
        this.note(
          `${o.host}: ${o.value.bridge} on ${o.value.device} (${o.value.address}), ${o.value.created ? 'created' : 'already there'}; peers +${o.value.added.length} -${o.value.removed.length}`,
        )
      else
        this.note(
          `${o.host}: agent ${o.value.agentPid} at ${o.value.address}, switch ${o.value.created ? 'created' : 'already there'}; VM ports ${o.value.ports?.join(' ') || '-'}; peers +${o.value.added.length} -${o.value.removed.length}`,
        )
    }
    const moved = replugged.filter((r) => !r.error)
    if (moved.length > 0)
      this.note(`NICs of ${moved.map((r) => r.vm).join(', ')} now on the ${network.dataplane} data plane (from their next start).`)
    for (const r of replugged) if (r.error) this.warnHost(r.host, r.error)
    this.exitForOutcomes(outcomes)
    if (replugged.some((r) => r.error))
      this.exitForHosts(
        replugged.length,
        replugged.filter((r) => r.error).map((r) => r.error as {exitCode?: number}),
      )
    return {
      env: args.env,
      vni: network.vni,
      dataplane: network.dataplane,
      replugged: moved.map((r) => r.vm),
      hosts: outcomes.map((o) =>
        o.ok ? {ok: true, ...switchHostJson(o.value), error: null} : {ok: false, host: o.host, error: o.error.message},
      ),
    }
  }
}
