import {CommandFailedError, HypervisorUnavailableError, NotFoundError, TimeoutError, UsageError, ViolinError, tail} from '../../errors.js'
import {quoteArgv} from '../../transport/shell-quote.js'
import type {RunResult, Transport} from '../../transport/transport.js'
import type {
  Driver,
  HostInfo,
  HostSample,
  MemoryTarget,
  MigrateOptions,
  MigrationDestination,
  MigrationResult,
  SchedParams,
  ToolCheck,
  VmFiles,
  VmInfo,
  VmMigrationState,
  VmSample,
  VmSummary,
} from '../driver.js'
import {readHostCounters} from '../host-counters.js'
import type {VmSpec} from '../vm-spec.js'
import {XL_CONFIG_DIR, xlConfig, xlConfigFiles, xlConfigName, xlConfigPath, xlConfigShape, xlVif} from './config.js'
import {parseSchedCredit, parseXentopBatch, parseXlInfo, parseXlList, parseXlListLong, parseXlMigrate, type XlInfo} from './parse.js'

/** The host itself; listed by xl like a guest. */
const DOM0 = 'Domain-0'

/** Used when the caller gives no timeout: migrations of large guests take minutes. */
export const XL_MIGRATE_DEFAULT_TIMEOUT_MS = 3_600_000

/**
 * -f: full names (xentop cuts them at 10 characters, and names are how violin addresses VMs).
 * -r only repeats the header, which the parser takes in its stride; it keeps the flags those of
 * the real capture the tests replay (test/fixtures/xl/xentop-b-i1-r-f.txt).
 */
const XENTOP_ARGV = ['xentop', '-b', '-i', '1', '-r', '-f'] as const

/**
 * xl or xentop could not reach Xen at all, as recorded in test/fixtures/xl/no-hypervisor*.txt
 * (Debian's wrapper: no hypervisor in sysfs; the real binaries: no privcmd handle, no xl
 * context, no xenstat) and as libxl_ctx_alloc words a missing xenstored ("cannot connect
 * to xenstore"). Then every command fails, not one VM's.
 */
const NO_XEN =
  /Can't find hypervisor information in sysfs|Could not obtain handle on privileged command interface|cannot open libxc handle|cannot connect to xenstore|cannot init xl context|Failed to initialize xenstat library|xc_interface_open/

/** xl hands the destination to `sh -c "exec ssh HOST xl migrate-receive"` on the source host. */
const SSH_HOST = /^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9._:[\]-]+$/

const KiB_PER_MiB = 1024

/** xendomains(8)'s directory: configs linked here start when the host boots. */
export const XL_AUTO_DIR = '/etc/xen/auto'

/** How long a reboot waits for the guest to shut down before it is an error (virsh's shutdown has no limit). */
const XL_SHUTDOWN_WAIT_MS = 120_000

/** Writes stdin to the file named by $1, whole or not at all (a rename), creating its directory. */
export const WRITE_FROM_STDIN = 'mkdir -p "$(dirname "$1")" && cat > "$1.tmp" && mv -f "$1.tmp" "$1"'

/** Drives Xen through `xl` and `xentop` on one host. */
export class XlDriver implements Driver {
  readonly kind = 'xl' as const
  private scheduler?: Promise<string>

  constructor(
    private readonly transport: Transport,
    private readonly clock: () => number = Date.now,
    /** nic: the device whose traffic counts as the host's (default: the default route's). */
    private readonly options: {nic?: string} = {},
  ) {}

  async hostInfo(): Promise<HostInfo> {
    return toHostInfo(await this.xlInfo())
  }

  async listVms(): Promise<VmSummary[]> {
    const {stdout} = await this.xl(['xl', 'list'])
    return parseXlList(stdout)
      .filter((row) => row.name !== DOM0)
      .map(({name, id, state}) => ({name, id, state}))
  }

  async vmInfo(name: string): Promise<VmInfo> {
    const [list, long] = await Promise.all([this.xl(['xl', 'list']), this.xl(['xl', 'list', '-l'])])
    const row = parseXlList(list.stdout).find((r) => r.name === name)
    if (!row) throw this.notFound(name)
    // xl list -l silently leaves out domains whose configuration libxl cannot retrieve
    const config = parseXlListLong(long.stdout).find((d) => d.name === name)
    const mib = (kib: number | undefined) => (kib === undefined ? undefined : kib / KiB_PER_MiB)
    return {
      name,
      id: row.id,
      state: row.state,
      uuid: config?.uuid,
      vcpus: row.vcpus,
      memoryMiB: mib(config?.targetMemKiB) ?? row.memMiB,
      maxMemoryMiB: mib(config?.maxMemKiB) ?? row.memMiB,
      cpuTimeSec: row.timeSec,
    }
  }

  async sample(): Promise<HostSample> {
    const [info, top, counters] = await Promise.all([
      this.xlInfo(),
      this.xl([...XENTOP_ARGV]),
      readHostCounters(this.transport, this.options.nic),
    ])
    const timeMs = this.clock()
    const vms: VmSample[] = parseXentopBatch(top.stdout)
      .filter((row) => row.name !== DOM0)
      .map((row) => ({
        name: row.name,
        state: row.state,
        vcpus: row.vcpus,
        // xentop prints whole seconds
        cpuTimeNs: row.cpuSec * 1e9,
        memoryMiB: row.memKiB / KiB_PER_MiB,
        maxMemoryMiB: row.maxMemKiB === undefined ? undefined : row.maxMemKiB / KiB_PER_MiB,
        netTxBytes: row.netTxKiB === undefined ? undefined : row.netTxKiB * 1024,
        netRxBytes: row.netRxKiB === undefined ? undefined : row.netRxKiB * 1024,
        raw: row.raw,
      }))
    return {timeMs, host: toHostInfo(info), vms, ...(counters ? {counters} : {})}
  }

  /**
   * Xen reports no dirty rate outside a migration, and sends every page a domain holds: its
   * memory in use is what xentop says it has (the history gives the rate).
   */
  async measureMigrationState(names: string[] | undefined): Promise<Map<string, VmMigrationState>> {
    const top = await this.xl([...XENTOP_ARGV])
    const out = new Map<string, VmMigrationState>()
    for (const row of parseXentopBatch(top.stdout))
      if ((names === undefined || names.includes(row.name)) && (row.state === 'running' || row.state === 'idle'))
        out.set(row.name, {usedMiB: row.memKiB / KiB_PER_MiB, usedFrom: 'resident'})
    return out
  }

  async setMemory(name: string, mib: number, target: MemoryTarget): Promise<void> {
    if (target.config) {
      throw new UsageError(
        `cannot change the configured memory of VM "${name}" on host "${this.transport.host}": xl mem-set changes only the running domain`,
        target.live ? 'ask for a live change only; edit the domain config file for the next boot' : 'ask for a live change',
      )
    }
    if (!target.live) throw new UsageError(`no memory change asked for VM "${name}": neither live nor config`)
    if (!Number.isFinite(mib) || mib <= 0) throw new UsageError(`${mib} MiB is not a memory size for VM "${name}"`)
    // xl reads an integer with a unit; `--` keeps a name starting with "-" from reading as an option
    const size = Number.isInteger(mib) ? `${mib}m` : `${Math.round(mib * KiB_PER_MiB)}k`
    await this.runOnVm(name, ['xl', 'mem-set', '--', name, size])
  }

  async schedInfo(name: string): Promise<SchedParams> {
    const command = await this.schedCommand()
    const {stdout} = await this.runOnVm(name, ['xl', command, '-d', name])
    const rows = parseSchedCredit(stdout)
    const row = rows.find((r) => r.name === name) ?? rows[0]
    if (!row) throw new ViolinError(`host "${this.transport.host}": xl ${command} -d printed no row for VM "${name}"`)
    return {weight: row.weight, cap: row.cap}
  }

  async setSched(name: string, params: {weight?: number; cap?: number}): Promise<SchedParams> {
    const {weight, cap} = params
    if (weight === undefined && cap === undefined) throw new UsageError(`no weight or cap given for VM "${name}"`)
    if (weight !== undefined && !(Number.isInteger(weight) && weight >= 1 && weight <= 65535)) {
      throw new UsageError(`weight ${weight} for VM "${name}" is out of range`, 'a weight is an integer from 1 to 65535 (default 256)')
    }
    if (cap !== undefined && !(Number.isInteger(cap) && cap >= 0)) {
      throw new UsageError(
        `cap ${cap} for VM "${name}" is not a percentage of one CPU`,
        'a cap is an integer: 0 (no cap), 50 = half a CPU, 200 = two CPUs',
      )
    }
    const command = await this.schedCommand()
    const argv = ['xl', command, '-d', name]
    if (weight !== undefined) argv.push('-w', String(weight))
    if (cap !== undefined) argv.push('-c', String(cap))
    await this.runOnVm(name, argv)
    return this.schedInfo(name)
  }

  async migrate(name: string, destination: MigrationDestination, options: MigrateOptions): Promise<MigrationResult> {
    const host = destination.uri
    if (!options.live) {
      throw new UsageError(`xl migrates VM "${name}" only live`, 'migrate live, or use xl save and xl restore for a cold move')
    }
    if (options.autoConverge) {
      throw new UsageError(
        `xl migrate cannot throttle VM "${name}" to make its migration converge`,
        'leave out --auto-converge for xl hosts',
      )
    }
    if (options.postCopy) {
      throw new UsageError(
        `xl migrate has no post-copy for VM "${name}"`,
        'leave out --postcopy for xl hosts (--timeout pauses the VM instead)',
      )
    }
    if (options.bandwidthMiBs !== undefined) {
      throw new UsageError(
        `xl migrate cannot limit the bandwidth of VM "${name}"'s migration`,
        'leave the bandwidth unlimited for xl hosts',
      )
    }
    if (!SSH_HOST.test(host) || host.startsWith('-') || host.includes('@-')) {
      throw new UsageError(
        `destination "${host}" for VM "${name}" is not an SSH host name xl can use`,
        'xl passes the destination to a shell on the source host; give a plain host name such as h2 or root@h2',
      )
    }
    const timeoutMs = options.timeoutSec === undefined ? XL_MIGRATE_DEFAULT_TIMEOUT_MS : options.timeoutSec * 1000
    // BatchMode: no terminal here, so ssh must fail rather than wait at a password prompt
    const argv = ['xl', 'migrate', '-s', 'ssh -o BatchMode=yes', '--', name, host]
    const started = this.clock()
    let result: RunResult
    try {
      result = await this.transport.run(argv, {timeoutMs, allowFailure: true})
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error
      throw new ViolinError(
        `host "${this.transport.host}": migrating VM "${name}" to ${destination.hostName} did not finish in ${timeoutMs / 1000} s and was stopped`,
        undefined,
        `check both hosts with xl list: the VM may be paused, or renamed ${name}--migratedaway`,
      )
    }
    const wallMs = this.clock() - started
    const report = parseXlMigrate(result.stderr)
    if (result.exitCode !== 0) {
      if (invalidDomain(result.stderr)) throw this.notFound(name)
      const detail = report.problems.slice(-3).join(' | ') || tail(result.stderr || result.stdout)
      throw new ViolinError(
        `host "${this.transport.host}": migrating VM "${name}" to ${destination.hostName} failed (exit ${result.exitCode}): ${detail}`,
        undefined,
        report.stateUndefined
          ? 'the VM may now run on both hosts or on neither: check both with xl list before doing anything else'
          : `check that root on ${this.transport.host} can ssh to ${host} without a password and that xl works there`,
      )
    }
    return {wallMs, raw: report.raw}
  }

  /**
   * xl keeps no definitions: a VM is its xl.cfg file, written where violin looks for it
   * (XL_CONFIG_DIR), and `xl create` starts it. Shut off, it is only that file.
   */
  /** Moves violin's stored config file (all a shut-off xl VM is) to `target`'s host. */
  async migrateOffline(name: string, destination: MigrationDestination, target: Driver): Promise<void> {
    if (!(target instanceof XlDriver)) throw new UsageError(`host "${destination.hostName}" is not an xl host`)
    if ((await this.listVms()).some((vm) => vm.name === name)) {
      throw new UsageError(
        `VM "${name}" is running on host "${this.transport.host}": only a shut-off VM moves offline`,
        `violin migrate ${name} ${destination.hostName} --live`,
      )
    }
    await target.adoptConfig(name, await this.storedConfig(name))
    await this.undefineVm(name)
  }

  async storedVmInfo(name: string): Promise<VmInfo> {
    return {name, state: 'shutoff', ...xlConfigShape(await this.storedConfig(name))}
  }

  /** Writes a VM's config moved from another host; one already here under that name is never overwritten. */
  async adoptConfig(name: string, text: string): Promise<void> {
    const path = xlConfigPath(name)
    if ((await this.transport.run(['test', '-e', path], {allowFailure: true})).exitCode === 0) {
      throw new UsageError(
        `host "${this.transport.host}" already has a config for VM "${name}" (${path})`,
        'remove or rename one of the two first',
      )
    }
    await this.writeConfig(path, text)
  }

  private async storedConfig(name: string): Promise<string> {
    const result = await this.transport.run(['cat', '--', xlConfigPath(name)], {allowFailure: true})
    if (result.exitCode !== 0) {
      throw new NotFoundError(
        `VM "${name}" has no config ${xlConfigPath(name)} on host "${this.transport.host}"`,
        `violin define FILE --host ${this.transport.host}`,
      )
    }
    return result.stdout
  }

  /** Writes a config whole or not at all (WRITE_FROM_STDIN). */
  private async writeConfig(path: string, text: string): Promise<void> {
    await this.transport.run(['sh', '-c', WRITE_FROM_STDIN, 'sh', path], {stdin: text})
  }

  async defineVm(spec: VmSpec): Promise<void> {
    const path = xlConfigPath(spec.name)
    await this.writeConfig(path, xlConfig(spec))
  }

  async startVm(name: string): Promise<void> {
    await this.xl(['xl', 'create', '--', xlConfigPath(name)])
  }

  async shutdownVm(name: string): Promise<void> {
    await this.runOnVm(name, ['xl', 'shutdown', '--', name])
  }

  async destroyVm(name: string): Promise<void> {
    const result = await this.transport.run(['xl', 'destroy', '--', name], {allowFailure: true})
    this.answered(result, 'xl')
    if (result.exitCode !== 0 && !invalidDomain(result.stderr)) {
      throw new CommandFailedError(this.transport.host, `xl destroy ${name}`, result.exitCode, tail(result.stderr || result.stdout))
    }
  }

  /** Its config and, if `autostart` made one, its link in /etc/xen/auto (else xendomains finds a dangling link). */
  async undefineVm(name: string): Promise<void> {
    await this.transport.run(['rm', '-f', '--', xlConfigPath(name), `${XL_AUTO_DIR}/${name}.cfg`])
  }

  /**
   * violin's own configs say on_reboot="destroy" (the environment layer decides what comes
   * back), and xl has no fake reboot: a VM with a config here is shut down (xl shutdown -w)
   * and created again from it; any other domain gets a plain xl reboot.
   */
  async rebootVm(name: string): Promise<void> {
    const path = xlConfigPath(name)
    const stored = await this.transport.run(['test', '-f', path], {allowFailure: true})
    if (stored.exitCode !== 0) {
      await this.runOnVm(name, ['xl', 'reboot', '--', name])
      return
    }
    await this.runOnVm(name, ['xl', 'shutdown', '-w', '--', name], XL_SHUTDOWN_WAIT_MS)
    await this.transport.run(['xl', 'create', '--', path])
  }

  async suspendVm(name: string): Promise<void> {
    await this.runOnVm(name, ['xl', 'pause', '--', name])
  }

  async resumeVm(name: string): Promise<void> {
    await this.runOnVm(name, ['xl', 'unpause', '--', name])
  }

  /** Stores the xl.cfg where violin keeps configs (XL_CONFIG_DIR); `start` creates the domain from it. */
  async defineFromConfig(text: string): Promise<string> {
    const name = xlConfigName(text)
    await this.writeConfig(xlConfigPath(name), text)
    return name
  }

  dumpConfig(name: string): Promise<string> {
    return this.storedConfig(name)
  }

  /** xendomains(8) starts at boot every config linked from /etc/xen/auto. */
  async setAutostart(name: string, enabled: boolean): Promise<void> {
    const path = xlConfigPath(name)
    const link = `${XL_AUTO_DIR}/${name}.cfg`
    const argv = enabled
      ? [
          'sh',
          '-c',
          'test -f "$1" || { echo "no config $1" >&2; exit 4; }; mkdir -p "$(dirname "$2")" && ln -sfn "$1" "$2"',
          'sh',
          path,
          link,
        ]
      : ['rm', '-f', '--', link]
    const result = await this.transport.run(argv, {allowFailure: true})
    if (result.exitCode === 4)
      throw new NotFoundError(
        `VM "${name}" has no config ${path} on host "${this.transport.host}"`,
        `violin define FILE --host ${this.transport.host}`,
      )
    if (result.exitCode !== 0)
      throw new CommandFailedError(this.transport.host, quoteArgv(argv), result.exitCode, tail(result.stderr || result.stdout))
  }

  consoleArgv(name: string): string[] {
    return ['xl', 'console', '--', name]
  }

  /** Off, an xl VM is only its config: the names of those violin keeps. */
  async definedVms(): Promise<string[]> {
    const result = await this.transport.run(['ls', '-1', '--', XL_CONFIG_DIR], {allowFailure: true})
    if (result.exitCode !== 0) {
      if (/No such file or directory/.test(result.stderr)) return []
      throw new CommandFailedError(this.transport.host, `ls -1 -- ${XL_CONFIG_DIR}`, result.exitCode, tail(result.stderr))
    }
    return result.stdout
      .split('\n')
      .filter((f) => f.endsWith('.cfg'))
      .map((f) => f.slice(0, -'.cfg'.length))
  }

  async replaceNic(name: string, mac: string, nic: VmSpec['nic']): Promise<void> {
    if (nic?.kind === 'udp')
      throw new UsageError(`host "${this.transport.host}" runs Xen, which has no UDP NIC backend`, 'use the vxlan data plane')
    const path = xlConfigPath(name)
    const lines = (await this.storedConfig(name)).split('\n')
    const at = lines.findIndex((l) => /^\s*vif\s*=/.test(l))
    if (at < 0 || !lines[at]!.includes(`mac=${mac}`))
      throw new ViolinError(`host "${this.transport.host}": ${path} has no vif with mac=${mac}; violin re-plugs only the configs it wrote`)
    lines[at] = xlVif(mac, nic)
    await this.writeConfig(path, lines.join('\n'))
  }

  async vmFiles(name: string): Promise<VmFiles> {
    return xlConfigFiles(await this.storedConfig(name))
  }

  async checkTools(): Promise<ToolCheck[]> {
    let result: RunResult
    try {
      result = await this.transport.run(['xl', 'info'], {allowFailure: true})
    } catch (error) {
      // xl missing, the host unreachable, a timeout: all transport errors are ViolinErrors
      if (!(error instanceof ViolinError)) throw error
      return [{tool: 'xl', ok: false, detail: error.message}]
    }
    if (result.exitCode !== 0) {
      return [{tool: 'xl', ok: false, detail: `xl: ${describeFailure(result)} (exit ${result.exitCode})`}]
    }
    const info = parseXlInfo(result.stdout)
    const detail = `Xen ${info.xenVersion ?? '(version unknown)'}, scheduler ${info.scheduler ?? 'unknown'}, ${info.nrCpus} CPUs, ${info.totalMemoryMiB} MiB`
    return [{tool: 'xl', ok: true, detail}]
  }

  private async xlInfo(): Promise<XlInfo> {
    const {stdout} = await this.xl(['xl', 'info'])
    return parseXlInfo(stdout)
  }

  /** credit and credit2 take the same -d/-w/-c options; since Xen 4.12 credit2 is the default. */
  private schedCommand(): Promise<string> {
    this.scheduler ??= this.xlInfo().then(
      (info) => info.scheduler ?? 'credit',
      (error: unknown) => {
        this.scheduler = undefined
        throw error
      },
    )
    return this.scheduler.then((scheduler) => {
      if (scheduler === 'credit') return 'sched-credit'
      if (scheduler === 'credit2') return 'sched-credit2'
      throw new UsageError(`host "${this.transport.host}" runs the Xen ${scheduler} scheduler, which has no weight or cap`)
    })
  }

  /** Runs an xl command naming a VM, and reports an unknown name as NotFoundError. */
  private async runOnVm(name: string, argv: string[], timeoutMs?: number): Promise<RunResult> {
    const result = await this.transport.run(argv, {allowFailure: true, ...(timeoutMs ? {timeoutMs} : {})})
    if (result.exitCode === 0) return result
    this.answered(result, argv[0]!)
    if (invalidDomain(result.stderr)) throw this.notFound(name)
    throw new CommandFailedError(this.transport.host, quoteArgv(argv), result.exitCode, tail(result.stderr || result.stdout))
  }

  /** Runs xl or xentop; a failure is the hypervisor's absence when Xen's own words say so. */
  private async xl(argv: string[]): Promise<RunResult> {
    const result = await this.transport.run(argv, {allowFailure: true})
    if (result.exitCode === 0) return result
    this.answered(result, argv[0]!)
    throw new CommandFailedError(this.transport.host, quoteArgv(argv), result.exitCode, tail(result.stderr || result.stdout))
  }

  private answered(result: RunResult, client: string): void {
    if (result.exitCode !== 0 && NO_XEN.test(result.stderr))
      throw new HypervisorUnavailableError(this.transport.host, client, describeFailure(result))
  }

  private notFound(name: string): NotFoundError {
    return new NotFoundError(
      `VM "${name}" is not running on host "${this.transport.host}"`,
      'give the name exactly as xl list prints it (names are case-sensitive)',
    )
  }
}

function toHostInfo(info: XlInfo): HostInfo {
  return {
    hostname: info.host,
    cores: info.nrCpus,
    memoryMiB: info.totalMemoryMiB,
    freeMemoryMiB: info.freeMemoryMiB,
    mhz: info.cpuMhz === undefined ? undefined : Math.round(info.cpuMhz),
    hypervisor: 'xen',
    hypervisorVersion: info.xenVersion,
  }
}

/** xl's find_domain(): "NAME is an invalid domain identifier (rc=-6)". */
function invalidDomain(stderr: string): boolean {
  return /is an invalid domain identifier/.test(stderr)
}

/** Debian's wrapper says "ERROR:  Can't find hypervisor information in sysfs!"; keep the words. */
function describeFailure(result: RunResult): string {
  const text = tail(result.stderr || result.stdout).replace(/^ERROR:\s*/, '')
  return text || 'no message'
}
