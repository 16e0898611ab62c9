import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {formatFlags} from '../../flags.js'
import type {HostRecord} from '../../inventory/host.js'
import {Inventory} from '../../inventory/inventory.js'
import {hostRecordJson} from '../../render/json-rows.js'
import {formatSshTarget} from '../../transport/ssh.js'
import {formatMiB} from '../../units.js'

export default class HostList extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'List the hosts of the inventory.'
  static override examples = ['<%= config.bin %> host list', '<%= config.bin %> host list --format csv']
  static override flags = {...formatFlags}

  async run(): Promise<HostRecord[]> {
    const {flags} = await this.parse(HostList)
    this.quiet = flags.quiet
    const hosts = (await Inventory.open()).hosts()
    if (hosts.length === 0 && !this.jsonEnabled() && flags.format === 'table') {
      this.note('No hosts yet. Add one with: violin host add NAME --ssh USER@ADDR --site SITE --driver libvirt')
    }
    const payload = hosts.map(hostRecordJson)
    await this.render(flags.format, payload, hosts, [
      {header: 'Name', get: (h) => h.name},
      {header: 'Site', get: (h) => h.site},
      {header: 'Target', get: (h) => (h.transport.kind === 'local' ? 'local' : formatSshTarget(h.transport))},
      {header: 'Driver', get: (h) => h.driver},
      {header: 'State', get: (h) => (h.maintenance ? 'drained' : 'open')},
      {header: 'URI', get: (h) => h.uri},
      {header: 'Cores', get: (h) => h.discovered?.cores, align: 'right'},
      {header: 'Memory', get: (h) => (h.discovered ? formatMiB(h.discovered.memoryMiB) : undefined), align: 'right'},
      {
        header: 'Hypervisor',
        get: (h) => (h.discovered ? `${h.discovered.hypervisor} ${h.discovered.hypervisorVersion ?? ''}`.trim() : undefined),
      },
    ])
    return payload
  }
}
