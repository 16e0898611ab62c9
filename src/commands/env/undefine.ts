import {createInterface} from 'node:readline/promises'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {UsageError, ViolinError} from '../../errors.js'
import {environmentStatus} from '../../services/environment-status.js'
import {destroyEnvironment} from '../../services/env-lifecycle.js'

export default class EnvUndefine extends EnvCommand {
  static override summary = 'Delete an environment: power off and undefine every VM, remove its files, its switch and its record.'
  static override description =
    "What virsh undefine is to one VM, with its files (undefine --remove-files). Each VM is powered off where it runs now (env destroy only does that), undefined, and its files under /var/lib/violin (console log, private disk) removed. Shared read-only images are left alone. Asks for the environment's name on a terminal; elsewhere --yes is required (exit 2 without it). If some VM cannot be removed, the environment stays in the inventory so the command can be run again."
  static override examples = ['<%= config.bin %> env undefine lab', '<%= config.bin %> env undefine lab --yes --quiet']
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'})}

  async run() {
    const {args, flags} = await this.parse(EnvUndefine)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stderr.isTTY)
        throw new UsageError(`undefining "${env.name}" deletes its ${env.vms.length} VMs and their files`, `add --yes to confirm`)
      const status = await environmentStatus(session, env)
      const rl = createInterface({input: process.stdin, output: process.stderr})
      const answer = await rl
        .question(
          `Delete ${env.name}: ${status.map((v) => `${v.name} (${v.state} on ${v.host})`).join(', ')}?\nType the environment name to confirm: `,
        )
        .finally(() => rl.close())
      if (answer.trim() !== env.name) throw new ViolinError('not confirmed; nothing was deleted')
    }
    const outcomes = await destroyEnvironment(session, env)
    const removed = outcomes.filter((o) => !o.error).map((o) => o.vm)
    this.exitForVms(outcomes)
    if (removed.length === outcomes.length) this.note(`Deleted environment ${env.name} (${removed.length} VMs).`)
    else if (!this.jsonEnabled())
      this.logToStderr(`Environment ${env.name} is kept in the inventory: run env undefine again once the hosts answer.`)
    return {
      name: env.name,
      removed,
      failed: outcomes.filter((o) => o.error).map((o) => ({vm: o.vm, host: o.host, error: o.error!.message})),
    }
  }
}
