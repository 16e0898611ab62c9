import {Args, Flags} from '@oclif/core'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ExitCode} from '../../errors.js'
import {formatFlags} from '../../flags.js'
import {type SyncResult, syncHosts} from '../../services/hosts.js'

export default class HostSync extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Compare the VMs found on hosts with the inventory and report drift.'
  static override description =
    'Drift: new (running somewhere, not recorded), missing (recorded on a host that answered, not found), moved (found on another host), duplicate (one name on several hosts). --write records what the hosts say (duplicates are left for you). Exit status 0 whatever the drift, unless --exit-code: then 1 when there is drift.'
  static override strict = false
  static override examples = ['<%= config.bin %> host sync', '<%= config.bin %> host sync --write', '<%= config.bin %> host sync --exit-code --quiet || echo drift']
  static override args = {names: Args.string({description: 'host names (default: all)'})}
  static override flags = {
    ...formatFlags,
    write: Flags.boolean({summary: 'Update the inventory to match the hosts.'}),
    'exit-code': Flags.boolean({summary: 'Exit 1 when there is drift (like git diff --exit-code).'}),
  }

  async run(): Promise<SyncResult> {
    const {argv, flags} = await this.parse(HostSync)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const result = await syncHosts(session, argv as string[], flags.write)
    for (const u of result.unreachable) this.warnHost(u.host, new Error(u.error))
    if (result.drift.length === 0 && flags.format === 'table') this.note('No drift: the inventory matches the hosts.')
    await this.render(flags.format, result, result.drift, [
      {header: 'VM', get: (d) => d.vm},
      {header: 'Drift', get: (d) => d.kind},
      {header: 'Inventory', get: (d) => d.recorded},
      {header: 'Found on', get: (d) => d.found.join(',') || undefined},
    ])
    if (result.written) this.note('The inventory now matches the hosts.')
    if (result.unreachable.length > 0) process.exitCode = ExitCode.partial // some hosts answered, or the drift would be unknown
    else if (flags['exit-code'] && result.drift.length > 0) process.exitCode = ExitCode.failure
    return result
  }
}
