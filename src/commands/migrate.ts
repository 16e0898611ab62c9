import {Args, Flags} from '@oclif/core'

import {ViolinCommand} from '../base-command.js'
import {MAX_MIBS, MAX_SECONDS, vmHostFlag} from '../flags.js'
import {planMigration, runMigration} from '../services/migration.js'
import {formatMiB} from '../units.js'

export default class Migrate extends ViolinCommand {
  static override summary = 'Move a VM to another host of the inventory.'
  static override description =
    "Checks that the destination has room first. The source host's hypervisor connects to the destination itself: for libvirt, virsh on the source runs migrate --live --persistent --undefinesource to qemu+ssh://USER@ADDR[:PORT]/system, built from the destination's inventory entry, so the source needs SSH access to it; for xl, xl migrate over ssh. Every file the VM runs from must be reachable at the destination: a kernel or read-only image must already be there (violin image push), a writable disk moves only with --copy-storage-all; otherwise the move is refused before it starts. The head node of an environment never leaves its site. The result carries what the hypervisor measured (libvirt: domjobinfo --completed on the destination): total time, downtime, bytes sent; it is appended to the migration history (migrations.jsonl in the state directory) for calibration. A failed migration leaves the VM running on the source. --dry-run shows what would be done and changes nothing."
  static override examples = [
    '<%= config.bin %> migrate web1 e2 --live',
    '<%= config.bin %> migrate web1 e2 --live --bandwidth 100 --timeout 60',
    '<%= config.bin %> migrate web1 e2 --dry-run --json',
  ]

  static override args = {
    vm: Args.string({description: 'VM name', required: true}),
    destination: Args.string({description: 'destination host (inventory name)', required: true}),
  }

  static override flags = {
    ...vmHostFlag,
    live: Flags.boolean({summary: 'Live migration: the VM keeps running while its memory is copied.'}),
    bandwidth: Flags.integer({summary: 'Limit the copy to this many MiB/s.', min: 1, max: MAX_MIBS, helpValue: 'MIBS'}),
    timeout: Flags.integer({summary: 'After this many seconds of live copy, pause the VM so it finishes (virsh --timeout).', min: 1, max: MAX_SECONDS, dependsOn: ['live'], helpValue: 'SECONDS'}),
    'copy-storage-all': Flags.boolean({summary: "Copy the VM's writable disks to the destination (hosts share no storage)."}),
    p2p: Flags.boolean({summary: "The source's libvirtd connects to the destination itself (virsh --p2p)."}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Show the migration without doing it.'}),
  }

  async run() {
    const {args, flags} = await this.parse(Migrate)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const planned = await planMigration(session, args.vm, args.destination, {live: flags.live, copyStorage: flags['copy-storage-all'], peerToPeer: flags.p2p, bandwidthMiBs: flags.bandwidth, timeoutSec: flags.timeout}, {hosts: flags.host})
    const {plan} = planned
    const what = `${plan.live ? 'live-migrate' : 'migrate'} ${plan.name} (${formatMiB(plan.memoryMiB)}) from ${plan.from} to ${plan.to}`
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(`would ${what} via ${plan.destinationUri}`)
      return {dryRun: true, plan}
    }
    const progress = await this.progress(`${what}...`)
    const result = await runMigration(session, planned, {timedFor: this.id}).finally(() => progress.stop())
    const measured = [
      `${(result.wallMs / 1000).toFixed(1)} s wall`,
      result.totalMs !== undefined && `${result.totalMs} ms job`,
      result.downtimeMs !== undefined && `${result.downtimeMs} ms downtime`,
      result.dataBytes !== undefined && `${formatMiB(result.dataBytes / 1024 ** 2)} sent`,
    ].filter(Boolean)
    this.note(`Migrated ${plan.name} from ${plan.from} to ${plan.to}: ${measured.join(', ')}.`)
    return {dryRun: false, plan, result}
  }
}
