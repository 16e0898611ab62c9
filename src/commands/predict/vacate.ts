import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../../base-command.js'
import {ExitCode, UsageError, ViolinError} from '../../errors.js'
import {formatFlags, MAX_COUNT, MAX_SECONDS} from '../../flags.js'
import type {VacatePrediction} from '../../predict/vacate-time.js'
import {predictVacateJson} from '../../render/json-rows.js'
import {csvRowsAt} from '../../render/output.js'

export default class PredictVacate extends ViolinCommand {
  static override summary = 'Estimate how long moving every VM off hosts takes, and when to start for a reservation.'
  static override description =
    `Chooses destinations as \`violin vacate\` would (reading every host once over --interval), predicts each move from the calibration (violin calibrate; defaults otherwise), then the total, as \`violin vacate --max-parallel N\` would take it from its start (its --interval of measuring and violin's own time before, between and after the moves included): one after another (each VM disrupted least), or --max-parallel at once sharing the link and the hosts' CPUs (shorter in total, longer per VM: VTDC 2007 section 3.4). --strategy auto takes sequential when it frees the hosts by --by, else parallel; without --by, parallel.

With --by TIME (a reservation, e.g. 2026-12-01T08:00:00Z) it prints the latest safe start: TIME minus the high end of the estimate's interval, and exits 1 when that moment has already passed. Nothing moves.

Each VM's move is predicted from what it holds and dirties now: over --interval, the hosts being vacated measure every VM's memory in use (its balloon's report, else what the host has resident) and its dirty rate (libvirt: domdirtyrate-calc, QEMU 5.2+). A rate the hypervisor cannot measure (Xen, an older QEMU) is the one the VM's last recorded migration saw, else the median of the recorded ones, and the table says which. A VM dirtying faster than its migration can converge is marked "never ends", with what would end it (--timeout, --auto-converge, --postcopy on libvirt hosts, or a paused copy) and the downtime each costs. The interval is an 80% one (violin calibrate --show says from how many migrations); when the calibration cannot tell a fixed time from a time per MiB, it spans both, and the output names the measurement that would narrow it.

JSON (a stable contract): strategy, max_parallel, total_wall_ms, interval (low_ms, high_ms), per_vm (name, host, destination, wall_ms, interval, used_mib, dirty_rate_mibs, dirty_rate_from: measured|last-migration|history|none, measured_at, converges, remedies), converges, narrow_with (null, or what would narrow the interval), calibrated, and with --by: by, start_by, late.`
  static override examples = [
    '<%= config.bin %> predict vacate e1 e2',
    '<%= config.bin %> predict vacate e1 --strategy parallel --max-parallel 4 --json',
    '<%= config.bin %> predict vacate e1 e2 --by 2026-12-01T08:00:00Z',
  ]
  static override strict = false
  static override args = {hosts: Args.string({description: 'Hosts to free.', required: true})}
  static override flags = {
    ...formatFlags,
    strategy: Flags.option({
      options: ['sequential', 'parallel', 'auto'] as const,
      summary: 'One after another, several at once, or whichever meets --by.',
      default: 'auto',
    })(),
    'max-parallel': Flags.integer({
      summary: 'Migrations at once for the parallel strategy.',
      default: 4,
      min: 1,
      max: MAX_COUNT,
      helpValue: 'N',
    }),
    by: Flags.string({summary: 'The reservation: when the hosts must be free (ISO time).', helpValue: 'TIME'}),
    interval: Flags.integer({
      summary: 'Seconds to measure the hosts over before planning, as vacate does (counted in the total).',
      default: 2,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
  }

  async run(): Promise<VacatePrediction> {
    const {argv, flags} = await this.parse(PredictVacate)
    this.quiet = flags.quiet
    const hosts = argv as string[]
    let byMs: number | undefined
    if (flags.by !== undefined) {
      byMs = Date.parse(flags.by)
      if (Number.isNaN(byMs)) throw new UsageError(`--by "${flags.by}" is not a time like 2026-12-01T08:00:00Z`)
    }
    const session = await this.openSession(flags)
    const {planHostVacate} = await import('../../services/vacate-hosts.js')
    const {loadCalibration} = await import('../../predict/calibration-store.js')
    const {predictVacate} = await import('../../predict/vacate-time.js')
    const progress = await this.progress(
      `Reading ${session.hosts.length} host(s), measuring what the VMs on ${hosts.join(', ')} hold and dirty...`,
    )
    const plan = await planHostVacate(session, hosts, flags.interval * 1000).finally(() => progress.stop())
    for (const w of plan.warnings) if (!this.jsonEnabled()) this.logToStderr(`warning: ${w}`)
    if (plan.stuck.length > 0)
      throw new ViolinError(`cannot vacate: ${plan.stuck.map((s) => `${s.vm} (on ${s.from}): ${s.reason}`).join('; ')}`)
    // Against the wall clock: a reservation is in real time, whatever the hosts' clock says.
    // Post-copy is libvirt's (QEMU's) alone.
    const moves = plan.moves.map((m) => ({...m, postCopy: session.host(m.from).driver === 'libvirt'}))
    const p = predictVacate(await loadCalibration(), moves, {
      strategy: flags.strategy,
      maxParallel: flags['max-parallel'],
      nowMs: Date.now(),
      measureMs: flags.interval * 1000,
      ...(byMs === undefined ? {} : {byMs}),
    })
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
    await this.render(
      flags.format,
      predictVacateJson(p),
      p.per_vm,
      [
        {header: 'VM', get: (v) => v.name},
        {header: 'From', get: (v) => v.host},
        {header: 'To', get: (v) => v.destination},
        {header: 'Takes', get: (v) => (v.converges ? s(v.wall_ms) : 'never ends'), align: 'right'},
        {header: 'Used', get: (v) => (v.used_mib === null ? '-' : `${Math.round(v.used_mib)} MiB`), align: 'right'},
        {
          header: 'Dirties',
          get: (v) =>
            v.dirty_rate_mibs === null
              ? '-'
              : `${v.dirty_rate_mibs} MiB/s${v.dirty_rate_from === 'measured' ? '' : ` (${v.dirty_rate_from})`}`,
          align: 'right',
        },
      ],
      csvRowsAt('per_vm'),
    )
    if (!this.jsonEnabled() && flags.format === 'table') {
      this.log(
        `\n${p.strategy}${p.strategy === 'parallel' ? ` (${p.max_parallel} at once)` : ''}: ${s(p.total_wall_ms)} [${s(p.interval.low_ms)}..${s(p.interval.high_ms)}] for ${p.per_vm.length} VMs${p.calibrated ? '' : ' (not calibrated: violin calibrate)'}`,
      )
      for (const v of p.per_vm.filter((x) => !x.converges)) this.log(notConvergingLines(v))
      if (p.narrow_with) this.log(`to narrow the interval: ${p.narrow_with}`)
      if (p.start_by) this.log(`to be free by ${p.by}: start by ${p.start_by}${p.late ? ' — already past' : ''}`)
      // vacate's own default is one at a time: say how to run what was predicted.
      const connect = flags.connect === undefined ? '' : ` --connect ${flags.connect}`
      if (p.per_vm.length > 0)
        this.log(`as predicted: violin vacate ${hosts.join(' ')} --max-parallel ${p.max_parallel} --interval ${flags.interval}${connect}`)
    }
    if (p.late) {
      if (!this.jsonEnabled()) this.logToStderr(`error: too late: starting now frees the hosts after ${p.by}`)
      process.exitCode = ExitCode.failure
    }
    return predictVacateJson(p)
  }
}

/** A VM whose live migration never ends, and what would end it, with each one's predicted pause. */
function notConvergingLines(v: VacatePrediction['per_vm'][number]): string {
  const s = (ms: number | null) => (ms === null ? 'does not converge either' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`)
  const lines = v.remedies.map(
    (r) =>
      `  ${r.migrate.replace('VM', v.name).replace('HOST', v.destination)}  ${r.remedy}: ${r.downtime_ms === null ? s(null) : `downtime ${s(r.downtime_ms)}, job ${s(r.total_ms)}`}`,
  )
  return [
    `${v.name} dirties ${v.dirty_rate_mibs} MiB/s: its live migration does not converge and vacate would not end. What would end it:`,
    ...lines,
  ].join('\n')
}
