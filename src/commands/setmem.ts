import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {MAX_SECONDS, vmHostFlag} from '../flags.js'
import {setMemJson} from '../render/json-rows.js'
import {setVmMemory} from '../services/vms.js'
import {formatMiB, parseSizeMiB} from '../units.js'

export default class Setmem extends ViolinCommand {
  static override summary = "Change a VM's memory allocation (balloon), like virsh setmem."
  static override description =
    "SIZE takes virsh units: 512M, 768MiB, 2G, 2GiB (binary), 2GB (decimal); a bare number is MiB (virsh setmem: KiB). A size under what the guest uses (as its balloon reports it) or under 64 MiB is refused (exit 2) unless --force. With neither --live nor --config the running VM is changed (a shut-off VM: its config), as virsh --current does. A live change is then verified: the guest's balloon must move within --wait seconds; when it does not move at all (no balloon driver in the guest, although libvirt reported success) the exit status is 1. A balloon that moved only part of the way is a warning."
  static override examples = [
    '<%= config.bin %> setmem web1 768M',
    '<%= config.bin %> setmem web1 2GiB --live --config',
    '<%= config.bin %> setmem web1 1024    # 1 GiB: a bare number is MiB',
  ]
  static override args = {
    vm: Args.string({description: 'VM name', required: true}),
    size: Args.string({description: 'new allocation, e.g. 512M or 2GiB (a bare number is MiB)', required: true}),
  }

  static override flags = {
    ...vmHostFlag,
    live: Flags.boolean({summary: 'Change the running VM.'}),
    config: Flags.boolean({summary: 'Change the persistent config (next boot).'}),
    wait: Flags.integer({
      summary: "Watch the guest's balloon this many seconds after a live change (0: do not).",
      default: 15,
      min: 0,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
    force: Flags.boolean({summary: 'Go below what the guest uses, or below 64 MiB.'}),
  }

  async run() {
    const {args, flags} = await this.parse(Setmem)
    this.quiet = flags.quiet
    const mib = parseSizeMiB(args.size)
    const session = await this.openSession(flags)
    const result = await setVmMemory(
      session,
      args.vm,
      mib,
      {live: flags.live, config: flags.config, verifyMs: flags.wait * 1000, force: flags.force},
      {hosts: flags.host},
    )
    const where = [result.live && 'live', result.config && 'config'].filter(Boolean).join(' and ')
    this.note(`Memory of ${result.name} on ${result.host} set to ${formatMiB(result.memoryMiB)} (${where}).`)
    if (result.balloon === 'partial' && !this.jsonEnabled()) {
      this.logToStderr(
        `warning: the guest's balloon reached only ${formatMiB(result.balloonMiB!)} of ${formatMiB(result.memoryMiB)} in ${flags.wait} s`,
      )
    }
    return setMemJson(result)
  }
}
