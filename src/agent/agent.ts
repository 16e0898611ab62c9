import {type Member, memberKey} from '../mesh/control.js'
import type {DaemonDrops, MeshDaemon} from '../mesh/daemon.js'
import {formatMac} from '../mesh/mac.js'
import type {AgentRequest, AgentVm, SwitchSpec} from './protocol.js'
import {type AgentState, saveState} from './state.js'

/** What the agent reports about one environment's switch on its host (`switch status`). */
export interface SwitchReport {
  vni: number
  authData: boolean
  members: Array<Member & {silentMs: number}>
  vms: Array<{id: string; mac: string; listen: string; framesIn: number; bytesIn: number; framesOut: number; bytesOut: number}>
  peers: Array<{address: string; framesIn: number; bytesIn: number; framesOut: number; bytesOut: number}>
  macs: number
  drops: Record<string, number>
}

export interface AgentHello {
  pid: number
  version: string
  startedAt: string
  self: Member
  switches: number[]
  /** Datagrams the daemon dropped before any environment's switch saw them. */
  drops: DaemonDrops
}

/**
 * The per-host agent's brain: keeps the host's userspace switches as the CLI last asked
 * (SwitchSpec per environment), answers status, MAC tables and traffic, and writes every
 * change to its state file so a restart brings the same switches back. No I/O of its own
 * beyond the daemon's sockets and the state file.
 */
export class Agent {
  private readonly specs = new Map<number, SwitchSpec>()
  private readonly startedAt = new Date().toISOString()

  constructor(
    private readonly daemon: MeshDaemon,
    private readonly stateFile: string,
    private readonly options: {version: string; helloMs?: number; log: (line: string) => void},
  ) {}

  /** Brings back the switches of a state file, each joining through the members it knew. */
  async restore(state: AgentState): Promise<void> {
    for (const spec of state.switches) {
      try {
        await this.apply(spec, false)
        this.options.log(`restored VNI ${spec.vni}: ${spec.vms.length} VM port(s), joining through ${spec.known.length} member(s)`)
      } catch (error) {
        this.options.log(`cannot restore VNI ${spec.vni}: ${(error as Error).message}`)
      }
    }
    this.save()
  }

  async handle(request: AgentRequest): Promise<unknown> {
    switch (request.op) {
      case 'hello':
        return this.hello()
      case 'apply':
        return this.apply(request.spec)
      case 'remove':
        return this.remove(request.vni)
      case 'status':
        return this.selected(request.vni).map((vni) => this.report(vni))
      case 'fdb':
        return this.fdb(this.known(request.vni))
      case 'traffic':
        return this.selected(request.vni).map((vni) => ({vni, pairs: this.traffic(vni)}))
      case 'announce': {
        const spec = this.known(request.vni)
        const vm = spec.vms.find((v) => v.id === request.vm)
        if (!vm) throw new Error(`VM "${request.vm}" has no port on this host's switch for VNI ${request.vni}`)
        const sent = this.daemon.announce(request.vni, vm.id, vm.mac)
        this.options.log(sent ? `announced ${vm.id} (${vm.mac}) in VNI ${request.vni}` : `${vm.id} announced itself in VNI ${request.vni}`)
        return {sent}
      }
    }
  }

  hello(): AgentHello {
    return {
      pid: process.pid,
      version: this.options.version,
      startedAt: this.startedAt,
      self: this.daemon.self(),
      switches: [...this.specs.keys()].sort((a, b) => a - b),
      drops: {...this.daemon.drops},
    }
  }

  private known(vni: number): SwitchSpec {
    const spec = this.specs.get(vni)
    if (!spec) throw new Error(`no switch for VNI ${vni} on this host`)
    return spec
  }

  private selected(vni?: number): number[] {
    if (vni !== undefined) return [this.known(vni).vni]
    return [...this.specs.keys()].sort((a, b) => a - b)
  }

  /** Makes the host's switch for spec.vni match it: control plane joined, exactly spec.vms attached. */
  private async apply(spec: SwitchSpec, persist = true): Promise<SwitchReport> {
    const key = spec.key ? Buffer.from(spec.key, 'hex') : undefined
    this.daemon.environment(spec.vni)
    this.daemon.authenticateData(spec.vni, spec.authData ? key : undefined)
    this.daemon.join(spec.vni, spec.known, {key, helloMs: this.options.helloMs})
    const old = this.specs.get(spec.vni)
    const vteps = spec.vteps ?? []
    for (const gone of (old?.vteps ?? []).filter((o) => !vteps.some((v) => v.address === o.address)))
      this.daemon.removePeer(spec.vni, gone.address)
    for (const vtep of vteps) this.daemon.addPeer(spec.vni, vtep)
    const wanted = new Map(spec.vms.map((v) => [v.id, v]))
    for (const vm of old?.vms ?? []) {
      const next = wanted.get(vm.id)
      if (!next || !sameAttachment(vm, next)) this.daemon.detachVm(spec.vni, vm.id)
    }
    const attached: AgentVm[] = []
    const failures: string[] = []
    for (const vm of spec.vms) {
      const before = old?.vms.find((v) => v.id === vm.id)
      try {
        if (!before || !sameAttachment(before, vm)) await this.daemon.attachVm(spec.vni, vm.id, vm.listen, vm.vm)
        attached.push(vm)
      } catch (error) {
        failures.push(`${vm.id}: cannot listen on ${endpointText(vm.listen)}: ${(error as Error).message}`)
      }
    }
    // The record is what is attached, even when some port could not be bound.
    this.specs.set(spec.vni, {...spec, vms: attached})
    if (persist) this.save()
    if (failures.length > 0) throw new Error(`VNI ${spec.vni}: ${failures.join('; ')}`)
    this.options.log(`applied VNI ${spec.vni}: ${attached.map((v) => v.id).join(', ') || 'no VM ports'}`)
    return this.report(spec.vni)
  }

  private remove(vni: number): {removed: boolean} {
    const had = this.specs.delete(vni)
    this.daemon.removeEnvironment(vni)
    this.save()
    if (had) this.options.log(`removed VNI ${vni}`)
    return {removed: had}
  }

  /** Saved with every member known now, so a restart can rejoin through any that survive. */
  private save(): void {
    const switches = [...this.specs.values()].map((spec) => {
      const members = new Map(spec.known.map((m) => [memberKey(m), m]))
      for (const m of this.daemon.members(spec.vni)) members.set(memberKey(m), m)
      return {...spec, known: [...members.values()]}
    })
    saveState(this.stateFile, {version: 1, address: this.daemon.endpoint.address, switches})
  }

  private report(vni: number): SwitchReport {
    const spec = this.known(vni)
    const sw = this.daemon.environment(vni)
    const macs = new Map(spec.vms.map((v) => [v.id, v.mac]))
    return {
      vni,
      authData: Boolean(spec.authData),
      members: this.daemon.liveness(vni).map(({member, silentMs}) => ({...member, silentMs})),
      vms: sw.vmPorts().map((p) => ({
        id: p.id,
        mac: macs.get(p.id) ?? '',
        listen: endpointText(spec.vms.find((v) => v.id === p.id)?.listen),
        ...p.counters,
      })),
      peers: sw.peerPorts().map((p) => ({address: p.address, ...p.counters})),
      macs: sw.table.size,
      drops: {...sw.drops},
    }
  }

  private fdb(spec: SwitchSpec): Array<{mac: string; via: string; local: boolean; ageMs: number}> {
    const now = Date.now()
    return this.daemon
      .environment(spec.vni)
      .table.list(now)
      .map((e) => ({
        mac: formatMac(e.mac),
        via: e.port.kind === 'local' ? e.port.id : e.port.address,
        local: e.port.kind === 'local',
        ageMs: now - e.seenMs,
      }))
  }

  private traffic(vni: number): Array<{src: string; dst: string; frames: number; bytes: number; remote: boolean}> {
    return this.daemon
      .environment(vni)
      .trafficMatrix()
      .map((t) => ({...t, src: formatMac(t.src), dst: formatMac(t.dst)}))
  }
}

const endpointText = (e?: {address: string; port: number}) => (e ? `${e.address}:${e.port}` : '')

function sameAttachment(a: AgentVm, b: AgentVm): boolean {
  return (
    a.mac === b.mac &&
    a.listen.address === b.listen.address &&
    a.listen.port === b.listen.port &&
    a.vm.address === b.vm.address &&
    a.vm.port === b.vm.port
  )
}
