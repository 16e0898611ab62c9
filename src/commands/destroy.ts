import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {destroyVm} from '../services/vm-lifecycle.js'

export default class Destroy extends ViolinCommand {
  static override summary = 'Power a VM off at once, like virsh destroy: nothing is deleted.'
  static override description =
    'The guest gets no chance to shut down cleanly (pull the plug). Its definition, disks and files stay; start it again with violin start. To delete a VM, use violin undefine. A VM already off is not an error.'
  static override examples = ['<%= config.bin %> destroy web1', '<%= config.bin %> destroy web1 -H east1 --quiet']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Destroy)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await destroyVm(session, args.vm, {hosts: flags.host})
    this.note(`Powered off ${result.vm} on ${result.host}: now ${result.state}.`)
    return result
  }
}
