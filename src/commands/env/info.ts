import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import {envVmColumns, envVmJson} from '../../render/environment-table.js'
import {environmentStatus} from '../../services/environment-status.js'
import {csvRowsAt} from '../../render/output.js'

export default class EnvInfo extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Show the VMs of an environment: role, host, state, MAC, size.'
  static override description =
    "The hosts are asked where each VM runs (the hypervisor is the truth): a VM that moved is shown on its new host, one found nowhere is 'missing', one whose host did not answer is 'unknown'. --json is a stable contract: name, head_site, network (vni, dataplane, stopped, or null), vms[] with name, role (head|compute), host, site, state, mac, memory_mib, max_memory_mib, vcpus."
  static override examples = [
    '<%= config.bin %> env info lab',
    '<%= config.bin %> env info lab --json | jq -r \'.vms[] | select(.role=="compute") | .host\'',
  ]
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {...formatFlags}

  async run() {
    const {args, flags} = await this.parse(EnvInfo)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    const status = await environmentStatus(session, env)
    const payload = {
      name: env.name,
      head_site: env.headSite,
      created_at: env.createdAt,
      network: env.network ? {vni: env.network.vni, dataplane: env.network.dataplane, stopped: Boolean(env.network.stopped)} : null,
      vms: status.map(envVmJson),
    }
    const network = env.network
      ? `, ${env.network.dataplane} VNI ${env.network.vni}${env.network.stopped ? ' (stopped)' : ''}`
      : ', no switch'
    if (!this.jsonEnabled() && flags.format === 'table')
      this.log(`Environment ${env.name} (head site ${env.headSite}${network}, created ${env.createdAt})`)
    await this.render(flags.format, payload, status, envVmColumns, csvRowsAt('vms'))
    for (const vm of status) if (vm.error) this.warnHost(vm.host, new Error(vm.error))
    return payload
  }
}
