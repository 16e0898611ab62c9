import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {formatFlags, MAX_VCPUS, vmHostFlag} from '../flags.js'
import {dataKeyed} from '../render/output.js'
import {schedInfo} from '../services/vms.js'

function parseSet(items: string[]): {weight?: number; cap?: number} {
  const out: {weight?: number; cap?: number} = {}
  for (const item of items) {
    const m = /^(weight|cap)=(\d+)$/.exec(item)
    if (!m) throw new UsageError(`--set "${item}" is not weight=N or cap=N`, 'violin schedinfo web1 --set weight=512 --set cap=50')
    out[m[1] as 'weight' | 'cap'] = Number(m[2])
  }
  if (out.weight !== undefined && (out.weight < 1 || out.weight > 65_535)) throw new UsageError('weight must be 1 to 65535')
  // A cap is a % of one CPU: 100 per vCPU at most.
  if (out.cap !== undefined && out.cap > 100 * MAX_VCPUS) throw new UsageError(`cap must be 0 (none) to ${100 * MAX_VCPUS} (% of one CPU)`)
  return out
}

export default class Schedinfo extends ViolinCommand {
  static override summary = "Show or set a VM's CPU share (weight) and cap."
  static override description =
    'weight and cap are Xen credit-scheduler words (weight: relative share, default 256; cap: % of one CPU, 0 = none). On QEMU they become cpu_shares (4 x weight) and a CPU quota. The new values are read back: a hypervisor that ignores one is an error, not a success.'
  static override examples = [
    '<%= config.bin %> schedinfo web1',
    '<%= config.bin %> schedinfo web1 --set weight=512',
    '<%= config.bin %> schedinfo web1 --set cap=50',
  ]
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {
    ...vmHostFlag,
    ...formatFlags,
    set: Flags.string({summary: 'weight=N or cap=N (repeatable).', multiple: true}),
  }

  async run() {
    const {args, flags} = await this.parse(Schedinfo)
    this.quiet = flags.quiet
    const set = flags.set ? parseSet(flags.set) : undefined
    const session = await this.openSession(flags)
    const result = await schedInfo(session, args.vm, set, {hosts: flags.host})
    const rows = Object.entries(dataKeyed(result.params))
    if (flags.format === 'table' && !this.jsonEnabled()) {
      for (const [k, v] of rows) this.log(`${k.padEnd(15)}: ${v}`)
    } else
      await this.render(flags.format, result, rows, [
        {header: 'Parameter', get: (r) => r[0]},
        {header: 'Value', get: (r) => r[1]},
      ])
    return result
  }
}
