import {resolve} from 'node:path'
import {setTimeout as sleepFor} from 'node:timers/promises'

import {NotFoundError, UsageError} from '../errors.js'
import type {Driver} from '../hypervisor/driver.js'
import type {Rule} from '../policy/rules.js'
import {DEFAULT_LIBVIRT_URI, type HostRecord} from '../inventory/host.js'
import {Inventory} from '../inventory/inventory.js'
import type {SimTarget} from '../sim/load.js'
import type {World} from '../sim/world.js'
import {LocalTransport} from '../transport/local.js'
import {SshTransport} from '../transport/ssh.js'
import type {Transport} from '../transport/transport.js'
import {openStore} from '../store/open.js'
import type {Store} from '../store/store.js'
import {movesOf} from '../sim/scenario-moves.js'

export interface Clock {
  now(): number
  /** Resolves after ms, or as soon as signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, {signal}).catch(() => undefined),
}

export interface SessionOptions {
  /** `sim:FILE` or a libvirt URI; undefined means the inventory. */
  connect?: string
  acceptNewHostKey?: boolean
}

export interface Selection {
  hosts?: string[]
  site?: string
}

export function envMs(name: string): number | undefined {
  const n = Number(process.env[name])
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined
}

/**
 * What one command invocation talks to: the inventory's hosts (or an ad-hoc --connect
 * target), each with its driver and one transport, opened lazily and closed together.
 */
export class Session {
  private readonly transports = new Map<string, Transport>()
  private readonly drivers = new Map<string, Driver>()
  private readonly sims = new Map<string, SimTarget>()
  private readonly loadingSims = new Map<string, Promise<SimTarget>>()

  private constructor(
    readonly hosts: HostRecord[],
    readonly source: string,
    private readonly options: SessionOptions,
    readonly inventory?: Inventory,
  ) {}

  static async open(options: SessionOptions = {}): Promise<Session> {
    const connect = options.connect?.trim()
    if (!connect) {
      const inventory = await Inventory.open()
      return new Session(inventory.hosts(), inventory.path, options, inventory)
    }
    if (connect.startsWith('sim:')) {
      const file = resolve(connect.slice(4))
      const session = new Session([], `sim:${file}`, options)
      const {simHosts} = await import('../sim/load.js')
      session.hosts.push(
        ...simHosts(await session.sim(file)).map(
          (h): HostRecord => ({name: h.name, site: h.site, transport: {kind: 'local'}, driver: 'sim', uri: file}),
        ),
      )
      return session
    }
    if (/^[a-z0-9+]+:\/\//i.test(connect)) {
      const m = /^[^:]+:\/\/(?:[^@/]*@)?([^/:?]*)/.exec(connect)
      const name = m?.[1] || 'localhost'
      return new Session([{name, site: 'default', transport: {kind: 'local'}, driver: 'libvirt', uri: connect}], connect, options)
    }
    throw new UsageError(
      `--connect "${connect}" is neither sim:FILE nor a libvirt URI`,
      'violin list --connect sim:examples/two-sites.yaml, or --connect qemu:///system',
    )
  }

  /**
   * A simulated session: a sim: target, or any simulated host in the inventory. What it
   * records (migrations, command timings, history, the pass lock) goes apart from the real
   * measurements, in the store's sim/ part (see store() below).
   */
  get simulated(): boolean {
    return this.source.startsWith('sim:') || this.hosts.some((h) => h.driver === 'sim')
  }

  /** Where this session's records go: the store (VIOLIN_STORE), or its sim/ part for a simulated session. */
  async store(): Promise<Store> {
    const store = await openStore()
    return this.simulated ? store.scope('sim') : store
  }

  /** Real time this session has spent waiting on purpose (measuring intervals): not violin's own overhead. */
  sleptMs = 0

  /** When this session's last timed migration ended (performance.now() ms), if it ran one: the command's tail is counted from it (monitor/command-timing.ts). */
  lastTimedMigrationEndMs: number | undefined

  /**
   * Time as the hosts see it. Simulated clusters advance only when told: a session of
   * sim hosts alone waits no real time at all, which keeps sim runs instant and exact.
   */
  readonly clock: Clock = {
    now: () => {
      const [sim] = this.sims.values()
      return this.hosts.every((h) => h.driver === 'sim') && sim ? this.simModule!.simTimeSec(sim) * 1000 : Date.now()
    },
    sleep: async (ms, signal) => {
      if (!this.hosts.every((h) => h.driver === 'sim')) {
        const started = performance.now()
        await realClock.sleep(ms, signal)
        this.sleptMs += performance.now() - started
      }
      for (const sim of this.sims.values()) this.simModule!.advanceSim(sim, ms / 1000)
    },
  }

  /** The hosts a command acts on; unknown names are an error, not an empty result. */
  select(selection: Selection = {}): HostRecord[] {
    let hosts = this.hosts
    if (selection.hosts && selection.hosts.length > 0) {
      for (const name of selection.hosts) {
        if (!this.hosts.some((h) => h.name === name)) {
          throw new NotFoundError(
            `host "${name}" is not in ${this.inventory ? 'the inventory' : this.source}`,
            this.inventory ? 'violin host list' : 'violin list --all',
          )
        }
      }
      hosts = hosts.filter((h) => selection.hosts!.includes(h.name))
    }
    if (selection.site) {
      if (!this.hosts.some((h) => h.site === selection.site))
        throw new NotFoundError(`no host is in site "${selection.site}"`, 'violin host list')
      hosts = hosts.filter((h) => h.site === selection.site)
      if (hosts.length === 0) {
        // Each filter names something that exists; together they match nothing.
        const named = selection.hosts!.map((n) => this.hosts.find((h) => h.name === n)!)
        const sites = [...new Set(named.map((h) => h.site))]
        throw new UsageError(
          `${selection.hosts!.map((n) => `-H ${n}`).join(' ')} and --site ${selection.site} match no host: ${named.map((h) => h.name).join(', ')} ${named.length === 1 ? 'is' : 'are'} in site${sites.length === 1 ? '' : 's'} ${sites.join(', ')}`,
          'drop -H or --site',
        )
      }
    }
    if (hosts.length === 0 && this.inventory)
      throw new NotFoundError(
        'the inventory has no hosts',
        'violin host add NAME --local --site SITE --driver libvirt, or use --connect sim:FILE',
      )
    return hosts
  }

  host(name: string): HostRecord {
    return this.select({hosts: [name]})[0]!
  }

  transport(host: HostRecord): Transport {
    let t = this.transports.get(host.name)
    if (!t) {
      t =
        host.transport.kind === 'local'
          ? new LocalTransport(host.name, envMs('VIOLIN_COMMAND_TIMEOUT'))
          : new SshTransport(host.name, host.transport, {
              identityFile: host.identity,
              acceptNewHostKey: this.options.acceptNewHostKey,
              connectTimeoutMs: envMs('VIOLIN_CONNECT_TIMEOUT'),
              commandTimeoutMs: envMs('VIOLIN_COMMAND_TIMEOUT'),
            })
      this.transports.set(host.name, t)
    }
    return t
  }

  async driver(host: HostRecord): Promise<Driver> {
    const cached = this.drivers.get(host.name)
    if (cached) return cached
    let d: Driver
    switch (host.driver) {
      case 'libvirt': {
        const {LibvirtDriver} = await import('../hypervisor/libvirt/driver.js')
        d = new LibvirtDriver(this.transport(host), host.uri ?? DEFAULT_LIBVIRT_URI, this.clock.now, {nic: host.nic})
        break
      }
      case 'xl': {
        const {XlDriver} = await import('../hypervisor/xl/driver.js')
        d = new XlDriver(this.transport(host), undefined, {nic: host.nic})
        break
      }
      case 'sim': {
        const sim = await this.sim(host.uri ?? '')
        if (sim.kind === 'cluster') {
          const {SimDriver} = await import('../hypervisor/sim/driver.js')
          d = new SimDriver(sim.cluster, host.name)
        } else {
          const {ScenarioDriver} = await import('../hypervisor/sim/scenario-driver.js')
          d = new ScenarioDriver(sim.world, host.name)
        }
        break
      }
    }
    this.drivers.set(host.name, d)
    return d
  }

  /**
   * A move is under way (from its slot to its measurements written): a running scenario's
   * clock waits for it, so moves that start together in simulated time do whatever the disk
   * takes between them. Call the returned function when the move is over; elsewhere a no-op.
   */
  holdSimulatedTime(): () => void {
    const world = this.scenario
    return world ? movesOf(world).hold() : () => {}
  }

  /** The running scenario when the session is connected to one (`--connect sim:SCENARIO`). */
  get scenario(): World | undefined {
    const [sim] = this.sims.values()
    return sim?.kind === 'scenario' ? sim.world : undefined
  }

  /** The placement rules every plan here obeys: a running scenario's own, else the inventory's (none with --connect). */
  rules(): Rule[] {
    return this.scenario?.scenario.rules ?? this.inventory?.rules() ?? []
  }

  private simModule?: typeof import('../sim/load.js')

  /**
   * A simulated cluster or scenario, read once per session (yaml is loaded only for sim
   * targets). The promise is cached, not the target: hosts of one file asked for in
   * parallel must share one, or the clock would advance only the last one loaded.
   */
  private sim(file: string): Promise<SimTarget> {
    let loading = this.loadingSims.get(file)
    if (!loading) {
      loading = import('../sim/load.js').then((module) => {
        this.simModule = module
        const sim = module.loadSimTarget(file)
        this.sims.set(file, sim)
        return sim
      })
      this.loadingSims.set(file, loading)
    }
    return loading
  }

  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()))
    this.transports.clear()
    this.drivers.clear()
  }
}
