import {readFile} from 'node:fs/promises'

import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../base-command.js'
import {ConfigError, NotFoundError, unreadableFile, UsageError} from '../errors.js'
import {formatFlags} from '../flags.js'
import type {Calibration, CommandTimes, ModeCalibration} from '../predict/calibration.js'
import type {Measurement} from '../predict/measurement.js'
import {writeOutputFile} from '../files.js'
import {calibrationJson} from '../render/json-rows.js'
import {rowsByName} from '../render/output.js'

const round = (x: number | undefined, digits = 1) => (x === undefined ? undefined : Math.round(x * 10 ** digits) / 10 ** digits)

export default class Calibrate extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Fit the migration-time models to measured migrations.'
  static override description =
    `Every \`violin migrate\` (and every move of \`env migrate\`, \`vacate\`, \`adapt\`) records what the hypervisor measured in the state dir (migrations.jsonl). Simulated runs (sim: targets and sim hosts) record theirs apart, in the state dir's sim/, and are fitted only with --simulated. calibrate fits, per mode (live, stop-and-copy), the hypervisor's job time and the whole migration's time against the data that travelled, from the migrations that ran alone: one measurement scales the default shape; with more, the shape (proportional, linear, quadratic) with the least leave-one-out error wins (VTDC 2007 section 3.2). A term per MiB of guest memory is fitted when guests of several sizes were measured (else 0.3 ms/MiB, measured on the test bed). Migrations that ran together give how many run at full speed at once; the lead, gap and tail times violin commands record (migrations.jsonl, commands.jsonl) give what a command spends before, between and after its moves. The fit is stored (state dir, calibration.json) and used by \`violin predict\` and by the plans of \`violin adapt\`.

--csv FILE imports a site's own measurements: a header row naming its columns in any order (mode, memory_mib, used_mib, sent_mib, dirty_rate_mibs, bandwidth_mibs, concurrent, total_ms, downtime_ms, wall_ms, lead_ms, gap_ms), empty cells where unknown. A bad row is reported with its line and skipped. --export writes the recorded migrations in the same CSV. --show prints the stored fit, its residual spread and what it came from; --plot FILE.svg draws each fit against its points.`
  static override examples = [
    '<%= config.bin %> calibrate',
    '<%= config.bin %> calibrate --csv measured.csv',
    '<%= config.bin %> calibrate --show --json',
    '<%= config.bin %> calibrate --export migrations.csv',
    '<%= config.bin %> calibrate --simulated   # fit what simulated runs recorded (state dir, sim/)',
  ]
  static override flags = {
    ...formatFlags,
    'from-history': Flags.boolean({summary: 'Use the recorded migrations (the default without --csv; with it, both).'}),
    csv: Flags.string({summary: 'Also (or only, without --from-history) fit these measurements.', helpValue: 'FILE'}),
    show: Flags.boolean({summary: 'Print the stored calibration; fit nothing.', exclusive: ['csv', 'from-history', 'export']}),
    export: Flags.string({
      summary: 'Write the recorded migrations as CSV to FILE (- for stdout); fit nothing.',
      helpValue: 'FILE',
      exclusive: ['csv', 'show', 'plot'],
    }),
    plot: Flags.string({summary: 'Also draw each fit against its measured points, as SVG.', helpValue: 'FILE.svg'}),
    simulated: Flags.boolean({
      summary:
        "Fit the migrations of simulated runs (sim: targets and hosts, recorded in the state dir's sim/) instead of the real ones; the fit is stored as any other, its source naming them.",
      exclusive: ['show'],
    }),
  }

  async run(): Promise<Calibration | {exported: number; file: string}> {
    const {flags} = await this.parse(Calibrate)
    this.quiet = flags.quiet
    const store = await import('../predict/calibration-store.js')
    const {readMigrations, migrationsWhere} = await import('../monitor/migration-history.js')
    const {openStore} = await import('../store/open.js')
    const real = await openStore()
    // Simulated runs record apart; they are fitted (or exported) only when asked for.
    const dir = flags.simulated ? real.scope('sim') : real
    if (flags.export === '-' && this.jsonEnabled())
      throw new UsageError('--export - writes CSV to stdout: it cannot share it with --json', 'violin calibrate --export FILE --json')
    if (flags.export) {
      const {toMigrationsCsv} = await import('../predict/csv.js')
      const records = await readMigrations(dir)
      const text = toMigrationsCsv(records)
      if (flags.export === '-') process.stdout.write(text)
      else {
        await writeOutputFile('--export', flags.export, text)
        this.note(`Wrote ${records.length} migrations to ${flags.export}`)
      }
      return {exported: records.length, file: flags.export}
    }
    if (flags.show) {
      const stored = await store.loadCalibration(real)
      if (!stored)
        throw new NotFoundError('no calibration yet', 'violin calibrate (after a few violin migrate), or violin calibrate --csv FILE')
      await this.showCalibration(stored, flags.format)
      await this.plot(stored, flags.plot)
      return calibrationJson(stored)
    }
    const data: Measurement[] = []
    const sources: string[] = []
    if (!flags.csv || flags['from-history']) {
      const records = await readMigrations(dir)
      data.push(...records)
      sources.push(`${flags.simulated ? 'simulated history' : 'history'} (${migrationsWhere(dir)})`)
    }
    if (flags.csv) {
      const {parseMigrationsCsv} = await import('../predict/csv.js')
      const text = await readFile(flags.csv, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw unreadableFile(flags.csv!, error)
      })
      let parsed: ReturnType<typeof parseMigrationsCsv>
      try {
        parsed = parseMigrationsCsv(text)
      } catch (error) {
        // "line 3: unknown column ...": said as FILE:LINE:COL like every bad file.
        const m = /^line (\d+): (.*)$/s.exec((error as Error).message)
        throw m
          ? new ConfigError(flags.csv, undefined, m[2]!, {line: Number(m[1]), column: 1})
          : new ConfigError(flags.csv, undefined, (error as Error).message)
      }
      for (const s of parsed.skipped)
        if (!this.jsonEnabled()) this.logToStderr(`warning: ${flags.csv}: line ${s.line} skipped: ${s.reason}`)
      data.push(...parsed.rows)
      sources.push(flags.csv)
    }
    const {calibrate} = await import('../predict/calibration.js')
    if (data.length === 0) {
      const simulated = flags.simulated ? [] : await readMigrations(real.scope('sim')).catch(() => [])
      throw new UsageError(
        `no ${flags.simulated ? 'simulated' : 'real'} measured migration in ${sources.join(' or ')}${simulated.length > 0 ? `; ${simulated.length} simulated ones are kept apart in ${migrationsWhere(real.scope('sim'))}` : ''}`,
        simulated.length > 0
          ? 'violin migrate VM HOST on real hosts records one; violin calibrate --simulated fits the simulated ones'
          : 'violin migrate VM HOST records one; or violin calibrate --csv FILE',
      )
    }
    const {readCommandTails} = await import('../monitor/command-timing.js')
    const calibration = calibrate(data, sources.join(' + '), {
      tails: !flags.csv || flags['from-history'] ? await readCommandTails(dir) : [],
    })
    const path = await store.saveCalibration(calibration, real)
    await this.showCalibration(calibration, flags.format)
    this.note(`Stored in ${path}`)
    await this.plot(calibration, flags.plot)
    return calibrationJson(calibration)
  }

  private async plot(c: Calibration, file: string | undefined): Promise<void> {
    if (!file) return
    const {plotCalibrationSvg} = await import('../predict/fit-plot.js')
    await writeOutputFile('--plot', file, plotCalibrationSvg(c))
    this.note(`Wrote ${file}`)
  }

  private async showCalibration(c: Calibration, format: Parameters<ViolinCommand['render']>[0]): Promise<void> {
    const rows: Array<[string, 'hypervisor' | 'wall', ModeCalibration]> = []
    for (const [mode, m] of Object.entries(c.modes))
      for (const what of ['hypervisor', 'wall'] as const) if (m[what]) rows.push([mode, what, m])
    await this.render(
      format,
      calibrationJson(c),
      rows,
      [
        {header: 'Mode', get: ([mode]) => mode},
        {header: 'Time', get: ([, what]) => (what === 'hypervisor' ? 'job (total_ms)' : 'command (wall_ms)')},
        {header: 'Shape', get: ([, what, m]) => m[what]!.shape},
        {
          header: 'ms = a + b*MiB + c*MiB²',
          get: ([, what, m]) => `${round(m[what]!.a)} + ${round(m[what]!.b, 3)}*x${m[what]!.c ? ` + ${round(m[what]!.c, 6)}*x²` : ''}`,
        },
        {header: 'RMS ms', get: ([, what, m]) => round(m[what]!.rms), align: 'right'},
        {
          header: 'Leave-one-out',
          get: ([, what, m]) => (m[what]!.leaveOneOut === undefined ? '-' : `${round(m[what]!.leaveOneOut! * 100)}%`),
          align: 'right',
        },
        {header: 'Points', get: ([, what, m]) => m[what]!.points, align: 'right'},
        {
          header: 'Memory ms/MiB',
          get: ([, , m]) => (m.memoryTerm === 'none' ? '-' : `${round(m.memoryMsPerMiB, 2)} (${m.memoryTerm})`),
          align: 'right',
        },
        {header: 'Overhead ms', get: ([, , m]) => round(m.overheadMs, 0), align: 'right'},
        {header: 'Downtime ms', get: ([, , m]) => round(m.downtimeMs, 0), align: 'right'},
        {header: 'Sent MiB', get: ([, , m]) => round(m.sentMiB), align: 'right'},
      ],
      rowsByName('mode', 'modes'),
    )
    if (!this.jsonEnabled() && format !== 'csv' && format !== 'json') {
      this.note(
        `From ${c.data.length} measured migrations (${c.source}), ${c.created}${c.concurrentLeftOut ? `; ${c.concurrentLeftOut} that ran alongside others are not in the time fits` : ''}`,
      )
      for (const [mode, m] of Object.entries(c.modes)) {
        const k = m.concurrency
        if (k)
          this.note(
            `${mode}, several at once (${k.points} measured): the jobs run as if ${round(k.job, 2)} at full speed${k.overhead === undefined ? '' : `, the overhead around them ${round(k.overhead, 2)}`}`,
          )
      }
      for (const [mode, m] of Object.entries(c.modes)) {
        const r = m.resident
        if (r)
          this.note(
            `${mode}, data sent (${r.points} measured): ${round(r.extraMiB)} MiB beyond the memory in use${r.dirtySeconds === undefined ? ' (dirtying: the pre-copy rounds on the link, not enough rates measured to learn better)' : `, and ${round(r.dirtySeconds, 2)} s of the guest's dirtying sent again`}, +-${round(r.rms)} MiB`,
          )
        else if (m.memoryTerm === 'none' && m.range && m.range.high < 1.5 * m.range.low)
          this.note(
            `${mode}: one guest size and no data sent: predictions span "mostly fixed" to "grows with memory" until migrations of another size (or with sent_mib) are added`,
          )
      }
      const times = (t: CommandTimes) =>
        [
          t.startupMs !== undefined && `${round(t.startupMs, 0)} ms before the first migration`,
          t.gapMs !== undefined && `${round(t.gapMs, 0)} ms between two`,
          t.tailMs !== undefined && `${round(t.tailMs, 0)} ms after the last`,
        ]
          .filter(Boolean)
          .join(', ')
      if (c.command) this.note(`violin's own time (${c.command.points} measured): ${times(c.command)}`)
      for (const [name, t] of Object.entries(c.command?.byCommand ?? {}))
        this.note(`  ${name.replace(':', ' ')} (${t.points}): ${times(t)}`)
    }
  }
}
