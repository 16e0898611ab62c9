import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {UsageError} from '../../errors.js'
import {environmentStatus} from '../../services/environment-status.js'
import {destroyVms} from '../../services/env-lifecycle.js'

export default class EnvDestroy extends EnvCommand {
  static override summary = 'Power off every VM of an environment at once, like virsh destroy: nothing is deleted.'
  static override description =
    'The hard stop: each running or paused VM is powered off where it runs now, with no chance to shut down cleanly (env shutdown asks the guests). VMs, files, switch and record stay; env start brings them back. To delete the environment, use env undefine.'
  static override examples = ['<%= config.bin %> env destroy lab', '<%= config.bin %> env destroy lab --json']
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {
    // env destroy used to delete and took --yes; a script still passing it meant deletion.
    yes: Flags.boolean({char: 'y', hidden: true}),
  }

  async run() {
    const {args, flags} = await this.parse(EnvDestroy)
    this.quiet = flags.quiet
    if (flags.yes)
      throw new UsageError(
        'env destroy only powers VMs off now (as virsh destroy does) and asks nothing; deleting is env undefine',
        `violin env undefine ${args.name} --yes`,
      )
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    const on = (await environmentStatus(session, env)).filter(
      (v) => v.state === 'running' || v.state === 'paused' || v.state === 'idle' || v.state === 'unknown',
    )
    const outcomes = await destroyVms(session, on)
    const stopped = outcomes.filter((o) => !o.error).map((o) => o.vm)
    this.note(
      on.length === 0
        ? `No VM of ${env.name} is running.`
        : `Powered off ${stopped.length} of ${on.length} VMs of ${env.name}; nothing was deleted.`,
    )
    this.exitForVms(outcomes)
    return {
      name: env.name,
      destroyed: stopped,
      failed: outcomes.filter((o) => o.error).map((o) => ({vm: o.vm, host: o.host, error: o.error!.message})),
    }
  }
}
