import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../../base-command.js'
import {ExitCode} from '../../errors.js'
import {formatFlags} from '../../flags.js'
import {type HostCheck, checkHosts} from '../../services/hosts.js'
import {formatMiB} from '../../units.js'
import {hostCheckJson} from '../../render/json-rows.js'

export default class HostCheckCommand extends ViolinCommand {
  static override summary = 'Connect to hosts and discover cores, memory, hypervisor and tools.'
  static override description =
    'Checks every host of the inventory, or those named. What it discovers is recorded in the inventory. Exit status 7 when any host is not OK.'
  static override strict = false
  static override examples = ['<%= config.bin %> host check', '<%= config.bin %> host check e1 e2 --accept-new-host-key']
  static override args = {names: Args.string({description: 'host names (default: all)'})}
  static override flags = {...formatFlags}

  async run(): Promise<HostCheck[]> {
    const {argv, flags} = await this.parse(HostCheckCommand)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const progress = await this.progress('Checking hosts...')
    const checks = await checkHosts(session, argv as string[]).finally(() => progress.stop())
    await this.render(flags.format, checks.map(hostCheckJson), checks, [
      {header: 'Host', get: (c) => c.host},
      {header: 'Site', get: (c) => c.site},
      {header: 'Target', get: (c) => c.target},
      {header: 'Status', get: (c) => (c.ok ? 'OK' : 'FAIL')},
      {header: 'Cores', get: (c) => c.cores, align: 'right'},
      {header: 'Memory', get: (c) => (c.memoryMiB === undefined ? undefined : formatMiB(c.memoryMiB)), align: 'right'},
      {header: 'Hypervisor', get: (c) => (c.hypervisor ? `${c.hypervisor} ${c.hypervisorVersion ?? ''}`.trim() : undefined)},
      {header: 'Tools / problem', get: (c) => c.error ?? c.tools.map((t) => t.tool.split(' ')[0]).join(', ')},
    ])
    this.exitForHosts(
      checks.length,
      checks.filter((c) => !c.ok).map((c) => ({exitCode: c.exitCode ?? ExitCode.failure})),
    )
    return checks.map(hostCheckJson)
  }
}
