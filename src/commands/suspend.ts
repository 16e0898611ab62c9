import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {suspendVm} from '../services/vm-lifecycle.js'

export default class Suspend extends ViolinCommand {
  static override summary = "Pause a VM's vCPUs, keeping its memory, like virsh suspend (xl pause)."
  static override description = 'The VM stays in memory and on its host, paused, until violin resume.'
  static override examples = ['<%= config.bin %> suspend web1']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Suspend)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await suspendVm(session, args.vm, {hosts: flags.host})
    this.note(`Suspended ${result.vm} on ${result.host}: now ${result.state}.`)
    return result
  }
}
