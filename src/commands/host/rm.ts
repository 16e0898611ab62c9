import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {hostRecordJson} from '../../render/json-rows.js'
import {removeHost} from '../../services/hosts.js'

export default class HostRm extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Remove a host from the inventory (its VMs are not touched).'
  static override examples = ['<%= config.bin %> host rm e1']
  static override args = {name: Args.string({description: 'host name', required: true})}

  async run() {
    const {args, flags} = await this.parse(HostRm)
    this.quiet = flags.quiet
    const record = await removeHost(args.name)
    this.note(`Removed host ${record.name}.`)
    return hostRecordJson(record)
  }
}
