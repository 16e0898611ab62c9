import * as Args from '@oclif/core/args'

import {EnvCommand} from '../../env-command.js'
import {environmentStatus} from '../../services/environment-status.js'
import {startVms} from '../../services/env-lifecycle.js'

export default class EnvStart extends EnvCommand {
  static override summary = 'Start the VMs of an environment that are shut off.'
  static override examples = ['<%= config.bin %> env start lab']
  static override args = {name: Args.string({description: 'environment name', required: true})}

  async run() {
    const {args, flags} = await this.parse(EnvStart)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    const off = (await environmentStatus(session, env)).filter((v) => v.state === 'shutoff')
    const outcomes = await startVms(session, off)
    const started = outcomes.filter((o) => !o.error).map((o) => o.vm)
    this.note(
      off.length === 0 ? `Every VM of ${env.name} is already running.` : `Started ${started.length} of ${off.length} VMs of ${env.name}.`,
    )
    this.exitForVms(outcomes)
    return {
      name: env.name,
      started,
      failed: outcomes.filter((o) => o.error).map((o) => ({vm: o.vm, host: o.host, error: o.error!.message})),
    }
  }
}
