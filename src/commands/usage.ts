import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {formatFlags, MAX_READINGS, MAX_SECONDS, selectionFlags} from '../flags.js'
import {type Samples, type UsageReport, pollUsage} from '../monitor/poll.js'
import type {HostUsage, VmUsage} from '../monitor/rates.js'
import {renderCsvRows, renderYamlDocument} from '../render/output.js'
import type {Column, Format} from '../render/table.js'
import {type UsageTable, usageCsvRows, usageReading} from '../render/usage.js'
import {realClock, type Session} from '../services/session.js'
import {formatMiB, formatRate} from '../units.js'
import {csvRowsAt} from '../render/output.js'

/** `usage --traffic --json`: one object per (source, destination) pair; totals since each switch started. */
interface TrafficReportJson {
  interval_sec: number
  pairs: Array<{
    env: string
    src_mac: string
    dst_mac: string
    src_vm: string | null
    dst_vm: string | null
    remote: boolean
    frames: number
    bytes: number
    bytes_per_second: number | null
    frames_per_second: number | null
  }>
}

const pct = (x: number | undefined) => (x === undefined ? undefined : `${x.toFixed(1)}%`)

const hostColumns: Column<HostUsage>[] = [
  {header: 'Host', get: (r) => r.host},
  {header: 'Site', get: (r) => r.site},
  {header: 'Status', get: (r) => r.status},
  {header: 'Cores', get: (r) => r.cores, align: 'right'},
  {header: 'CPU', get: (r) => pct(r.cpuPercent), align: 'right'},
  {header: 'Memory', get: (r) => (r.memoryMiB === undefined ? undefined : formatMiB(r.memoryMiB)), align: 'right'},
  {header: 'Free', get: (r) => (r.freeMemoryMiB === undefined ? undefined : formatMiB(r.freeMemoryMiB)), align: 'right'},
  {header: 'VMs', get: (r) => r.vms, align: 'right'},
]

const swapColumn: Column<HostUsage> = {header: 'Swap out/s', get: (r) => r.swapWritesPerSecond, align: 'right'}
const nicColumn: Column<HostUsage> = {header: 'NIC', get: (r) => pct(r.nicPercent), align: 'right'}

/** Swap and NIC columns only when some host measured them (libvirt's test driver measures neither). */
function hostColumnsFor(hosts: HostUsage[]): Column<HostUsage>[] {
  return [
    ...hostColumns,
    ...(hosts.some((h) => h.swapWritesPerSecond !== undefined) ? [swapColumn] : []),
    ...(hosts.some((h) => h.nicPercent !== undefined) ? [nicColumn] : []),
  ]
}

const vmColumns: Column<VmUsage>[] = [
  {header: 'Host', get: (r) => r.host},
  {header: 'VM', get: (r) => r.name},
  {header: 'State', get: (r) => r.state},
  {header: 'vCPUs', get: (r) => r.vcpus, align: 'right'},
  {header: 'CPU', get: (r) => pct(r.cpuPercent), align: 'right'},
  {header: 'Mem used', get: (r) => (r.memoryUsedMiB === undefined ? undefined : formatMiB(r.memoryUsedMiB)), align: 'right'},
  {header: 'Allocated', get: (r) => (r.memoryMiB === undefined ? undefined : formatMiB(r.memoryMiB)), align: 'right'},
  {header: 'Max', get: (r) => (r.maxMemoryMiB === undefined ? undefined : formatMiB(r.maxMemoryMiB)), align: 'right'},
]

export default class Usage extends ViolinCommand {
  static override summary = 'Poll every host: per-VM CPU and memory, per-host CPU, free memory, swap writes and NIC use.'
  static override description =
    "Samples every selected host at once, waits --interval, samples again and prints rates. VM CPU is a % of the VM's own vCPUs; host CPU is a % of all its cores. Real hosts also report the pages they swapped out per second and their NIC's traffic (received + sent) as a % of its speed, when the NIC reports one (see host add --nic). Hosts that do not answer are listed with their status while the others are still shown, and the exit status is 7. Simulated hosts (sim:) advance their clock by the interval without waiting. The table shows the hosts and the VMs (--hosts or --vms: one of them); --format csv prints one table, the VMs' (--hosts: the hosts'), each row with the reading's time and the header once, also under --watch."
  static override examples = [
    '<%= config.bin %> usage --connect sim:examples/two-sites.yaml',
    '<%= config.bin %> usage --site east --interval 5',
    '<%= config.bin %> usage --watch --interval 2',
    '<%= config.bin %> usage --format csv --quiet >> usage.csv   # from cron: the VMs, one row each with the time',
    '<%= config.bin %> usage --format csv --hosts --no-header >> hosts.csv',
  ]

  static override flags = {
    ...selectionFlags,
    ...formatFlags,
    interval: Flags.integer({
      char: 'i',
      summary: 'Seconds between the two samples.',
      default: 1,
      min: 1,
      max: MAX_SECONDS,
      helpValue: 'SECONDS',
    }),
    watch: Flags.boolean({
      char: 'w',
      summary:
        'Keep polling every interval until SIGINT or SIGTERM (then exit 0; a second signal forces). With --json, one JSON object a line per reading (JSON Lines).',
    }),
    count: Flags.integer({
      summary: 'With --watch: stop after this many readings.',
      min: 1,
      max: MAX_READINGS,
      dependsOn: ['watch'],
      helpValue: 'N',
    }),
    traffic: Flags.boolean({
      summary:
        "Show the traffic between VMs instead: bytes and frames per (source, destination) pair, counted by the environments' switches (the udp data plane's agents; on the kernel data plane, nftables on each host, set up with the bridge). Each frame is counted once, on the host where it entered the mesh; remote means it crossed to another host.",
      exclusive: ['watch'],
    }),
    hosts: Flags.boolean({summary: "Only the hosts' table (table and csv).", exclusive: ['vms', 'traffic']}),
    vms: Flags.boolean({summary: "Only the VMs' table (table; csv prints it by default).", exclusive: ['hosts', 'traffic']}),
    env: Flags.string({
      summary: 'With --traffic: only this environment (repeatable; default: every one whose switch runs).',
      multiple: true,
      dependsOn: ['traffic'],
      helpValue: 'ENV',
    }),
  }

  async run(): Promise<UsageReport | TrafficReportJson | undefined> {
    const {flags} = await this.parse(Usage)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    if (flags.traffic) return this.traffic(session, flags.env, flags.interval, flags.format)
    const hosts = session.select({hosts: flags.host, site: flags.site})
    const readings: UsageReport[] = []
    let samples: Samples | undefined
    // The first signal ends the watch after the reading in flight (exit 0); a second one forces.
    const stop = this.stopOnSignals('this reading')
    const more = () => flags.watch && !(flags.count && readings.length >= flags.count) && !stop.signal.aborted
    do {
      const progress = await this.progress(`Polling ${hosts.length} host(s)...`)
      const polled = await pollUsage(session, hosts, flags.interval * 1000, flags.watch ? samples : undefined, stop.signal)
        .catch((error: Error) => {
          // Stopped while waiting for agents' next samples: the readings so far stand.
          if (stop.signal.aborted && error.name === 'AbortError' && readings.length > 0) return undefined
          throw error
        })
        .finally(() => progress.stop())
      if (!polled) break
      samples = polled.samples
      readings.push(polled.report)
      await this.show(
        polled.report,
        flags.format,
        readings.length,
        flags.watch,
        flags.hosts ? 'hosts' : flags.vms || flags.format === 'csv' ? 'vms' : 'both',
      )
      if (!more()) break
      // A person watches in real time, also when the hosts are simulated ones.
      await Promise.all([session.clock.sleep(flags.interval * 1000, stop.signal), realClock.sleep(flags.interval * 1000, stop.signal)])
    } while (more())
    const last = readings.at(-1)!
    this.exitForHosts(
      last.hosts.length,
      last.hosts.filter((h) => h.status !== 'ok'),
    )
    // Under --watch every reading was printed as it came (JSON Lines): nothing more at the end.
    return flags.watch ? undefined : usageReading(readings[0]!)
  }

  private async traffic(session: Session, envs: string[] | undefined, interval: number, format: Format): Promise<TrafficReportJson> {
    const progress = await this.progress("Reading the switches' traffic matrices...")
    // Loaded here: the traffic matrix pulls in the switch and agent services, which plain usage never needs.
    const {pollTraffic} = await import('../services/traffic-poll.js')
    const report = await pollTraffic(session, envs, interval * 1000).finally(() => progress.stop())
    for (const f of report.failures) this.warnHost(f.host, f.error)
    const rows = report.environments.flatMap((e) => e.pairs.map((p) => ({env: e.env, ...p})))
    const payload: TrafficReportJson = {
      interval_sec: report.intervalSeconds,
      pairs: rows.map((r) => ({
        env: r.env,
        src_mac: r.src,
        dst_mac: r.dst,
        src_vm: r.srcVm ?? null,
        dst_vm: r.dstVm ?? null,
        remote: r.remote,
        frames: r.frames,
        bytes: r.bytes,
        bytes_per_second: r.bytesPerSecond ?? null,
        frames_per_second: r.framesPerSecond ?? null,
      })),
    }
    await this.render(
      format,
      payload,
      rows,
      [
        {header: 'Env', get: (r) => r.env},
        {header: 'From', get: (r) => r.srcVm ?? r.src},
        {header: 'To', get: (r) => r.dstVm ?? (r.dst === 'ff:ff:ff:ff:ff:ff' ? 'broadcast' : r.dst)},
        {header: 'Path', get: (r) => (r.remote ? 'remote' : 'local')},
        {header: 'Frames', get: (r) => r.frames, align: 'right'},
        {header: 'Bytes', get: (r) => r.bytes, align: 'right'},
        {header: 'Rate', get: (r) => (r.bytesPerSecond === undefined ? undefined : `${formatRate(r.bytesPerSecond)}`), align: 'right'},
      ],
      csvRowsAt('pairs'),
    )
    if (rows.length === 0 && !this.jsonEnabled() && format === 'table') this.note('No traffic counted yet.')
    this.exitForHosts(
      report.asked,
      report.failures.map((f) => f.error as {exitCode?: number}),
    )
    return payload
  }

  private async show(r: UsageReport, format: Format, n: number, watch: boolean, table: UsageTable): Promise<void> {
    for (const h of r.hosts) if (h.status !== 'ok' && n === 1) this.warnHost(h.host, new Error(h.error))
    if (this.jsonEnabled()) {
      if (watch) this.logJsonLine(usageReading(r))
      return
    }
    if (format === 'yaml') {
      this.log(await renderYamlDocument(usageReading(r), n === 1))
      return
    }
    if (format === 'csv') {
      // One table: the VMs' (or with --hosts the hosts'), each row stamped with the reading's time; the header once.
      const rows = usageCsvRows(usageReading(r), table)
      this.log(renderCsvRows(rows, {header: n === 1 && !this.noHeader}))
      return
    }
    if (n > 1) this.log('')
    // No host answered: there is no interval and no time to state, only the hosts' failures.
    if (!this.noHeader)
      this.log(
        r.hosts.some((h) => h.status === 'ok')
          ? `Usage over ${r.intervalSec.toFixed(1)} s, ending ${new Date(r.timeMs).toISOString()}`
          : 'No host answered:',
      )
    if (table !== 'vms') await this.render('table', r, r.hosts, hostColumnsFor(r.hosts))
    if (table === 'both') this.log('')
    if (table !== 'hosts') await this.render('table', r, r.vms, vmColumns)
  }
}
