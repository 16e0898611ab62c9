import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {setVmAutostart} from '../services/vm-lifecycle.js'

export default class Autostart extends ViolinCommand {
  static override summary = 'Start a VM when its host boots, like virsh autostart; --disable stops that.'
  static override description =
    "libvirt: virsh autostart [--disable]. xl: a link to the VM's config in /etc/xen/auto, which the xendomains service starts at boot (its convention); --disable removes the link. violin dominfo shows the setting on libvirt."
  static override examples = ['<%= config.bin %> autostart web1', '<%= config.bin %> autostart web1 --disable --json']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag, disable: Flags.boolean({summary: 'Do not start it at boot.'})}

  async run() {
    const {args, flags} = await this.parse(Autostart)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await setVmAutostart(session, args.vm, {hosts: flags.host}, !flags.disable)
    this.note(`${result.vm} on ${result.host} ${result.autostart ? 'starts' : 'no longer starts'} when the host boots.`)
    return result
  }
}
