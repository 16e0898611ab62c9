import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {undefineVm} from '../services/vm-lifecycle.js'

export default class Undefine extends ViolinCommand {
  static override summary = "Forget a VM's definition, like virsh undefine; it must be off."
  static override description =
    "A running or paused VM is refused (exit 2): virsh would leave it running as a transient domain that vanishes at its next power-off. Shut it down or destroy it first. Its disks are kept unless --remove-files, which removes the files violin made for it under /var/lib/violin (its private disk disks/VM.qcow2 and console log console/VM.log), never a shared read-only image (virsh's --remove-all-storage would delete those too)."
  static override examples = ['<%= config.bin %> undefine web1', '<%= config.bin %> undefine web1 --remove-files -H east1']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {
    ...vmHostFlag,
    'remove-files': Flags.boolean({summary: "Remove violin's own files of the VM too (private disk, console log)."}),
  }

  async run() {
    const {args, flags} = await this.parse(Undefine)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await undefineVm(session, args.vm, {hosts: flags.host}, {removeFiles: flags['remove-files']})
    this.note(`Undefined ${result.vm} on ${result.host}${result.removed.length > 0 ? `; removed ${result.removed.join(', ')}` : ''}.`)
    return result
  }
}
