import * as Args from '@oclif/core/args'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {setHostMaintenance} from '../../services/hosts.js'

export default class HostDrain extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Put a host in maintenance: placement and the adaptation loop put nothing new there.'
  static override description =
    'Its VMs stay where they are (move them off with violin migrate or env migrate). env create and violin adapt never choose it as a destination until violin host undrain. Exit 0 also when it was already drained.'
  static override examples = ['<%= config.bin %> host drain e1']
  static override args = {name: Args.string({description: 'host name', required: true})}

  async run() {
    const {args, flags} = await this.parse(HostDrain)
    this.quiet = flags.quiet
    const changed = await setHostMaintenance(args.name, true)
    this.note(changed ? `Host ${args.name} is in maintenance.` : `Host ${args.name} was already in maintenance.`)
    return {host: args.name, maintenance: true, changed}
  }
}
