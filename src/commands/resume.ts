import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {resumeVm} from '../services/vm-lifecycle.js'

export default class Resume extends ViolinCommand {
  static override summary = 'Resume a suspended VM, like virsh resume (xl unpause).'
  static override examples = ['<%= config.bin %> resume web1']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Resume)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await resumeVm(session, args.vm, {hosts: flags.host})
    this.note(`Resumed ${result.vm} on ${result.host}: now ${result.state}.`)
    return result
  }
}
