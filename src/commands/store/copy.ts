import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {type CopyReport, copyStore} from '../../services/store-admin.js'

export default class StoreCopy extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary =
    'Copy the store in force into another store (files to etcd, etcd to files, or etcd to etcd), then verify the copy.'
  static override description =
    'Copies every document (inventory, history, calibration, passes, open intents) and every log (migrations, commands, actions) of the store in force (VIOLIN_STORE, else "store" in $VIOLIN_HOME/config.json, else the files) into the store named by --to, then reads the target back and compares document by document and log by log; a difference is exit 1 naming what differs. The source is only read: nothing in it is changed or deleted. Agents\' usage samples (they expire by themselves) and locks are not copied. A target that already holds anything is refused (exit 2, saying what it holds) unless --force, which replaces it whole. Copying a store onto itself is refused (exit 2). Stop adapt loops and cron passes while copying: what they write meanwhile is not in the copy. Afterwards point violin at the new store (VIOLIN_STORE, or "store" in config.json).'

  static override examples = [
    '<%= config.bin %> store copy --to etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/violin',
    'VIOLIN_ETCD_CA=ca.crt VIOLIN_ETCD_CERT=admin.crt VIOLIN_ETCD_KEY=admin.key <%= config.bin %> store copy --to etcds://etcd1:2379,etcd2:2379,etcd3:2379/violin',
    'VIOLIN_STORE=etcd://10.0.0.1:2379/violin <%= config.bin %> store copy --to file:///var/backups/violin-$(date +%F)   # a backup in files',
    '<%= config.bin %> store copy --to etcd://10.0.0.1:2379/violin --force   # replace what the target holds',
  ]

  static override flags = {
    to: Flags.string({
      summary: 'The target store: file:///DIR, etcd://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/PREFIX or etcds://... (TLS).',
      required: true,
      helpValue: 'URL',
    }),
    force: Flags.boolean({summary: 'Replace what the target already holds (its documents and logs; its samples and locks are left).'}),
  }

  async run(): Promise<CopyReport> {
    const {flags} = await this.parse(StoreCopy)
    this.quiet = flags.quiet
    const report = await copyStore({to: flags.to, force: flags.force})
    if (report.replaced.length > 0) this.note(`Replaced in the target: ${report.replaced.join(', ')}.`)
    const logs = Object.entries(report.logs)
      .map(([log, n]) => `${n} ${log}`)
      .join(', ')
    this.note(
      `Copied ${report.from} to ${report.to}: ${report.documents.length} document${report.documents.length === 1 ? '' : 's'} (${report.documents.join(', ') || 'none'}), log records: ${logs}. Verified: the target reads back the same.`,
    )
    for (const [log, n] of Object.entries(report.skipped)) {
      if (n > 0 && !this.jsonEnabled())
        this.logToStderr(
          `warning: ${n} line${n === 1 ? '' : 's'} of the ${log} log ${n === 1 ? 'is' : 'are'} not JSON (torn by a crash as ${n === 1 ? 'it was' : 'they were'} written): not copied`,
        )
    }
    return report
  }
}
