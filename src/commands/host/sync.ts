import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ExitCode} from '../../errors.js'
import {formatFlags} from '../../flags.js'
import {type SyncResult, syncHosts} from '../../services/hosts.js'
import {syncJson} from '../../render/json-rows.js'
import {csvRowsAt} from '../../render/output.js'

export default class HostSync extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Compare the VMs found on hosts with the inventory and report drift.'
  static override description =
    "Drift: new (running somewhere, not recorded), missing (recorded on a host that answered, not found), moved (found on another host), duplicate (one name on several hosts). --write records what the hosts say (duplicates are left for you). VMs of environments are known to the inventory: never new; one that moved is recorded in its environment. A host that does not answer (unreachable, or its hypervisor did not answer) is named on stderr and in --json's failed; nothing recorded on it is judged or removed, and the exit status is 7 (5 or 6 when no host answered). Otherwise 0 whatever the drift, unless --exit-code: then 1 when there is drift."
  static override strict = false
  static override examples = [
    '<%= config.bin %> host sync',
    '<%= config.bin %> host sync --write',
    '<%= config.bin %> host sync --exit-code --quiet || echo drift',
  ]
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
    for (const f of result.failed) this.warnHost(f.host, new Error(f.error))
    if (result.drift.length === 0 && flags.format === 'table') this.note('No drift: the inventory matches the hosts.')
    await this.render(
      flags.format,
      syncJson(result),
      result.drift,
      [
        {header: 'VM', get: (d) => d.vm},
        {header: 'Drift', get: (d) => d.kind},
        {header: 'Inventory', get: (d) => d.recorded},
        {header: 'Found on', get: (d) => d.found.join(',') || undefined},
      ],
      csvRowsAt('drift'),
    )
    if (result.written) this.note('The inventory now matches the hosts.')
    // A host that did not answer makes the drift unknown: its failure's status (5, 6) when none answered, else 7.
    if (result.failed.length > 0) this.exitForHosts(result.asked, result.failed)
    else if (flags['exit-code'] && result.drift.length > 0) process.exitCode = ExitCode.failure
    return syncJson(result)
  }
}
