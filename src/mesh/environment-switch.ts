import {forward, type SwitchPort} from './forwarding.js'
import {destinationMac, sourceMac} from './mac.js'
import {MacTable} from './mac-table.js'
import {ETHERNET_HEADER_BYTES, vxlanHeader} from './vxlan.js'

export interface PortCounters {
  framesIn: number
  bytesIn: number
  framesOut: number
  bytesOut: number
}

/** A VM's NIC on this host: frames come in from it and go out to it. */
export interface VmPort extends SwitchPort {
  readonly kind: 'local'
  send(frame: Buffer): void
  readonly counters: PortCounters
}

/** The same environment's switch on another host, reached through the daemon's peer socket. */
export interface PeerPort extends SwitchPort {
  readonly kind: 'peer'
  readonly address: string
  readonly port: number
  readonly counters: PortCounters
}

export type Port = VmPort | PeerPort

/** Why frames were dropped, counted per reason. */
export type DropReason = 'runt' | 'no-route' | 'unknown-peer' | 'wrong-vni' | 'bad-header'

export interface PairTraffic {
  src: number
  dst: number
  frames: number
  bytes: number
  /** Crossed to another host. */
  remote: boolean
}

export const newCounters = (): PortCounters => ({framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0})

/**
 * One environment's switch on one host: its VM ports, its peers, its MAC table. It does
 * no I/O of its own: the daemon hands it frames and gives it the function that sends to a
 * peer, so the forwarding and the books (counters, traffic matrix) are one place.
 */
export class EnvironmentSwitch {
  readonly table: MacTable<Port>
  private readonly locals: VmPort[] = []
  private readonly peers = new Map<string, PeerPort>()
  /** The peers as an array, kept alongside the map so forwarding allocates nothing for them. */
  private peerList: PeerPort[] = []
  private readonly header: Buffer
  readonly drops: Record<DropReason, number> = {runt: 0, 'no-route': 0, 'unknown-peer': 0, 'wrong-vni': 0, 'bad-header': 0}
  /** Bytes and frames this host's VMs sent, per source MAC then destination MAC, for `usage --traffic` and the IDC policy. */
  private readonly traffic = new Map<number, Map<number, PairTraffic>>()

  constructor(
    readonly vni: number,
    /** Sends header + frame to a peer as one datagram (dgram gathers the two buffers: no copy). */
    private readonly sendToPeer: (peer: PeerPort, datagram: Buffer[]) => void,
    options: {maxMacs?: number; ageMs?: number} = {},
    private readonly now: () => number = Date.now,
  ) {
    this.table = new MacTable<Port>({maxEntries: options.maxMacs ?? 4096, ageMs: options.ageMs ?? 300_000})
    this.header = vxlanHeader(vni)
  }

  addVm(port: VmPort): void {
    if (this.locals.some((p) => p.id === port.id)) throw new Error(`VM port "${port.id}" is already on this switch`)
    this.locals.push(port)
  }

  removeVm(id: string): void {
    const i = this.locals.findIndex((p) => p.id === id)
    if (i < 0) return
    this.table.forget(this.locals[i]!)
    this.locals.splice(i, 1)
  }

  addPeer(address: string, port: number): PeerPort {
    const existing = this.peers.get(address)
    if (existing) return existing
    const peer: PeerPort = {kind: 'peer', id: `${address}:${port}`, address, port, counters: newCounters()}
    this.peers.set(address, peer)
    this.peerList = [...this.peers.values()]
    return peer
  }

  /** A peer that left or died: no more floods to it, and what was behind it is unlearned. */
  removePeer(address: string): void {
    const peer = this.peers.get(address)
    if (!peer) return
    this.peers.delete(address)
    this.peerList = [...this.peers.values()]
    this.table.forget(peer)
  }

  peer(address: string): PeerPort | undefined {
    return this.peers.get(address)
  }

  vmPorts(): readonly VmPort[] {
    return this.locals
  }

  peerPorts(): PeerPort[] {
    return [...this.peers.values()]
  }

  /** A frame from one of this host's VMs. */
  fromVm(port: VmPort, frame: Buffer): void {
    this.receive(port, frame)
  }

  /** A frame a peer sent (already stripped of its VXLAN header); unknown senders are dropped. */
  fromPeer(address: string, frame: Buffer): void {
    const peer = this.peers.get(address)
    if (!peer) {
      this.drops['unknown-peer']++
      return
    }
    this.receive(peer, frame)
  }

  private receive(ingress: Port, frame: Buffer): void {
    ingress.counters.framesIn++
    ingress.counters.bytesIn += frame.length
    if (frame.length < ETHERNET_HEADER_BYTES) {
      this.drops.runt++
      return
    }
    const targets = forward(this.table, frame, ingress, {locals: this.locals, peers: this.peerList}, this.now())
    if (targets.length === 0) {
      this.drops['no-route']++
      return
    }
    if (ingress.kind === 'local') this.account(frame, targets)
    for (const target of targets) {
      target.counters.framesOut++
      target.counters.bytesOut += frame.length
      if (target.kind === 'local') target.send(frame)
      else this.sendToPeer(target, [this.header, frame])
    }
  }

  /**
   * Counted where a frame enters the mesh (from a VM), so summing every host's matrix
   * counts each frame once; `remote` when it went on to another host.
   */
  private account(frame: Buffer, targets: Port[]): void {
    const src = sourceMac(frame)
    const dst = destinationMac(frame)
    let bySrc = this.traffic.get(src)
    if (!bySrc) {
      bySrc = new Map()
      this.traffic.set(src, bySrc)
    }
    let pair = bySrc.get(dst)
    if (!pair) {
      pair = {src, dst, frames: 0, bytes: 0, remote: false}
      bySrc.set(dst, pair)
    }
    pair.frames++
    pair.bytes += frame.length
    if (targets.some((t) => t.kind === 'peer')) pair.remote = true
  }

  trafficMatrix(): PairTraffic[] {
    return [...this.traffic.values()].flatMap((bySrc) => [...bySrc.values()])
  }
}
