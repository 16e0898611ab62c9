import {Args} from '@oclif/core'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {rebootVm} from '../services/vm-lifecycle.js'

export default class Reboot extends ViolinCommand {
  static override summary = "Ask a VM's guest to reboot, like virsh reboot."
  static override description =
    "Returns once asked, as virsh does. libvirt reboots violin's VMs (whose XML says on_reboot destroy) by its fake reboot: ACPI power-off, then reset. xl has no such thing: a VM with a config violin keeps is shut down (xl shutdown -w) and created again from it; other domains get xl reboot."
  static override examples = ['<%= config.bin %> reboot web1']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Reboot)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await rebootVm(session, args.vm, {hosts: flags.host})
    this.note(`Asked ${result.vm} on ${result.host} to reboot: now ${result.state}.`)
    return result
  }
}
