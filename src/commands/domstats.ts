import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {formatFlags, vmHostFlag} from '../flags.js'
import {migrationStateJson, vmStatsJson} from '../render/json-rows.js'
import {vmStats} from '../services/vms.js'

export default class Domstats extends ViolinCommand {
  static override summary = "Show one VM's raw counters, as the hypervisor gives them."
  static override description =
    `The counters violin turns into rates (see violin usage): libvirt domstats --raw keys, xentop columns, or the simulator's.

With --dirty-rate it also measures what decides how long the VM's live migration takes (what violin predict vacate uses): the memory it holds (the guest's balloon report, else what the host has resident) and how fast it dirties memory, over --seconds (libvirt: domdirtyrate-calc, QEMU 5.2+). A hypervisor that cannot measure the rate (Xen, an older QEMU) gives the one the VM's last recorded migration saw, else the median of the recorded ones, said as such. In JSON: migration (used_mib, used_from: guest|resident, dirty_rate_mibs, dirty_rate_from: measured|last-migration|history|none, measured_at), null without --dirty-rate.`
  static override examples = [
    '<%= config.bin %> domstats web1',
    '<%= config.bin %> domstats web1 --format csv',
    '<%= config.bin %> domstats web1 --dirty-rate --seconds 2',
  ]
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {
    ...vmHostFlag,
    ...formatFlags,
    'dirty-rate': Flags.boolean({summary: 'Also measure its memory in use and dirty rate (takes --seconds).'}),
    seconds: Flags.integer({
      summary: 'How long --dirty-rate measures [default: 1].',
      min: 1,
      max: 60,
      helpValue: 'SECONDS',
      dependsOn: ['dirty-rate'],
    }),
  }

  async run() {
    const {args, flags} = await this.parse(Domstats)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const stats: Parameters<typeof vmStatsJson>[0] = await vmStats(session, args.vm, {hosts: flags.host})
    if (flags['dirty-rate']) {
      const {measureVmStates} = await import('../services/vm-state.js')
      const {readMigrations} = await import('../monitor/migration-history.js')
      const history = await readMigrations(await session.store())
      const progress = await this.progress(`Measuring how fast ${args.vm} dirties its memory (${flags.seconds ?? 1} s)...`)
      const states = await measureVmStates(session, new Map([[stats.host, [stats.name]]]), flags.seconds ?? 1, {history}).finally(() =>
        progress.stop(),
      )
      const state = states.get(stats.name)
      stats.migration = state ? migrationStateJson(state) : null
    }
    // Measured figures read as counters do: key=value lines, and rows of the table.
    const rows = [
      ...Object.entries(stats.raw),
      ...Object.entries(stats.migration ?? {}).map(([k, v]) => [`migration.${k}`, v === null ? '-' : String(v)] as [string, string]),
    ]
    if (flags.format === 'table' && !this.jsonEnabled()) {
      this.log(`Domain: '${stats.name}' (host ${stats.host})`)
      for (const [k, v] of rows) this.log(`  ${k}=${v}`)
    } else
      await this.render(flags.format, vmStatsJson(stats), rows, [
        {header: 'Counter', get: (r) => r[0]},
        {header: 'Value', get: (r) => r[1]},
      ])
    return vmStatsJson(stats)
  }
}
