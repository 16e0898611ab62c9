import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {formatFlags, MAX_COUNT, MAX_MIBS} from '../../flags.js'
import type {MigrationPrediction} from '../../predict/predict.js'
import {parseSizeMiB} from '../../units.js'

const size = (text: string, flag: string): number => {
  try {
    return parseSizeMiB(text)
  } catch {
    throw new UsageError(`--${flag} "${text}" is not a size like 512M or 2GiB`)
  }
}

export default class PredictMigration extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Estimate how long one live (or stop-and-copy) migration takes, and its downtime.'
  static override description =
    `Pre-copy rounds of the data that travels (the first round what is in memory, each later one what the guest dirtied meanwhile) until one fits the 300 ms downtime limit, on the link the calibration measured (or --bandwidth), plus a term per MiB of guest memory and the fixed costs around the copy. With --concurrent N it runs alongside N-1 others: they share what the calibration saw them share (or, without such measurements, the link). Uses the stored calibration (violin calibrate); without one, defaults measured on a gigabit test bed, said as "calibrated: no".

A live migration whose guest dirties memory about as fast as the link carries it (or faster) cannot converge: the rounds never shrink to the limit and a plain \`violin migrate --live\` never ends. That is said plainly, with what would make it finish and the downtime each is predicted to cost: --timeout (pause the guest after the first round), --auto-converge (QEMU throttles the guest's vCPUs until it can keep up), --postcopy (libvirt hosts: after one pass the guest runs on the destination and fetches the rest; it always ends, but a link failure then loses the guest), or stop-and-copy (no --live: the guest is paused while all its memory crosses the link). The exit status is still 0: the prediction itself succeeded.

Without --sent or --used, what travels is what the calibration's guests sent; with no calibration, all of the memory, and the interval reaches down to what an idle guest sends. Every interval is an 80% one: from the fit's residuals (Student's t for the few migrations a calibration has), +-25% with too few to say, wider beyond the sizes measured; from one guest size without the data sent, it spans "mostly fixed" to "grows with memory". narrow_with then says which measurement would narrow it.

JSON (a stable contract): total_ms (the hypervisor's job), downtime_ms, wall_ms (the whole migrate command: virsh or xl, start to end), sent_mib, interval.total and interval.wall (low_ms, high_ms), interval.sent (low_mib, high_mib), rounds, bandwidth_mibs, calibrated, converges, remedies (empty when it converges; else each with remedy: timeout|auto-converge|post-copy|stop-and-copy, migrate: the command, downtime_ms and total_ms, null when that remedy would not converge either). When converges is false, total_ms and downtime_ms are those of a forced pause after 30 rounds. narrow_with: null, or the measurement that would narrow the interval.`
  static override examples = [
    '<%= config.bin %> predict migration --memory 1G',
    '<%= config.bin %> predict migration --memory 4G --sent 900M --dirty-rate 40 --bandwidth 110',
    '<%= config.bin %> predict migration --memory 4G --used 1200M --dirty-rate 12   # as domstats --dirty-rate measured it',
    '<%= config.bin %> predict migration --memory 512M --concurrent 4 --json',
    '<%= config.bin %> predict migration --memory 8G --dirty-rate 150 --bandwidth 119    # cannot converge: what would',
  ]
  static override flags = {
    ...formatFlags,
    memory: Flags.string({summary: "The guest's memory (512M, 2GiB; a bare number is MiB).", required: true, helpValue: 'SIZE'}),
    sent: Flags.string({
      summary:
        'What the first round sends (non-zero pages; a bare number is MiB), at most --memory [default: as calibrated, else all the memory].',
      helpValue: 'SIZE',
    }),
    used: Flags.string({
      summary:
        'Memory the guest holds (as violin domstats VM --dirty-rate measures it; a bare number is MiB): the first round sends it and what the calibration saw travel beyond it.',
      helpValue: 'SIZE',
      exclusive: ['sent'],
    }),
    'dirty-rate': Flags.string({summary: 'How fast the guest dirties memory, MiB/s.', default: '0', helpValue: 'MIBS'}),
    bandwidth: Flags.string({summary: 'The link, MiB/s [default: as calibrated, else 119].', helpValue: 'MIBS'}),
    mode: Flags.option({
      options: ['live', 'stop-and-copy'] as const,
      summary: 'Live pre-copy, or pause, copy and resume.',
      default: 'live',
    })(),
    concurrent: Flags.integer({summary: 'Migrations sharing the link at once.', default: 1, min: 1, max: MAX_COUNT, helpValue: 'N'}),
  }

  async run(): Promise<MigrationPrediction> {
    const {flags} = await this.parse(PredictMigration)
    this.quiet = flags.quiet
    const rate = (text: string | undefined, flag: string): number | undefined => {
      if (text === undefined) return undefined
      // Decimal only: Number() would also take 0x10 (16) and 1e-300, which no one means as a rate.
      const n = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN
      if (!Number.isFinite(n) || n > MAX_MIBS)
        throw new UsageError(`--${flag} must be a decimal number of MiB/s from 0 to ${MAX_MIBS}, got "${text}"`)
      return n
    }
    const bandwidth = rate(flags.bandwidth, 'bandwidth')
    if (bandwidth === 0) throw new UsageError('--bandwidth must be more than 0')
    const {loadCalibration} = await import('../../predict/calibration-store.js')
    const {predictMigration} = await import('../../predict/predict.js')
    const memoryMiB = size(flags.memory, 'memory')
    const sentMiB = flags.sent === undefined ? undefined : size(flags.sent, 'sent')
    const usedMiB = flags.used === undefined ? undefined : size(flags.used, 'used')
    if (usedMiB !== undefined && usedMiB > memoryMiB)
      throw new UsageError(`--used ${flags.used} is more than --memory ${flags.memory}`, 'give --used at most --memory')
    if (sentMiB !== undefined && sentMiB > memoryMiB) {
      throw new UsageError(
        `--sent ${flags.sent} is more than --memory ${flags.memory}: the first round sends at most the guest's memory`,
        'give --sent at most --memory (the non-zero pages of the guest)',
      )
    }
    const p = predictMigration(await loadCalibration(), {
      mode: flags.mode,
      memoryMiB,
      ...(sentMiB === undefined ? {} : {sentMiB}),
      ...(usedMiB === undefined ? {} : {usedMiB}),
      dirtyRateMiBs: rate(flags['dirty-rate'], 'dirty-rate')!,
      ...(bandwidth === undefined ? {} : {bandwidthMiBs: bandwidth}),
      concurrent: flags.concurrent,
      postCopy: true,
    })
    const s = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
    const never = (text: string) => (p.converges ? text : 'never ends')
    await this.render(
      flags.format,
      p,
      [p],
      [
        {header: 'Job', get: (x) => never(`${s(x.total_ms)} [${s(x.interval.total.low_ms)}..${s(x.interval.total.high_ms)}]`)},
        {header: 'Command', get: (x) => never(`${s(x.wall_ms)} [${s(x.interval.wall.low_ms)}..${s(x.interval.wall.high_ms)}]`)},
        {header: 'Downtime', get: (x) => (p.converges ? `${x.downtime_ms} ms` : '-'), align: 'right'},
        {header: 'Sent', get: (x) => (p.converges ? `${x.sent_mib} MiB` : '-'), align: 'right'},
        {header: 'Rounds', get: (x) => (p.converges ? x.rounds : '-'), align: 'right'},
        {header: 'Link', get: (x) => `${x.bandwidth_mibs} MiB/s`, align: 'right'},
        {header: 'Calibrated', get: (x) => (x.calibrated ? 'yes' : 'no')},
      ],
    )
    if (!p.converges && !this.jsonEnabled() && flags.format === 'table')
      this.log(notConverging(p, rate(flags['dirty-rate'], 'dirty-rate')!))
    if (p.narrow_with && !this.jsonEnabled() && flags.format === 'table') this.log(`to narrow the interval: ${p.narrow_with}`)
    return p
  }
}

function notConverging(p: MigrationPrediction, dirtyRateMiBs: number): string {
  const why =
    dirtyRateMiBs >= p.bandwidth_mibs
      ? `the guest dirties ${dirtyRateMiBs} MiB/s, at least what the link carries (${p.bandwidth_mibs} MiB/s)`
      : `at ${dirtyRateMiBs} MiB/s dirtied on a ${p.bandwidth_mibs} MiB/s link the rounds shrink too slowly to reach the 300 ms limit`
  const s = (ms: number | null) =>
    ms === null ? 'does not converge either' : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`
  const width = Math.max(...p.remedies.map((r) => r.migrate.length))
  const lines = p.remedies.map(
    (r) =>
      `  ${r.migrate.padEnd(width)}  ${r.remedy}: ${r.downtime_ms === null ? s(null) : `downtime ${s(r.downtime_ms)}, job ${s(r.total_ms)}`}`,
  )
  return [`Live migration does not converge: ${why}, so it never ends on its own. What would end it:`, ...lines].join('\n')
}
