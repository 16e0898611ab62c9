import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {DOMAIN_TYPES, DRIVERS} from '../../inventory/host.js'
import {UsageError} from '../../errors.js'
import {hostRecordJson} from '../../render/json-rows.js'
import {addHost, MAX_CPU_OVERCOMMIT} from '../../services/hosts.js'

export default class HostAdd extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Register a host in the inventory.'
  static override description =
    "Cores, memory and the hypervisor version are discovered, not typed in: run violin host check after adding. Give exactly one of --ssh and --local. With --accept-new-host-key, host add connects once over SSH and records the host's key in known_hosts (OpenSSH's accept-new: a changed key is refused), so later commands need no flag; without it nothing is contacted. A mistake (an SSH target that is more than USER@ADDRESS[:PORT], a site that is not a name like a host's, --uri on an xl host, an --cpu-overcommit beyond 64) is refused with exit 2 and the inventory is left as it was."

  static override examples = [
    '<%= config.bin %> host add e1 --ssh root@10.0.0.11 --site east --driver libvirt',
    '<%= config.bin %> host add e4 --ssh root@10.0.0.14 --site east --driver libvirt --accept-new-host-key',
    '<%= config.bin %> host add x1 --ssh root@xen1:2222 --site west --driver xl --identity ~/.ssh/violin',
    '<%= config.bin %> host add lab --local --site lab --driver libvirt --uri test:///default',
    "<%= config.bin %> host add e2 --ssh root@10.0.0.12 --site east --driver libvirt --agent-command 'node /opt/violin/bin/run.js'",
    '<%= config.bin %> host add e3 --ssh root@10.0.0.13 --site east --driver libvirt --nic enp3s0',
  ]

  static override args = {name: Args.string({description: 'host name (letters, digits, . _ -)', required: true})}
  static override flags = {
    ssh: Flags.string({summary: 'Reach the host over SSH as USER@ADDR[:PORT].', exclusive: ['local']}),
    local: Flags.boolean({summary: 'The host is this machine (no SSH).', exclusive: ['ssh']}),
    site: Flags.string({summary: 'The site (cluster, administrative domain) the host belongs to.', required: true}),
    driver: Flags.option({options: DRIVERS, summary: 'Hypervisor driver.', required: true})(),
    uri: Flags.string({summary: 'libvirt URI on the host (default qemu:///system); for sim, the cluster file.'}),
    identity: Flags.string({char: 'i', summary: 'SSH private key file (default: ssh-agent, then ~/.ssh/id_*).'}),
    'domain-type': Flags.option({
      options: DOMAIN_TYPES,
      summary: 'libvirt domain type for VMs violin defines here (default: kvm when the host offers it, else qemu).',
    })(),
    'cpu-overcommit': Flags.string({
      summary: `vCPUs that placement may put on this host per core, at most ${MAX_CPU_OVERCOMMIT} (default 1: no overcommit).`,
      helpValue: 'RATIO',
    }),
    'agent-command': Flags.string({
      summary: 'How to run violin on the host, to start its agent (default: violin), split at spaces.',
      helpValue: 'COMMAND',
      parse: async (input) => {
        if (!input.trim()) throw new UsageError('--agent-command must not be empty')
        return input
      },
    }),
    'agent-dir': Flags.string({
      summary: "The agent's directory on the host (default /var/lib/violin/agent).",
      helpValue: 'DIR',
      parse: async (input) => {
        if (!input.startsWith('/')) throw new UsageError(`--agent-dir must be an absolute path, not "${input}"`)
        return input
      },
    }),
    'agent-store': Flags.boolean({
      summary: "Take the host's usage from its agent's samples in the shared store (violin agent --store), not by polling it over SSH.",
      description:
        'violin agent start -H NAME starts such an agent and sets this mark. A marked host whose agent has not written for three intervals is reported unreachable. Needs an etcd store (VIOLIN_STORE).',
    }),
    nic: Flags.string({
      summary: "The NIC whose traffic is the host's network load (default: the device of the default route).",
      description:
        'Name the physical NIC when the default route is on a bridge: a bridge counts only the traffic of the host itself, not that of the VMs it forwards.',
      helpValue: 'DEV',
    }),
    force: Flags.boolean({summary: 'Replace a host of the same name.'}),
  }

  async run() {
    const {args, flags} = await this.parse(HostAdd)
    this.quiet = flags.quiet
    const overcommit = flags['cpu-overcommit']
    // A plain decimal: 1e99 or 0x10 are typos here, and the service bounds the value.
    if (overcommit !== undefined && !/^\d+(\.\d+)?$/.test(overcommit)) {
      throw new UsageError(
        `--cpu-overcommit takes vCPUs per core, more than 0 and at most ${MAX_CPU_OVERCOMMIT} (like 1.5 or 4), not ${JSON.stringify(overcommit)}`,
      )
    }
    const record = await addHost({
      name: args.name,
      ssh: flags.ssh,
      local: flags.local,
      site: flags.site,
      driver: flags.driver,
      uri: flags.uri,
      identity: flags.identity,
      domainType: flags['domain-type'],
      cpuOvercommit: overcommit === undefined ? undefined : Number(overcommit),
      agentCommand: flags['agent-command']?.trim().split(/\s+/),
      agentDir: flags['agent-dir'],
      agentStore: flags['agent-store'],
      nic: flags.nic,
      force: flags.force,
      acceptNewHostKey: flags['accept-new-host-key'],
    })
    if (flags['accept-new-host-key']) this.note(`Recorded the SSH host key of ${record.name} in known_hosts.`)
    this.note(`Added host ${record.name} (site ${record.site}, ${record.driver}). Check it with: violin host check ${record.name}`)
    return hostRecordJson(record)
  }
}
