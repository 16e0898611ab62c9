import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {DEFAULT_SHUTDOWN_TIMEOUT_SEC, shutdownVm} from '../services/vm-lifecycle.js'

export default class Shutdown extends ViolinCommand {
  static override summary = "Ask a VM's guest to power off (ACPI), like virsh shutdown."
  static override description =
    `Returns once asked, as virsh does (virsh shutdown has no --wait). With --wait, returns once the VM is off; if it still runs after --timeout seconds (default ${DEFAULT_SHUTDOWN_TIMEOUT_SEC}), exits 1 saying so: the guest ignored the request or is slow, and violin destroy powers it off at once.`
  static override examples = ['<%= config.bin %> shutdown web1', '<%= config.bin %> shutdown web1 --wait --timeout 120 --json']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {
    ...vmHostFlag,
    wait: Flags.boolean({summary: 'Wait until the VM is off.'}),
    timeout: Flags.integer({
      summary: `With --wait, give up after this many seconds (default ${DEFAULT_SHUTDOWN_TIMEOUT_SEC}).`,
      min: 1,
      helpValue: 'SECONDS',
      dependsOn: ['wait'],
    }),
  }

  async run() {
    const {args, flags} = await this.parse(Shutdown)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const progress = flags.wait ? await this.progress(`Waiting for ${args.vm} to power off...`) : undefined
    const result = await shutdownVm(session, args.vm, {hosts: flags.host}, {wait: flags.wait, timeoutSec: flags.timeout}).finally(() =>
      progress?.stop(),
    )
    this.note(
      flags.wait
        ? `${result.vm} on ${result.host} is off (${result.waited_sec} s).`
        : `Asked ${result.vm} on ${result.host} to shut down: now ${result.state}.`,
    )
    return result
  }
}
