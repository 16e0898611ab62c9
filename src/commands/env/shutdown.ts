import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {ExitCode} from '../../errors.js'
import {environmentStatus} from '../../services/environment-status.js'
import {shutdownVms, waitUntilOff} from '../../services/env-lifecycle.js'
import {MAX_SECONDS} from '../../flags.js'

export default class EnvShutdown extends EnvCommand {
  static override summary = 'Ask every running VM of an environment to power off (ACPI), like virsh shutdown.'
  static override description =
    'Returns once asked, as virsh does; with --wait, once every VM is off (exit 1 naming those still running after --timeout).'
  static override examples = ['<%= config.bin %> env shutdown lab', '<%= config.bin %> env shutdown lab --wait --timeout 120']
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {
    wait: Flags.boolean({summary: 'Wait until every VM is off.'}),
    timeout: Flags.integer({
      summary: 'With --wait, give up after this many seconds.',
      default: 120,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(EnvShutdown)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    const running = (await environmentStatus(session, env)).filter(
      (v) => v.state === 'running' || v.state === 'paused' || v.state === 'idle',
    )
    const outcomes = await shutdownVms(session, running)
    this.exitForVms(outcomes)
    let stillRunning: string[] = []
    if (flags.wait) {
      const progress = await this.progress(`Waiting for ${env.name} to power off...`)
      stillRunning = await waitUntilOff(session, env, flags.timeout * 1000).finally(() => progress.stop())
      if (stillRunning.length > 0) {
        if (!this.jsonEnabled()) this.logToStderr(`warning: still running after ${flags.timeout} s: ${stillRunning.join(', ')}`)
        process.exitCode = ExitCode.failure
      }
    }
    this.note(
      `Asked ${outcomes.filter((o) => !o.error).length} VMs of ${env.name} to shut down${flags.wait && stillRunning.length === 0 ? '; all are off' : ''}.`,
    )
    return {name: env.name, asked: outcomes.filter((o) => !o.error).map((o) => o.vm), still_running: stillRunning}
  }
}
