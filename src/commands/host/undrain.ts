import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {setHostMaintenance} from '../../services/hosts.js'

export default class HostUndrain extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Take a host out of maintenance: it may take new VMs again.'
  static override description = 'Exit 0 also when it was not drained.'
  static override examples = ['<%= config.bin %> host undrain e1']
  static override args = {name: Args.string({description: 'host name', required: true})}

  async run() {
    const {args, flags} = await this.parse(HostUndrain)
    this.quiet = flags.quiet
    const changed = await setHostMaintenance(args.name, false)
    this.note(changed ? `Host ${args.name} is open again.` : `Host ${args.name} was already open.`)
    return {host: args.name, maintenance: false, changed}
  }
}
