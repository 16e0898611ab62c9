import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {dumpVmConfig} from '../services/vm-lifecycle.js'

export default class Dumpxml extends ViolinCommand {
  static override summary = "Print a VM's definition, like virsh dumpxml: libvirt XML; for xl the xl.cfg violin keeps."
  static override description =
    "What violin define takes back: libvirt's domain XML (virsh dumpxml), an xl VM's config from /etc/xen/violin/VM.cfg, a simulated VM as YAML. Printed as is, even under --quiet; --json wraps it as {vm, host, format, config}."
  static override examples = ['<%= config.bin %> dumpxml web1 > web1.xml', '<%= config.bin %> dumpxml web1 --json']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Dumpxml)
    const session = await this.openSession(flags)
    const result = await dumpVmConfig(session, args.vm, {hosts: flags.host})
    if (!this.jsonEnabled()) process.stdout.write(result.config.endsWith('\n') ? result.config : `${result.config}\n`)
    return result
  }
}
