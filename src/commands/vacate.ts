import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {ExitCode, ViolinError} from '../errors.js'
import {formatFlags, MAX_COUNT, MAX_SECONDS} from '../flags.js'
import {type LeftBehind, planHostVacate, runVacate} from '../services/vacate-hosts.js'
import {vacateOutcomeJson} from '../render/json-rows.js'
import {setHostMaintenance} from '../services/hosts.js'
import {SIGNAL_EXIT_CODE} from '../services/signals.js'
import {csvRowsAt} from '../render/output.js'

export default class Vacate extends ViolinCommand {
  static override summary = 'Move every VM off hosts (for maintenance or a reservation), spread over the hosts that fit.'
  static override description =
    `Reads every host, then plans: each VM goes, biggest first, to the open host with the most memory left as the plan leaves it (so they spread, never all onto one), respecting memory and CPU demand, hosts in maintenance, and the head node's site. The plan is printed first. Without --dry-run the hosts are drained (violin host undrain reopens them) and the VMs move live, at most --max-parallel at once; one failed move does not stop the others. A VM that fits nowhere is named with what each host has left, and nothing moves (exit 1). Exit 1 also when a move failed. On SIGINT or SIGTERM the moves in flight finish and no new one begins: exit 130 or 143 when some were not started (a second signal exits at once).

A shut-off (or paused) VM on a vacated host cannot move live: it is not moved, and it is not left behind in silence either: a warning names each with the command that moves it (violin migrate VM HOST --offline, its definition only), and --json lists them in left_behind (vm, host, state). They do not change the exit status: they hold no memory and no CPU, so the hosts are free for a reservation once every running VM moved (exit 0); before maintenance that may wipe the hosts, move them too.`
  static override examples = ['<%= config.bin %> vacate e1 --dry-run', '<%= config.bin %> vacate e1 e2 --max-parallel 2']
  static override strict = false
  static override args = {host: Args.string({description: 'host to vacate (several may be given)', required: true})}
  static override flags = {
    ...formatFlags,
    'dry-run': Flags.boolean({char: 'n', summary: 'Print the plan; move nothing, drain nothing.'}),
    'max-parallel': Flags.integer({summary: 'Live migrations at once.', default: 1, min: 1, max: MAX_COUNT, helpValue: 'N'}),
    interval: Flags.integer({
      summary: 'Seconds to measure CPU demand over before planning.',
      default: 2,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
  }

  async run() {
    const {argv, flags} = await this.parse(Vacate)
    this.quiet = flags.quiet
    const hosts = [...new Set(argv as string[])]
    const session = await this.openSession(flags)
    const stop = this.stopOnSignals('the moves in flight')
    const progress = await this.progress(`Reading ${session.hosts.length} host(s)...`)
    const plan = await planHostVacate(session, hosts, flags.interval * 1000, stop.signal).finally(() => progress.stop())
    for (const w of plan.warnings) if (!this.jsonEnabled()) this.logToStderr(`warning: ${w}`)
    for (const h of plan.unanswered) this.warnHost(h, new Error('did not answer; not a destination'))
    const payload = {
      hosts,
      dryRun: flags['dry-run'] === true,
      // What each VM held and dirtied goes to the migrations log; the JSON keeps its moves as they were.
      moves: plan.moves.map(({state: _measured, ...m}) => m),
      stuck: plan.stuck,
      leftBehind: plan.leftBehind,
      outcomes: [] as Awaited<ReturnType<typeof runVacate>>,
    }
    await this.render(
      flags.format,
      payload,
      plan.moves,
      [
        {header: 'VM', get: (m) => m.vm},
        {header: 'From', get: (m) => m.from},
        {header: 'To', get: (m) => m.to},
        {header: 'Memory', get: (m) => `${m.memoryMiB} MiB`, align: 'right'},
      ],
      csvRowsAt('moves'),
    )
    if (plan.moves.length === 0 && plan.stuck.length === 0) this.note(`${hosts.join(', ')}: no running VM to move.`)
    if (plan.leftBehind.length > 0 && !this.jsonEnabled()) this.logToStderr(leftBehindWarning(plan.leftBehind))
    if (plan.stuck.length > 0) {
      for (const s of plan.stuck) if (!this.jsonEnabled()) this.logToStderr(`cannot place ${s.vm} (on ${s.from}): ${s.reason}`)
      if (!flags['dry-run'])
        throw new ViolinError(
          `${plan.stuck.length} VM(s) fit on no other host; nothing was moved`,
          ExitCode.failure,
          'add hosts, free some, or undrain one',
        )
      process.exitCode = ExitCode.failure
      return payload
    }
    if (flags['dry-run']) return payload
    if (stop.by) {
      // Stopped while reading the hosts: nothing drained, nothing moved.
      if (!this.jsonEnabled()) this.logToStderr(`stopped by ${stop.by}: nothing moved`)
      process.exitCode = SIGNAL_EXIT_CODE[stop.by]
      return payload
    }
    if (session.inventory) for (const h of hosts) await setHostMaintenance(h, true)
    else this.note('(a --connect target has no inventory: the hosts are not drained)')
    const outcomes = await runVacate(
      session,
      plan,
      flags['max-parallel'],
      (o) => {
        if (o.notStarted) return
        if (!o.ok) this.warnHost(o.vm, new Error(o.error))
        else this.note(`moved ${o.vm}: ${o.from} -> ${o.to} (${o.seconds.toFixed(1)} s)`)
      },
      stop.signal,
    )
    payload.outcomes = outcomes.map(vacateOutcomeJson)
    const notStarted = outcomes.filter((o) => o.notStarted)
    if (outcomes.some((o) => !o.ok && !o.notStarted)) process.exitCode = ExitCode.failure
    if (stop.by && notStarted.length > 0) {
      if (!this.jsonEnabled())
        this.logToStderr(`stopped by ${stop.by}: not moved: ${notStarted.map((o) => o.vm).join(', ')} (the hosts stay drained)`)
      process.exitCode = SIGNAL_EXIT_CODE[stop.by]
    }
    return payload
  }
}

function leftBehindWarning(vms: LeftBehind[]): string {
  const names = vms.map((v) => `${v.vm} (${v.state} on ${v.host})`).join(', ')
  const off = vms.filter((v) => v.state === 'shutoff')
  const how = [
    off.length > 0 && `violin migrate ${off.length === 1 ? off[0]!.vm : 'VM'} HOST --offline`,
    off.length < vms.length && `(paused) violin migrate VM HOST --live`,
  ].filter(Boolean)
  return `warning: ${vms.length} VM(s) not running stay behind, not moved live: ${names}; move each with: ${how.join(', or ')}`
}
