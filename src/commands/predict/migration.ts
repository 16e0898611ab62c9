import {Flags} from '@oclif/core'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {formatFlags, MAX_COUNT} from '../../flags.js'
import type {MigrationPrediction} from '../../predict/predict.js'
import {parseSizeMiB} from '../../units.js'

const size = (text: string, flag: string): number => {
  try {
    return parseSizeMiB(text, 'MiB')
  } catch {
    throw new UsageError(`--${flag} "${text}" is not a size like 512M or 2GiB`)
  }
}

export default class PredictMigration extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Estimate how long one live (or stop-and-copy) migration takes, and its downtime.'
  static override description = `Pre-copy rounds of the data that travels (the first round what is in memory, each later one what the guest dirtied meanwhile) until one fits the 300 ms downtime limit, on the link the calibration measured (or --bandwidth), plus a term per MiB of guest memory and the fixed costs around the copy. With --concurrent N it runs alongside N-1 others: they share what the calibration saw them share (or, without such measurements, the link). Uses the stored calibration (violin calibrate); without one, defaults measured on a gigabit test bed, said as "calibrated: no".

JSON (a stable contract): total_ms (the hypervisor's job), downtime_ms, wall_ms (the whole migrate command: virsh or xl, start to end), sent_mib, interval.total and interval.wall (low_ms, high_ms: twice the fit's residual spread, or +-25% from fewer than 3 measurements; wider beyond the sizes measured), rounds, bandwidth_mibs, calibrated.`
  static override examples = [
    '<%= config.bin %> predict migration --memory 1G',
    '<%= config.bin %> predict migration --memory 4G --sent 900M --dirty-rate 40 --bandwidth 110',
    '<%= config.bin %> predict migration --memory 512M --concurrent 4 --json',
  ]
  static override flags = {
    ...formatFlags,
    memory: Flags.string({summary: "The guest's memory (512M, 2GiB).", required: true, helpValue: 'SIZE'}),
    sent: Flags.string({summary: 'What the first round sends (non-zero pages) [default: as calibrated, else all the memory].', helpValue: 'SIZE'}),
    'dirty-rate': Flags.string({summary: 'How fast the guest dirties memory, MiB/s.', default: '0', helpValue: 'MIBS'}),
    bandwidth: Flags.string({summary: 'The link, MiB/s [default: as calibrated, else 119].', helpValue: 'MIBS'}),
    mode: Flags.option({options: ['live', 'stop-and-copy'] as const, summary: 'Live pre-copy, or pause, copy and resume.', default: 'live'})(),
    concurrent: Flags.integer({summary: 'Migrations sharing the link at once.', default: 1, min: 1, max: MAX_COUNT, helpValue: 'N'}),
  }

  async run(): Promise<MigrationPrediction> {
    const {flags} = await this.parse(PredictMigration)
    this.quiet = flags.quiet
    const rate = (text: string | undefined, flag: string): number | undefined => {
      if (text === undefined) return undefined
      const n = Number(text)
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} must be a number of MiB/s >= 0, got "${text}"`)
      return n
    }
    const bandwidth = rate(flags.bandwidth, 'bandwidth')
    if (bandwidth === 0) throw new UsageError('--bandwidth must be more than 0')
    const {loadCalibration} = await import('../../predict/store.js')
    const {predictMigration} = await import('../../predict/predict.js')
    const p = predictMigration(await loadCalibration(), {
      mode: flags.mode,
      memoryMiB: size(flags.memory, 'memory'),
      ...(flags.sent === undefined ? {} : {sentMiB: size(flags.sent, 'sent')}),
      dirtyRateMiBs: rate(flags['dirty-rate'], 'dirty-rate')!,
      ...(bandwidth === undefined ? {} : {bandwidthMiBs: bandwidth}),
      concurrent: flags.concurrent,
    })
    const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
    await this.render(flags.format, p, [p], [
      {header: 'Job', get: (x) => `${s(x.total_ms)} [${s(x.interval.total.low_ms)}..${s(x.interval.total.high_ms)}]`},
      {header: 'Command', get: (x) => `${s(x.wall_ms)} [${s(x.interval.wall.low_ms)}..${s(x.interval.wall.high_ms)}]`},
      {header: 'Downtime', get: (x) => `${x.downtime_ms} ms`, align: 'right'},
      {header: 'Sent', get: (x) => `${x.sent_mib} MiB`, align: 'right'},
      {header: 'Rounds', get: (x) => x.rounds, align: 'right'},
      {header: 'Link', get: (x) => `${x.bandwidth_mibs} MiB/s`, align: 'right'},
      {header: 'Calibrated', get: (x) => (x.calibrated ? 'yes' : 'no')},
    ])
    return p
  }
}
