import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import type {HostOutcome} from '../../services/fanout.js'
import {switchStatus} from '../../services/switch-service.js'
import type {SwitchStatus as HostSwitchStatus} from '../../services/switch-status.js'
import {switchStatusJson} from '../../render/json-rows.js'
import type {JsonValue} from '../../render/output.js'

interface EnvironmentSwitchStatus {
  env: string
  vni: number
  dataplane: string
  hosts: HostSwitchStatus[]
}

export default class SwitchStatus extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Show environments' switches on each of their hosts: up, peers, learned MACs, frames."
  static override description =
    'One row per environment and host: whether its switch is up, its peers (on the udp data plane with the seconds since each was last heard; a peer silent for 3.5 hellos is dropped), the MACs it has learned, and frames in, out and dropped. Without ENV, every environment that has a switch. --ports shows one row per port instead (each VM port and peer of the udp data plane). --json gives {env, vni, dataplane, hosts[]} for ENV, and {environments: [...]} of those without it. Exit 7 when some hosts could not be asked.'
  static override examples = [
    '<%= config.bin %> switch status',
    '<%= config.bin %> switch status lab --ports',
    '<%= config.bin %> switch status lab --json',
  ]
  static override args = {env: Args.string({description: 'environment name (default: every environment with a switch)'})}
  static override flags = {
    ...formatFlags,
    ports: Flags.boolean({summary: 'One row per port: frames and bytes in and out (udp data plane).'}),
  }

  async run() {
    const {args, flags} = await this.parse(SwitchStatus)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const names = args.env
      ? [args.env]
      : session
          .inventory!.environments()
          .filter((e) => e.network)
          .map((e) => e.name)
    const all: EnvironmentSwitchStatus[] = []
    const outcomes: HostOutcome<HostSwitchStatus>[] = []
    for (const name of names) {
      const r = await switchStatus(session, name)
      for (const o of r.outcomes) if (!o.ok) this.warnHost(o.host, o.error)
      outcomes.push(...r.outcomes)
      all.push({
        env: name,
        vni: r.network.vni,
        dataplane: r.network.dataplane,
        hosts: r.outcomes.flatMap((o) => (o.ok ? [switchStatusJson(o.value)] : [])),
      })
    }
    const payload = args.env ? all[0]! : {environments: all}
    const rows = all.flatMap((e) => e.hosts.map((h) => ({env: e.env, ...h})))
    if (rows.length === 0 && !args.env) this.note('No environment has a switch.')
    if (flags.ports) {
      const ports = rows.flatMap((r) => (r.ports ?? []).map((p) => ({env: r.env, host: r.host, ...p})))
      await this.render(
        flags.format,
        payload,
        ports,
        [
          {header: 'Env', get: (p) => p.env},
          {header: 'Host', get: (p) => p.host},
          {header: 'Port', get: (p) => p.port},
          {header: 'Kind', get: (p) => p.kind},
          {header: 'Frames in', get: (p) => p.framesIn, align: 'right'},
          {header: 'Frames out', get: (p) => p.framesOut, align: 'right'},
          {header: 'Bytes in', get: (p) => p.bytesIn, align: 'right'},
          {header: 'Bytes out', get: (p) => p.bytesOut, align: 'right'},
        ],
        (json) =>
          switchRows(json).flatMap((h) =>
            (Array.isArray(h.ports) ? h.ports : []).map((p) => ({
              env: h.env ?? null,
              host: h.host ?? null,
              ...(p as Record<string, JsonValue>),
            })),
          ),
      )
    } else {
      await this.render(
        flags.format,
        payload,
        rows,
        [
          {header: 'Env', get: (r) => r.env},
          {header: 'Host', get: (r) => r.host},
          {header: 'State', get: (r) => (r.up ? 'up' : 'down')},
          {
            header: 'Peers',
            get: (r) =>
              (r.members ? r.members.map((m) => `${m.address} (${(m.silentMs / 1000).toFixed(1)}s)`).join(' ') : r.peers.join(' ')) || '-',
          },
          {header: 'MACs', get: (r) => r.macs, align: 'right'},
          {header: 'Rx frames', get: (r) => r.rxPackets, align: 'right'},
          {header: 'Tx frames', get: (r) => r.txPackets, align: 'right'},
          {header: 'Dropped', get: (r) => r.rxDropped, align: 'right'},
        ],
        switchRows,
      )
    }
    this.exitForOutcomes(outcomes)
    return payload
  }
}

/** The CSV rows of switch status: one per host of each environment, with the environment's name. */
function switchRows(json: JsonValue): Array<Record<string, JsonValue>> {
  const obj = json as {environments?: JsonValue[]}
  const envs = (obj.environments ?? [json]) as Array<{env: JsonValue; hosts: JsonValue[]}>
  return envs.flatMap((e) => e.hosts.map((h) => ({env: e.env, ...(h as Record<string, JsonValue>)})))
}
