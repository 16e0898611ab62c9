import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {rebootVm} from '../services/vm-lifecycle.js'

export default class Reboot extends ViolinCommand {
  static override summary = "Ask a VM's guest to reboot, like virsh reboot."
  static override description =
    "A VM whose definition says on_reboot destroy (violin's own VMs, on libvirt and xl) would end, not reboot, so violin shuts it down (ACPI), waits up to 120 s for it to power off, and starts it again; the command returns once it is started. Any other VM gets virsh reboot / xl reboot, which returns once asked, as virsh does. A guest that ignores ACPI is an error (exit 1): destroy it, then start it."
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
