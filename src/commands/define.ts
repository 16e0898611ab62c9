import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {defineVm} from '../services/vm-lifecycle.js'

export default class Define extends ViolinCommand {
  static override summary = "Define a VM from a file in its host's own format, like virsh define; it stays off."
  static override description =
    'libvirt hosts take domain XML (virsh define --file), xl hosts an xl.cfg, stored where violin keeps configs (/etc/xen/violin/VM.cfg) for violin start; simulated hosts a YAML mapping as in the cluster file (name, vcpus, memory, maxMemory, cpu), kept for that command only, since a simulated cluster file is never written. A VM of that name already on the host is redefined, as virsh does. The host is -H HOST, needed unless the inventory (or --connect target) has one host only. A missing or unreadable file exits 2.'
  static override examples = ['<%= config.bin %> define web1.xml -H east1', '<%= config.bin %> define web1.cfg -H xen1 --json']
  static override args = {file: Args.string({description: 'domain XML (libvirt), xl.cfg (xl) or YAML (sim) file', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Define)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await defineVm(session, args.file, {hosts: flags.host})
    this.note(`Defined ${result.vm} on ${result.host} from ${result.file} (${result.state}).`)
    return result
  }
}
