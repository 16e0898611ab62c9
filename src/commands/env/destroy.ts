import {createInterface} from 'node:readline/promises'

import {Args, Flags} from '@oclif/core'

import {EnvCommand} from '../../env-command.js'
import {UsageError, ViolinError} from '../../errors.js'
import {destroyEnvironment, environmentStatus} from '../../services/environments.js'

export default class EnvDestroy extends EnvCommand {
  static override summary = 'Power off and delete every VM of an environment, its files, and its record.'
  static override description =
    "Each VM is destroyed where it runs now, undefined, and its files under /var/lib/violin (console log, private disk) removed. Shared read-only images are left alone. Asks for the environment's name on a terminal; elsewhere --yes is required (exit 2 without it). If some VM cannot be removed, the environment stays in the inventory so the command can be run again."
  static override examples = ['<%= config.bin %> env destroy lab', '<%= config.bin %> env destroy lab --yes --quiet']
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'})}

  async run() {
    const {args, flags} = await this.parse(EnvDestroy)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) throw new UsageError(`destroying "${env.name}" deletes its ${env.vms.length} VMs and their files`, `add --yes to confirm`)
      const status = await environmentStatus(session, env)
      const rl = createInterface({input: process.stdin, output: process.stderr})
      const answer = await rl.question(`Destroy ${env.name}: ${status.map((v) => `${v.name} (${v.state} on ${v.host})`).join(', ')}?\nType the environment name to confirm: `).finally(() => rl.close())
      if (answer.trim() !== env.name) throw new ViolinError('not confirmed; nothing was destroyed')
    }
    const outcomes = await destroyEnvironment(session, env)
    const removed = outcomes.filter((o) => !o.error).map((o) => o.vm)
    this.exitForVms(outcomes)
    if (removed.length === outcomes.length) this.note(`Destroyed environment ${env.name} (${removed.length} VMs).`)
    else if (!this.jsonEnabled()) this.logToStderr(`Environment ${env.name} is kept in the inventory: run env destroy again once the hosts answer.`)
    return {name: env.name, destroyed: removed, failed: outcomes.filter((o) => o.error).map((o) => ({vm: o.vm, host: o.host, error: o.error!.message}))}
  }
}
