import * as Flags from '@oclif/core/flags'

import {resolvePolicyOptions} from '../adapt/policy-settings.js'
import {ViolinCommand} from '../base-command.js'
import {UsageError} from '../errors.js'
import {formatFlags, MAX_READINGS, MAX_SECONDS, selectionFlags} from '../flags.js'
import {canRedraw} from '../render/terminal.js'
import {TOP_SORTS, type TopSort} from '../render/top-model.js'
import {TopFeed} from '../services/top-feed.js'

const MIN_INTERVAL = 0.1

/** Seconds, a fraction allowed: 2, 0.5, .25. */
export async function parseInterval(input: string): Promise<number> {
  const x = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(input) ? Number(input) : Number.NaN
  if (!(x >= MIN_INTERVAL && x <= MAX_SECONDS))
    throw new UsageError(`--interval takes seconds from ${MIN_INTERVAL} to ${MAX_SECONDS} (2, 0.5), not ${JSON.stringify(input)}`)
  return x
}

export default class Top extends ViolinCommand {
  static override summary =
    'A full-screen live view of the fleet, like virt-top: hosts, the busiest VMs, VM pairs and the latest decisions.'
  static override description = [
    "Redraws every --interval: each host's CPU, free memory, swap writes, NIC use and state (ok; hot: over a threshold of the adaptation loop, the same as violin adapt reads from config.json; drained: in maintenance; unreachable: did not answer, with why); the VMs sorted by CPU, memory used or network (bytes/s through their NIC); the busiest VM pairs of the traffic matrix (counted by the environments' switches on either data plane, or a scenario's traffic); and the adaptation loop's latest recorded decisions, newest first.",
    'Keys: c, m, n sort the VMs by CPU, memory, network; s shows one site, then the next, then all again; q or Ctrl-C quits (exit 0), as SIGTERM does. Simulated hosts (sim:) advance their clock by the interval while you watch it in real time.',
    'Without a terminal (stdout or stdin not a TTY), or with --json or --format, it is violin usage --watch with the same hosts, the interval rounded up to whole seconds, and --count.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> top --connect sim:examples/two-sites.yaml',
    '<%= config.bin %> top --site east --interval 0.5 --sort memory',
    '<%= config.bin %> top --interval 5 --count 3 > readings.txt   # no terminal: usage --watch',
  ]

  static override flags = {
    ...selectionFlags,
    ...formatFlags,
    interval: Flags.custom<number>({
      char: 'i',
      summary: `Seconds between readings: from ${MIN_INTERVAL} to ${MAX_SECONDS}, a fraction allowed (without a terminal, rounded up to whole seconds).`,
      default: 2,
      helpValue: 'SECONDS',
      parse: parseInterval,
    })(),
    sort: Flags.option({
      options: TOP_SORTS,
      summary: 'Sort the VMs by this key first (c, m, n switch it).',
      default: 'cpu' as TopSort,
    })(),
    count: Flags.integer({
      summary: 'Stop after this many readings (on a terminal too).',
      min: 1,
      max: MAX_READINGS,
      helpValue: 'N',
    }),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Top)
    this.quiet = flags.quiet
    const formatGiven = this.argv.some((a) => a === '--format' || a.startsWith('--format='))
    const onTerminal = Boolean(process.stdin.isTTY) && canRedraw(process.stdout)
    if (!onTerminal || this.jsonEnabled() || formatGiven) return this.config.runCommand('usage', usageArgv(flags, this.jsonEnabled()))
    const session = await this.openSession(flags)
    const hosts = session.select({hosts: flags.host, site: flags.site})
    const thresholds = resolvePolicyOptions({}, session.scenario?.scenario.policyOptions)
    const feed = new TopFeed(session, hosts, flags.interval * 1000, flags.count)
    const {runTopScreen} = await import('../render/top-screen.js')
    await runTopScreen({intervalSec: flags.interval, thresholds, sort: flags.sort, site: flags.site, next: (signal) => feed.next(signal)})
    return undefined
  }
}

/** The same watch as usage --watch: the same hosts and target, whole seconds. */
function usageArgv(
  flags: {
    interval: number
    host?: string[]
    site?: string
    count?: number
    format: string
    'no-header': boolean
    quiet: boolean
    connect?: string
    'accept-new-host-key': boolean
  },
  json: boolean,
): string[] {
  return [
    '--watch',
    '--interval',
    String(Math.max(1, Math.ceil(flags.interval))),
    ...(flags.host ?? []).flatMap((h) => ['--host', h]),
    ...(flags.site === undefined ? [] : ['--site', flags.site]),
    ...(flags.count === undefined ? [] : ['--count', String(flags.count)]),
    ...(json ? ['--json'] : flags.format === 'table' ? [] : ['--format', flags.format]),
    ...(flags['no-header'] ? ['--no-header'] : []),
    ...(flags.quiet ? ['--quiet'] : []),
    ...(flags.connect === undefined ? [] : ['--connect', flags.connect]),
    ...(flags['accept-new-host-key'] ? ['--accept-new-host-key'] : []),
  ]
}
