import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {formatFlags, vmHostFlag} from '../flags.js'
import {vmStatsJson} from '../render/json-rows.js'
import {vmStats} from '../services/vms.js'

export default class Domstats extends ViolinCommand {
  static override summary = "Show one VM's raw counters, as the hypervisor gives them."
  static override description =
    "The counters violin turns into rates (see violin usage): libvirt domstats --raw keys, xentop columns, or the simulator's."
  static override examples = ['<%= config.bin %> domstats web1', '<%= config.bin %> domstats web1 --format csv']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag, ...formatFlags}

  async run() {
    const {args, flags} = await this.parse(Domstats)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const stats = await vmStats(session, args.vm, {hosts: flags.host})
    if (flags.format === 'table' && !this.jsonEnabled()) {
      this.log(`Domain: '${stats.name}' (host ${stats.host})`)
      for (const [k, v] of Object.entries(stats.raw)) this.log(`  ${k}=${v}`)
    } else
      await this.render(flags.format, vmStatsJson(stats), Object.entries(stats.raw), [
        {header: 'Counter', get: (r) => r[0]},
        {header: 'Value', get: (r) => r[1]},
      ])
    return vmStatsJson(stats)
  }
}
