import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {MAX_MIBS, MAX_SECONDS, vmHostFlag} from '../flags.js'
import {migrationJson} from '../render/json-rows.js'
import {planMigration, runMigration} from '../services/migration.js'
import {formatMiB} from '../units.js'

export default class Migrate extends ViolinCommand {
  static override summary = 'Move a VM to another host of the inventory.'
  static override description =
    "Checks that the destination has room first. The source host's hypervisor connects to the destination itself: for libvirt, virsh on the source runs migrate --live --persistent --undefinesource to qemu+ssh://USER@ADDR[:PORT]/system, built from the destination's inventory entry, so the source needs SSH access to it; for xl, xl migrate over ssh. Every file the VM runs from must be reachable at the destination: a kernel or read-only image must already be there (violin image push), a writable disk moves only with --copy-storage-all; otherwise the move is refused before it starts. The head node of an environment never leaves its site. The result carries what the hypervisor measured (libvirt: domjobinfo --completed on the destination): total time, downtime, bytes sent; it is appended to the migration history (migrations.jsonl in the state directory; a simulated one, on sim: hosts, to the state directory's sim/) for calibration. A failed migration leaves the VM running on the source. A shut-off VM cannot migrate live (nor stop-and-copy): it is refused (exit 2) with the hint --offline, which moves only its definition, nothing running and no memory (libvirt: virsh migrate --offline --persistent --undefinesource; xl: violin's stored config file moves, and as xl lists only running VMs, name the source with --host). A migration under way is not cut by SIGINT or SIGTERM: it finishes and is reported (--timeout bounds it); a second signal exits at once (130 or 143). --dry-run shows what would be done and changes nothing."
  static override examples = [
    '<%= config.bin %> migrate web1 e2 --live',
    '<%= config.bin %> migrate web1 e2 --live --bandwidth 100 --timeout 60',
    '<%= config.bin %> migrate web1 e2 --dry-run --json',
    '<%= config.bin %> migrate spare e2 --offline',
  ]

  static override args = {
    vm: Args.string({description: 'VM name', required: true}),
    destination: Args.string({description: 'destination host (inventory name)', required: true}),
  }

  static override flags = {
    ...vmHostFlag,
    live: Flags.boolean({summary: 'Live migration: the VM keeps running while its memory is copied.'}),
    bandwidth: Flags.integer({summary: 'Limit the copy to this many MiB/s.', min: 1, max: MAX_MIBS, helpValue: 'MIBS'}),
    timeout: Flags.integer({
      summary: 'After this many seconds of live copy, pause the VM so it finishes (virsh --timeout).',
      min: 1,
      max: MAX_SECONDS,
      dependsOn: ['live'],
      helpValue: 'SECONDS',
    }),
    'auto-converge': Flags.boolean({
      summary: "Throttle the guest's vCPUs until the copy keeps up with what it dirties (virsh --auto-converge; not on xl).",
      dependsOn: ['live'],
    }),
    postcopy: Flags.boolean({
      summary:
        'After one pre-copy pass, run the VM on the destination and fetch the rest on demand: it always ends, after one short pause (virsh --postcopy --postcopy-after-precopy; not on xl). A link failure after the switch loses the VM.',
      dependsOn: ['live'],
    }),
    'copy-storage-all': Flags.boolean({summary: "Copy the VM's writable disks to the destination (hosts share no storage)."}),
    p2p: Flags.boolean({summary: "The source's libvirtd connects to the destination itself (virsh --p2p)."}),
    offline: Flags.boolean({
      summary: "Move a shut-off VM's definition only (it stays off).",
      exclusive: ['live', 'bandwidth', 'timeout', 'auto-converge', 'postcopy', 'copy-storage-all'],
    }),
    'dry-run': Flags.boolean({char: 'n', summary: 'Show the migration without doing it.'}),
  }

  async run() {
    const {args, flags} = await this.parse(Migrate)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const planned = await planMigration(
      session,
      args.vm,
      args.destination,
      {
        live: flags.live,
        copyStorage: flags['copy-storage-all'],
        peerToPeer: flags.p2p,
        bandwidthMiBs: flags.bandwidth,
        timeoutSec: flags.timeout,
        autoConverge: flags['auto-converge'],
        postCopy: flags.postcopy,
        offline: flags.offline,
      },
      {hosts: flags.host},
    )
    const {plan} = planned
    const what = plan.offline
      ? `move the definition of ${plan.name} (shut off) from ${plan.from} to ${plan.to}`
      : `${plan.live ? 'live-migrate' : 'migrate'} ${plan.name} (${formatMiB(plan.memoryMiB)}) from ${plan.from} to ${plan.to}`
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(`would ${what} via ${plan.destinationUri}`)
      return migrationJson(true, plan)
    }
    // A migration under way is not cut (the hypervisor would be left to clean up): the first
    // signal lets it finish and report; --timeout bounds it; a second signal exits at once.
    this.stopOnSignals('the migration in flight')
    const progress = await this.progress(`${what}...`)
    const result = await runMigration(session, planned, {timedFor: this.id}).finally(() => progress.stop())
    if (plan.offline) {
      this.note(`Moved the definition of ${plan.name} (shut off) from ${plan.from} to ${plan.to}.`)
      return migrationJson(false, plan, result)
    }
    const measured = [
      `${(result.wallMs / 1000).toFixed(1)} s wall`,
      result.totalMs !== undefined && `${result.totalMs} ms job`,
      result.downtimeMs !== undefined && `${result.downtimeMs} ms downtime`,
      result.dataBytes !== undefined && `${formatMiB(result.dataBytes / 1024 ** 2)} sent`,
    ].filter(Boolean)
    this.note(`Migrated ${plan.name} from ${plan.from} to ${plan.to}: ${measured.join(', ')}.`)
    return migrationJson(false, plan, result)
  }
}
