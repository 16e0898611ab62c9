import {Args, Flags} from '@oclif/core'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {setVmMemory} from '../services/vms.js'
import {formatMiB, parseSizeMiB} from '../units.js'

export default class Setmem extends ViolinCommand {
  static override summary = "Change a VM's memory allocation (balloon), like virsh setmem."
  static override description =
    'SIZE takes virsh units: 512M, 768MiB, 2G, 2GiB (binary), 2GB (decimal); a bare number is KiB. With neither --live nor --config the running VM is changed (a shut-off VM: its config), as virsh --current does.'
  static override examples = ['<%= config.bin %> setmem web1 768M', '<%= config.bin %> setmem web1 2GiB --live --config']
  static override args = {
    vm: Args.string({description: 'VM name', required: true}),
    size: Args.string({description: 'new allocation, e.g. 512M or 2GiB', required: true}),
  }

  static override flags = {
    ...vmHostFlag,
    live: Flags.boolean({summary: 'Change the running VM.'}),
    config: Flags.boolean({summary: 'Change the persistent config (next boot).'}),
  }

  async run() {
    const {args, flags} = await this.parse(Setmem)
    this.quiet = flags.quiet
    const mib = parseSizeMiB(args.size)
    const session = await this.openSession(flags)
    const result = await setVmMemory(session, args.vm, mib, {live: flags.live, config: flags.config}, {hosts: flags.host})
    const where = [result.live && 'live', result.config && 'config'].filter(Boolean).join(' and ')
    this.note(`Memory of ${result.name} on ${result.host} set to ${formatMiB(result.memoryMiB)} (${where}).`)
    return result
  }
}
