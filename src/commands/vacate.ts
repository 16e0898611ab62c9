import {Args, Flags} from '@oclif/core'

import {ViolinCommand} from '../base-command.js'
import {ExitCode, ViolinError} from '../errors.js'
import {formatFlags, MAX_COUNT, MAX_SECONDS} from '../flags.js'
import {planHostVacate, runVacate} from '../services/vacate.js'
import {setHostMaintenance} from '../services/hosts.js'

export default class Vacate extends ViolinCommand {
  static override summary = 'Move every VM off hosts (for maintenance or a reservation), spread over the hosts that fit.'
  static override description = `Reads every host, then plans: each VM goes, biggest first, to the open host with the most memory left as the plan leaves it (so they spread, never all onto one), respecting memory and CPU demand, hosts in maintenance, and the head node's site. The plan is printed first. Without --dry-run the hosts are drained (violin host undrain reopens them) and the VMs move live, at most --max-parallel at once; one failed move does not stop the others. A VM that fits nowhere is named with what each host has left, and nothing moves (exit 1). Exit 1 also when a move failed.`
  static override examples = ['<%= config.bin %> vacate e1 --dry-run', '<%= config.bin %> vacate e1 e2 --max-parallel 2']
  static override strict = false
  static override args = {host: Args.string({description: 'host to vacate (several may be given)', required: true})}
  static override flags = {
    ...formatFlags,
    'dry-run': Flags.boolean({char: 'n', summary: 'Print the plan; move nothing, drain nothing.'}),
    'max-parallel': Flags.integer({summary: 'Live migrations at once.', default: 1, min: 1, max: MAX_COUNT, helpValue: 'N'}),
    interval: Flags.integer({summary: 'Seconds to measure CPU demand over before planning.', default: 2, min: 1, max: MAX_SECONDS, helpValue: 'SECONDS'}),
  }

  async run() {
    const {argv, flags} = await this.parse(Vacate)
    this.quiet = flags.quiet
    const hosts = [...new Set(argv as string[])]
    const session = await this.openSession(flags)
    const progress = await this.progress(`Reading ${session.hosts.length} host(s)...`)
    const plan = await planHostVacate(session, hosts, flags.interval * 1000).finally(() => progress.stop())
    for (const h of plan.unanswered) this.warnHost(h, new Error('did not answer; not a destination'))
    const payload = {hosts, dryRun: flags['dry-run'], moves: plan.moves, stuck: plan.stuck, outcomes: [] as Awaited<ReturnType<typeof runVacate>>}
    await this.render(flags.format, payload, plan.moves, [
      {header: 'VM', get: (m) => m.vm},
      {header: 'From', get: (m) => m.from},
      {header: 'To', get: (m) => m.to},
      {header: 'Memory', get: (m) => `${m.memoryMiB} MiB`, align: 'right'},
    ])
    if (plan.moves.length === 0 && plan.stuck.length === 0) this.note(`${hosts.join(', ')}: no VM to move.`)
    if (plan.stuck.length > 0) {
      for (const s of plan.stuck) if (!this.jsonEnabled()) this.logToStderr(`cannot place ${s.vm} (on ${s.from}): ${s.reason}`)
      if (!flags['dry-run']) throw new ViolinError(`${plan.stuck.length} VM(s) fit on no other host; nothing was moved`, ExitCode.failure, 'add hosts, free some, or undrain one')
      process.exitCode = ExitCode.failure
      return payload
    }
    if (flags['dry-run']) return payload
    if (session.inventory) for (const h of hosts) await setHostMaintenance(h, true)
    else this.note('(a --connect target has no inventory: the hosts are not drained)')
    payload.outcomes = await runVacate(session, plan, flags['max-parallel'], (o) => {
      if (!o.ok) this.warnHost(o.vm, new Error(o.error))
      else this.note(`moved ${o.vm}: ${o.from} -> ${o.to} (${o.seconds.toFixed(1)} s)`)
    })
    if (payload.outcomes.some((o) => !o.ok)) process.exitCode = ExitCode.failure
    return payload
  }
}
