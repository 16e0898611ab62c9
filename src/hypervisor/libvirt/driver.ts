import {HypervisorUnavailableError, NotFoundError, UsageError, ViolinError} from '../../errors.js'
import type {Transport} from '../../transport/transport.js'
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
import type {DomainType, VmSpec} from '../vm-spec.js'
import {domainXml, interfaceXml} from './domain-xml.js'
import {
  migrationStateOf,
  parseDomainFiles,
  parseDominfo,
  parseDomstats,
  parseJobinfo,
  parseListIds,
  parseNodeinfo,
  parseNodememstats,
  parseSchedinfo,
  parseVersion,
  splitBatch,
  stateFromNumber,
  vcpuWaitNs,
} from './parse.js'
import {isRealLocalHypervisor} from './uri.js'
import {setTimeout as sleep} from 'node:timers/promises'

const MARK = '@@violin:'
/** A migration of a large or busy guest takes minutes, far beyond a command's usual timeout. */
const LIBVIRT_MIGRATE_TIMEOUT_MS = 3_600_000
const DOMINFO = 'dominfo:'
const DIRTY_RATE = 'dirtyrate:'
/** After its --seconds, a dirty-rate calculation may still be finishing: polled this often, this many times. */
const DIRTY_RATE_POLL = {everyMs: 200, times: 10}
/** How long a reboot waits for the guest to power off before it is an error (as xl's reboot). */
const REBOOT_WAIT_MS = 120_000
/**
 * `virsh -c URI ARGS... --file F` where F holds the XML sent on stdin, a temporary file that
 * lives only as long as the command: virsh cannot read /dev/stdin when it is a socket, which
 * is what Node gives a child. The URI and ARGS travel as argv, never in the script's text.
 */
const XML_FROM_STDIN = 'f=$(mktemp) || exit 1; uri=$1; shift; cat > "$f" && virsh -c "$uri" "$@" --file "$f"; rc=$?; rm -f "$f"; exit $rc'
const NOT_FOUND = /failed to get domain|Domain not found|no domain with matching name/
/**
 * virsh could not reach libvirt (connecting, or the connection dropped): every command
 * failed, not one domain's. "failed to connect to the hypervisor" covers a stopped
 * libvirtd, a wrong or unknown URI and a refused socket (permission denied).
 */
const UNAVAILABLE =
  /failed to connect to the hypervisor|no valid connection|End of file while reading data|Cannot (recv|write) data|client socket is closed|authentication (failed|unavailable)/i

/** virsh's stderr as one line, without its "error: " prefixes. */
function virshWords(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim().replace(/^error:\s*/, ''))
    .filter(Boolean)
    .join(': ')
}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

/** Drives libvirt through the `virsh` client on the host (argv only; see transport). */
export class LibvirtDriver implements Driver {
  readonly kind = 'libvirt' as const
  /**
   * Drivers whose domstats lack cpu.time or balloon (libvirt's test driver) still answer
   * dominfo; these are the running VMs' ids that needed it in the last sample.
   */
  private dominfoIds: number[] = []
  private readonly realHost: boolean

  constructor(
    private readonly transport: Transport,
    readonly uri: string,
    private readonly now: () => number = Date.now,
    /** nic: the device whose traffic counts as the host's (default: the default route's). */
    private readonly options: {nic?: string} = {},
  ) {
    this.realHost = isRealLocalHypervisor(uri)
  }

  private virsh(args: string[], allowFailure = false, timeoutMs?: number) {
    return this.transport.run(['virsh', '-c', this.uri, ...args], {allowFailure, ...(timeoutMs ? {timeoutMs} : {})})
  }

  /** Throws when a failed virsh run failed because libvirt did not answer at all. */
  private answered(result: {exitCode: number; stderr: string}): void {
    if (result.exitCode !== 0 && UNAVAILABLE.test(result.stderr))
      throw new HypervisorUnavailableError(this.transport.host, `virsh -c ${this.uri}`, virshWords(result.stderr))
  }

  /**
   * Several commands in one virsh process (one round trip, one connection to libvirtd).
   * Only fixed words and numbers go into the batch; names always travel as argv.
   */
  private async batch(commands: Record<string, string>): Promise<Map<string, string>> {
    const script = Object.entries(commands)
      .map(([tag, cmd]) => `echo ${MARK}${tag}; ${cmd}`)
      .join('; ')
    const result = await this.virsh([script], true)
    // One domain's failure inside the batch is its parser's business; no answer at all is the host's.
    this.answered(result)
    if (result.exitCode !== 0 && !result.stdout.includes(MARK)) {
      throw new ViolinError(
        `host "${this.transport.host}": virsh -c ${this.uri} ran none of its commands: ${virshWords(result.stderr) || `exit ${result.exitCode}`}`,
        1,
        `violin host check ${this.transport.host}`,
      )
    }
    return splitBatch(result.stdout, MARK)
  }

  private async onVm<T>(name: string, args: string[], parse: (stdout: string) => T): Promise<T> {
    const result = await this.virsh(args, true)
    this.answered(result)
    if (result.exitCode !== 0) {
      if (NOT_FOUND.test(result.stderr))
        throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`, 'violin list --all')
      throw new ViolinError(`host "${this.transport.host}": virsh ${args[0]} ${name}: ${result.stderr.trim().replace(/^error: /gm, '')}`)
    }
    return parse(result.stdout)
  }

  async hostInfo(): Promise<HostInfo> {
    const out = await this.batch({node: 'nodeinfo', mem: 'nodememstats', version: 'version', hostname: 'hostname'})
    const node = parseNodeinfo(out.get('node') ?? '')
    if (Number.isNaN(node.cores)) {
      throw new ViolinError(
        `host "${this.transport.host}": virsh -c ${this.uri} nodeinfo gave no CPU count`,
        1,
        `violin host check ${this.transport.host}`,
      )
    }
    const version = parseVersion(out.get('version') ?? '')
    return {
      ...node,
      hostname: out.get('hostname')?.trim() || undefined,
      freeMemoryMiB: parseNodememstats(out.get('mem') ?? '').freeMiB,
      hypervisor: version.hypervisor,
      hypervisorVersion: version.version,
    }
  }

  async listVms(): Promise<VmSummary[]> {
    const out = await this.batch({list: 'list --all', stats: 'domstats --raw --state'})
    const ids = parseListIds(out.get('list') ?? '')
    return [...parseDomstats(out.get('stats') ?? '')].map(([name, raw]) => ({
      name,
      id: ids.get(name),
      state: stateFromNumber(raw['state.state']),
    }))
  }

  vmInfo(name: string): Promise<VmInfo> {
    return this.onVm(name, ['dominfo', '--domain', name], parseDominfo)
  }

  async sample(): Promise<HostSample> {
    const commands: Record<string, string> = {
      node: 'nodeinfo',
      mem: 'nodememstats',
      version: 'version',
      list: 'list --all',
      stats: 'domstats --raw --state --cpu-total --balloon --vcpu --interface',
    }
    // Ids that needed dominfo last time ride along in the same batch: one virsh run per poll.
    for (const id of this.dominfoIds) commands[`${DOMINFO}${id}`] = `dominfo ${id}`
    const [out, counters] = await Promise.all([
      this.batch(commands),
      this.realHost ? readHostCounters(this.transport, this.options.nic) : undefined,
    ])
    const timeMs = this.now()
    const node = parseNodeinfo(out.get('node') ?? '')
    if (Number.isNaN(node.cores)) throw new ViolinError(`host "${this.transport.host}": virsh -c ${this.uri} answered no nodeinfo`)
    const ids = parseListIds(out.get('list') ?? '')
    const vms = [...parseDomstats(out.get('stats') ?? '')].map(([name, raw]) => toSample(name, raw))
    const lacking = vms.filter((vm) => ids.has(vm.name) && (vm.cpuTimeNs === undefined || vm.memoryMiB === undefined))
    this.dominfoIds = lacking.map((vm) => ids.get(vm.name)!)
    const stillLacking = lacking.filter((vm) => !fillFromDominfo(vm, out.get(`${DOMINFO}${ids.get(vm.name)}`)))
    if (stillLacking.length > 0) {
      const again = await this.batch(
        Object.fromEntries(stillLacking.map((vm) => [`${DOMINFO}${ids.get(vm.name)}`, `dominfo ${ids.get(vm.name)}`])),
      )
      for (const vm of stillLacking) fillFromDominfo(vm, again.get(`${DOMINFO}${ids.get(vm.name)}`))
    }
    const version = parseVersion(out.get('version') ?? '')
    return {
      timeMs,
      host: {
        ...node,
        freeMemoryMiB: parseNodememstats(out.get('mem') ?? '').freeMiB,
        hypervisor: version.hypervisor,
        hypervisorVersion: version.version,
      },
      vms,
      ...(counters ? {counters} : {}),
    }
  }

  /**
   * One virsh batch starts a dirty-rate calculation for every VM asked about (by id: names
   * never enter a batch), they all measure at once, then one `domstats --balloon
   * --dirtyrate` reads them. A VM whose calculation did not start (a QEMU before 5.2, the
   * test driver) gets no rate, never a stale one.
   */
  async measureMigrationState(names: string[] | undefined, seconds: number, signal?: AbortSignal): Promise<Map<string, VmMigrationState>> {
    const ids = parseListIds((await this.batch({list: 'list'})).get('list') ?? '')
    const running = names === undefined ? [...ids.keys()] : [...new Set(names)].filter((n) => ids.has(n))
    const started = new Set<string>()
    if (seconds > 0 && running.length > 0) {
      const calcs = await this.batch(
        Object.fromEntries(running.map((n) => [`${DIRTY_RATE}${ids.get(n)}`, `domdirtyrate-calc ${ids.get(n)} --seconds ${seconds}`])),
      )
      for (const n of running) if (/successfully/i.test(calcs.get(`${DIRTY_RATE}${ids.get(n)}`) ?? '')) started.add(n)
      // A stop asked meanwhile cuts the wait, not the reading: the rates not measured by then are absent.
      if (started.size > 0) await sleep(seconds * 1000, undefined, {signal}).catch(() => undefined)
    }
    const out = new Map<string, VmMigrationState>()
    for (let poll = 0; ; poll++) {
      const stats = parseDomstats((await this.batch({stats: 'domstats --raw --balloon --dirtyrate'})).get('stats') ?? '')
      let waiting = false
      for (const n of running) {
        const raw = stats.get(n)
        if (!raw) continue
        const {measuring, dirtyRateMiBs, ...state} = migrationStateOf(raw)
        if (started.has(n) && measuring) waiting = true
        out.set(n, started.has(n) && dirtyRateMiBs !== undefined ? {...state, dirtyRateMiBs} : state)
      }
      if (!waiting || poll >= DIRTY_RATE_POLL.times || signal?.aborted) return out
      await sleep(DIRTY_RATE_POLL.everyMs, undefined, {signal}).catch(() => undefined)
    }
  }

  async setMemory(name: string, mib: number, target: MemoryTarget): Promise<void> {
    const flags = [...(target.live ? ['--live'] : []), ...(target.config ? ['--config'] : [])]
    await this.onVm(
      name,
      ['setmem', '--domain', name, '--size', `${Math.round(mib * 1024)}KiB`, ...(flags.length > 0 ? flags : ['--current'])],
      () => undefined,
    )
  }

  schedInfo(name: string): Promise<SchedParams> {
    return this.onVm(name, ['schedinfo', '--domain', name], parseSchedinfo)
  }

  /**
   * weight/cap are Xen's credit-scheduler words. QEMU's posix scheduler has cpu_shares
   * (default 1024 where Xen's weight is 256: x4 keeps defaults equal) and a quota per
   * period (cap = % of one CPU). The result is read back: drivers that ignore a
   * parameter (the test driver's weight) are reported, not trusted.
   */
  async setSched(name: string, params: {weight?: number; cap?: number}): Promise<SchedParams> {
    const current = await this.schedInfo(name)
    const set: Record<string, number> = {}
    if ('weight' in current || 'cap' in current) {
      if (params.weight !== undefined) set.weight = params.weight
      if (params.cap !== undefined) set.cap = params.cap
    } else if ('cpu_shares' in current) {
      if (params.weight !== undefined) set.cpu_shares = params.weight * 4
      if (params.cap !== undefined) {
        const period = Number(current.global_period ?? current.vcpu_period ?? 100_000)
        set[current.global_period === undefined ? 'vcpu_quota' : 'global_quota'] =
          params.cap === 0 ? -1 : Math.round((params.cap / 100) * period)
      }
    } else {
      throw new UsageError(`host "${this.transport.host}": the ${current.scheduler ?? 'unknown'} scheduler has no weight or cap`)
    }
    const args = ['schedinfo', '--domain', name]
    for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`)
    const after = await this.onVm(name, args, parseSchedinfo)
    const ignored = Object.entries(set).filter(([k, v]) => after[k] !== v)
    if (ignored.length > 0) {
      throw new ViolinError(
        `host "${this.transport.host}": the hypervisor accepted ${ignored.map(([k, v]) => `${k}=${v}`).join(' ')} for "${name}" but still reports ${ignored.map(([k]) => `${k}=${after[k] ?? '(none)'}`).join(' ')}`,
      )
    }
    return after
  }

  async migrate(name: string, destination: MigrationDestination, options: MigrateOptions): Promise<MigrationResult> {
    const argsFor = (p2p: boolean): string[] => {
      const args = ['migrate', ...(options.live ? ['--live'] : []), '--persistent', '--undefinesource', '--verbose']
      if (options.copyStorage) args.push('--copy-storage-all')
      if (p2p) args.push('--p2p')
      if (options.bandwidthMiBs !== undefined) args.push('--bandwidth', String(options.bandwidthMiBs))
      if (options.timeoutSec !== undefined) args.push('--timeout', String(options.timeoutSec), '--timeout-suspend')
      if (options.autoConverge) args.push('--auto-converge')
      if (options.postCopy) args.push('--postcopy', '--postcopy-after-precopy')
      args.push('--domain', name, '--desturi', destination.uri)
      return args
    }
    const started = this.now()
    let run = await this.virsh(argsFor(Boolean(options.peerToPeer || options.outliveClient)), true, LIBVIRT_MIGRATE_TIMEOUT_MS)
    // A hypervisor without peer-to-peer migration (libvirt's test driver): the client drives it.
    if (run.exitCode !== 0 && options.outliveClient && !options.peerToPeer && /p2p migration is not supported/i.test(run.stderr)) {
      run = await this.virsh(argsFor(false), true, LIBVIRT_MIGRATE_TIMEOUT_MS)
    }
    const wallMs = this.now() - started
    if (run.exitCode !== 0) {
      if (NOT_FOUND.test(run.stderr)) throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`)
      throw new ViolinError(
        `migrating "${name}" from "${this.transport.host}" to "${destination.hostName}" failed: ${run.stderr.trim().replace(/^error: /gm, '')}`,
      )
    }
    // With --undefinesource the statistics live on the destination.
    const job = await this.transport.run(
      ['virsh', '-c', destination.uri, 'domjobinfo', '--domain', name, '--completed', '--keep-completed', '--rawstats'],
      {allowFailure: true},
    )
    return {wallMs, ...(job.exitCode === 0 ? parseJobinfo(job.stdout) : {})}
  }

  async migrateOffline(name: string, destination: MigrationDestination): Promise<void> {
    const run = await this.virsh(
      ['migrate', '--offline', '--persistent', '--undefinesource', '--domain', name, '--desturi', destination.uri],
      true,
    )
    if (run.exitCode !== 0) {
      if (NOT_FOUND.test(run.stderr)) throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`)
      throw new ViolinError(
        `moving the definition of "${name}" from "${this.transport.host}" to "${destination.hostName}" failed: ${run.stderr.trim().replace(/^error: /gm, '')}`,
      )
    }
  }

  /** virsh ARGS --file F, with `xml` in F (see XML_FROM_STDIN). */
  private withXml(args: string[], xml: string) {
    return this.transport.run(['sh', '-c', XML_FROM_STDIN, 'sh', this.uri, ...args], {stdin: xml, allowFailure: true})
  }

  async defineVm(spec: VmSpec, options: {domainType: DomainType}): Promise<void> {
    const run = await this.withXml(['define'], domainXml(spec, options.domainType))
    if (run.exitCode !== 0)
      throw new ViolinError(`host "${this.transport.host}": defining "${spec.name}" failed: ${run.stderr.trim().replace(/^error: /gm, '')}`)
  }

  async replaceNic(name: string, mac: string, nic: VmSpec['nic']): Promise<void> {
    const run = await this.withXml(['update-device', '--domain', name, '--config'], interfaceXml(mac, nic))
    if (run.exitCode === 0) return
    if (NOT_FOUND.test(run.stderr)) throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`, 'violin list --all')
    throw new ViolinError(
      `host "${this.transport.host}": re-plugging the NIC of "${name}" failed: ${run.stderr.trim().replace(/^error: /gm, '')}`,
    )
  }

  async defaultDomainType(): Promise<DomainType> {
    const kvm = await this.virsh(['domcapabilities', '--virttype', 'kvm'], true)
    this.answered(kvm)
    return kvm.exitCode === 0 ? 'kvm' : 'qemu'
  }

  async startVm(name: string): Promise<void> {
    await this.onVm(name, ['start', '--domain', name], () => undefined)
  }

  async shutdownVm(name: string): Promise<void> {
    await this.onVm(name, ['shutdown', '--domain', name], () => undefined)
  }

  async destroyVm(name: string): Promise<void> {
    const run = await this.virsh(['destroy', '--domain', name], true)
    this.answered(run)
    if (run.exitCode === 0 || /not running/.test(run.stderr)) return
    if (NOT_FOUND.test(run.stderr)) throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`, 'violin list --all')
    throw new ViolinError(`host "${this.transport.host}": virsh destroy ${name}: ${run.stderr.trim().replace(/^error: /gm, '')}`)
  }

  async undefineVm(name: string): Promise<void> {
    await this.onVm(name, ['undefine', '--domain', name, '--managed-save', '--snapshots-metadata'], () => undefined)
  }

  /**
   * violin's own XML says <on_reboot>destroy</on_reboot> (the environment layer decides what
   * comes back), and libvirt's ACPI reboot of such a domain powers it off for good (measured
   * on the bed: no fake reboot). So a domain whose definition destroys on reboot is shut
   * down (ACPI), waited for, and started again, as xl does; any other gets virsh reboot.
   */
  async rebootVm(name: string): Promise<void> {
    const xml = await this.onVm(name, ['dumpxml', '--domain', name, '--inactive'], (out) => out)
    if (!/<on_reboot>destroy<\/on_reboot>/.test(xml)) {
      await this.onVm(name, ['reboot', '--domain', name], () => undefined)
      return
    }
    const polls = Math.round(REBOOT_WAIT_MS / 500)
    // The name travels as $2, never in the script's text.
    const script = `virsh -c "$1" shutdown --domain "$2" >/dev/null || exit 1; i=0; while [ $i -lt ${polls} ]; do [ "$(virsh -c "$1" domstate --domain "$2")" = "shut off" ] && exec virsh -c "$1" start --domain "$2"; sleep 0.5; i=$((i+1)); done; echo "still running after ${REBOOT_WAIT_MS / 1000} s" >&2; exit 3`
    const run = await this.transport.run(['sh', '-c', script, 'sh', this.uri, name], {
      allowFailure: true,
      timeoutMs: REBOOT_WAIT_MS + 30_000,
    })
    if (run.exitCode === 0) return
    if (NOT_FOUND.test(run.stderr)) throw new NotFoundError(`VM "${name}" is not on host "${this.transport.host}"`, 'violin list --all')
    throw new ViolinError(
      `host "${this.transport.host}": rebooting "${name}" (ACPI shutdown, then start): ${run.stderr.trim().replace(/^error: /gm, '')}`,
      undefined,
      run.exitCode === 3 ? `the guest ignores ACPI: violin destroy ${name} && violin start ${name}` : undefined,
    )
  }

  async suspendVm(name: string): Promise<void> {
    await this.onVm(name, ['suspend', '--domain', name], () => undefined)
  }

  async resumeVm(name: string): Promise<void> {
    await this.onVm(name, ['resume', '--domain', name], () => undefined)
  }

  async defineFromConfig(text: string): Promise<string> {
    const run = await this.withXml(['define'], text)
    if (run.exitCode !== 0)
      throw new ViolinError(
        `host "${this.transport.host}": virsh define: ${run.stderr.trim().replace(/^error: /gm, '')}`,
        undefined,
        'check the XML with virt-xml-validate FILE domain',
      )
    // "Domain 'NAME' defined from FILE" (libvirt 6.x and later; older ones print no quotes)
    const m = /^Domain '(.*)' defined from /m.exec(run.stdout) ?? /^Domain (.*) defined from /m.exec(run.stdout)
    if (!m) throw new ViolinError(`host "${this.transport.host}": virsh define said nothing of the VM's name: ${run.stdout.trim()}`)
    return m[1]!
  }

  /** The XML ending in one newline: virsh prints a blank line after it, which is not the document's. */
  dumpConfig(name: string): Promise<string> {
    return this.onVm(name, ['dumpxml', '--domain', name], (xml) => xml.replace(/\n+$/, '\n'))
  }

  async setAutostart(name: string, enabled: boolean): Promise<void> {
    await this.onVm(name, ['autostart', '--domain', name, ...(enabled ? [] : ['--disable'])], () => undefined)
  }

  consoleArgv(name: string): string[] {
    // --force: take the console from another client holding it, as virsh console --force does.
    return ['virsh', '-c', this.uri, 'console', '--force', '--domain', name]
  }

  vmFiles(name: string): Promise<VmFiles> {
    return this.onVm(name, ['dumpxml', '--domain', name, '--inactive'], parseDomainFiles)
  }

  async checkTools(): Promise<ToolCheck[]> {
    const client = await this.transport.run(['virsh', '--version'], {allowFailure: true})
    const checks: ToolCheck[] = [
      {
        tool: 'virsh',
        ok: client.exitCode === 0,
        detail: client.exitCode === 0 ? client.stdout.trim() : client.stderr.trim() || 'not found',
      },
    ]
    if (client.exitCode === 0) {
      const conn = await this.virsh(['version'], true)
      const v = parseVersion(conn.stdout)
      checks.push({
        tool: `libvirt ${this.uri}`,
        ok: conn.exitCode === 0,
        detail: conn.exitCode === 0 ? `${v.hypervisor} ${v.version ?? ''}`.trim() : conn.stderr.trim().replace(/^error: /gm, ''),
      })
    }
    return checks
  }
}

function toSample(name: string, raw: Record<string, string>): VmSample {
  const available = num(raw['balloon.available'])
  const unused = num(raw['balloon.unused'])
  let rx = 0
  let tx = 0
  const nets = num(raw['net.count']) ?? 0
  for (let i = 0; i < nets; i++) {
    rx += num(raw[`net.${i}.rx.bytes`]) ?? 0
    tx += num(raw[`net.${i}.tx.bytes`]) ?? 0
  }
  const kibToMiB = (v: number | undefined) => (v === undefined ? undefined : v / 1024)
  return {
    name,
    ...vcpuWaitNs(raw),
    state: stateFromNumber(raw['state.state']),
    vcpus: num(raw['vcpu.current']),
    cpuTimeNs: num(raw['cpu.time']),
    memoryMiB: kibToMiB(num(raw['balloon.current'])),
    maxMemoryMiB: kibToMiB(num(raw['balloon.maximum'])),
    memoryUsedMiB: available !== undefined && unused !== undefined ? (available - unused) / 1024 : undefined,
    swapOutKiB: num(raw['balloon.swap_out']),
    netRxBytes: nets > 0 ? rx : undefined,
    netTxBytes: nets > 0 ? tx : undefined,
    raw,
  }
}

/** Fills what domstats lacked from a dominfo of the same VM; false when the id now names another VM. */
function fillFromDominfo(vm: VmSample, text: string | undefined): boolean {
  if (!text) return false
  const info = parseDominfo(text)
  if (info.name !== vm.name) return false
  vm.vcpus ??= info.vcpus
  vm.memoryMiB ??= info.memoryMiB
  vm.maxMemoryMiB ??= info.maxMemoryMiB
  if (vm.cpuTimeNs === undefined && info.cpuTimeSec !== undefined) vm.cpuTimeNs = Math.round(info.cpuTimeSec * 1e9)
  return true
}
