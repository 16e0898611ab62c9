import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import {environmentStatus} from '../../services/environment-status.js'
import {csvRowsAt} from '../../render/output.js'

export default class EnvList extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'List the environments of the inventory, with how many of their VMs run.'
  static override description = 'With --no-status the hosts are not asked: only what the inventory records is shown.'
  static override examples = ['<%= config.bin %> env list', '<%= config.bin %> env list --no-status --format csv']
  static override flags = {
    ...formatFlags,
    status: Flags.boolean({summary: 'Ask the hosts how many VMs run.', default: true, allowNo: true}),
  }

  async run() {
    const {flags} = await this.parse(EnvList)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const envs = session.inventory?.environments() ?? []
    const rows = await Promise.all(
      envs.map(async (env) => {
        const status = flags.status ? await environmentStatus(session, env) : undefined
        const vms = status ?? env.vms
        return {
          name: env.name,
          head_site: env.headSite,
          head: env.vms.find((v) => v.role === 'head')?.name,
          vms: env.vms.length,
          running: status ? status.filter((v) => v.state === 'running').length : null,
          hosts: [...new Set(vms.map((v) => v.host))].sort(),
        }
      }),
    )
    await this.render(
      flags.format,
      {environments: rows},
      rows,
      [
        {header: 'Name', get: (r) => r.name},
        {header: 'VMs', get: (r) => r.vms, align: 'right'},
        {header: 'Running', get: (r) => r.running ?? undefined, align: 'right'},
        {header: 'Head node', get: (r) => r.head},
        {header: 'Head site', get: (r) => r.head_site},
        {header: 'Hosts', get: (r) => r.hosts.join(' ')},
      ],
      csvRowsAt('environments'),
    )
    return {environments: rows}
  }
}
