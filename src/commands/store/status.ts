import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ExitCode} from '../../errors.js'
import {formatFlags} from '../../flags.js'
import {type StoreStatusReport, storeStatus} from '../../services/store-admin.js'
import type {StoreMember} from '../../store/store.js'
import {storeStatusJson} from '../../render/json-rows.js'
import {csvRowsAt} from '../../render/output.js'

export default class StoreStatus extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Show where violin keeps its state: the backend, its members and their health, and the revision.'
  static override description =
    'The store is chosen by VIOLIN_STORE, else "store" in $VIOLIN_HOME/config.json, else the files on this machine. For etcd every member is asked on its own (2.5 s each): its endpoint, whether it is healthy, and which one is the Raft leader; the revision is the highest any member reports. The URL is shown without its password. Exit status: 0 when every member is healthy; 7 when some are not (the cluster still has a quorum: violin keeps working, but mend the member); 5 when no member answers with a leader (etcd down, unreachable, refusing TLS or the credentials, or without a quorum): no violin command that uses the store can work until it is back.'

  static override examples = [
    '<%= config.bin %> store status',
    'VIOLIN_STORE=etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/violin <%= config.bin %> store status',
    "<%= config.bin %> store status --json | jq -r '.members[] | select(.healthy | not) | .endpoint'",
    '<%= config.bin %> store status >/dev/null 2>&1 || echo "etcd needs attention" | mail -s violin root   # from cron',
  ]

  static override flags = {...formatFlags}

  async run(): Promise<StoreStatusReport> {
    const {flags} = await this.parse(StoreStatus)
    this.quiet = flags.quiet
    const report = await storeStatus()
    if (!this.jsonEnabled() && flags.format === 'table') {
      this.log(`Backend:  ${report.backend}`)
      this.log(`URL:      ${report.url}${report.from === 'default' ? '' : `  (from ${report.from})`}`)
      if (report.revision !== undefined) this.log(`Revision: ${report.revision}`)
      this.log('')
    }
    await this.render(
      flags.format,
      storeStatusJson(report),
      report.members,
      [
        {header: 'Member', get: (m: StoreMember) => m.name || '(unstarted)'},
        {header: 'Endpoint', get: (m) => m.endpoint},
        {header: 'Healthy', get: (m) => (m.healthy ? 'yes' : 'no')},
        {header: 'Leader', get: (m) => (m.leader ? 'yes' : '')},
        {header: 'Error', get: (m) => m.error},
      ],
      csvRowsAt('members'),
    )
    if (!report.healthy) {
      process.exitCode = ExitCode.partial
      if (!this.jsonEnabled()) {
        for (const m of report.members.filter((m) => !m.healthy))
          this.logToStderr(`warning: etcd member ${m.name || '(unstarted)'} at ${m.endpoint} is not healthy: ${m.error ?? 'no answer'}`)
      }
    }
    return storeStatusJson(report)
  }
}
