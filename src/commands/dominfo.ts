import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {formatFlags, vmHostFlag} from '../flags.js'
import {vmInfoJson} from '../render/json-rows.js'
import {vmInfo} from '../services/vms.js'
import {formatMiB} from '../units.js'

export default class Dominfo extends ViolinCommand {
  static override summary = 'Show one VM: host, state, vCPUs, memory, CPU time.'
  static override examples = ['<%= config.bin %> dominfo web1', '<%= config.bin %> dominfo web1 --host e1 --json']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag, ...formatFlags}

  async run() {
    const {args, flags} = await this.parse(Dominfo)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const info = await vmInfo(session, args.vm, {hosts: flags.host})
    const rows: [string, string | number | undefined][] = [
      ['Name', info.name],
      ['Host', info.host],
      ['Site', info.site],
      ['Id', info.id],
      ['UUID', info.uuid],
      ['State', info.state],
      ['CPU(s)', info.vcpus],
      ['CPU time', info.cpuTimeSec === undefined ? undefined : `${info.cpuTimeSec.toFixed(1)}s`],
      ['Max memory', formatMiB(info.maxMemoryMiB)],
      ['Used memory', formatMiB(info.memoryMiB)],
      ['Persistent', info.persistent === undefined ? undefined : info.persistent ? 'yes' : 'no'],
      ['Autostart', info.autostart === undefined ? undefined : info.autostart ? 'enable' : 'disable'],
    ]
    if (flags.format === 'table' && !this.jsonEnabled()) {
      for (const [k, v] of rows) this.log(`${`${k}:`.padEnd(16)}${v ?? '-'}`)
    } else
      await this.render(flags.format, vmInfoJson(info), rows, [
        {header: 'Field', get: (r) => r[0]},
        {header: 'Value', get: (r) => r[1]},
      ])
    return vmInfoJson(info)
  }
}
