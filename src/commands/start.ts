import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {startVm} from '../services/vm-lifecycle.js'

export default class Start extends ViolinCommand {
  static override summary = 'Start a VM that is shut off, on the host it is defined on, like virsh start.'
  static override description =
    'An xl VM that is off is the config violin keeps for it (/etc/xen/violin/VM.cfg): xl create starts it from there.'
  static override examples = ['<%= config.bin %> start web1', '<%= config.bin %> start web1 -H east1 --json']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Start)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await startVm(session, args.vm, {hosts: flags.host})
    this.note(`Started ${result.vm} on ${result.host}: now ${result.state}.`)
    return result
  }
}
