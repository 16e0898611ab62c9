import {createHmac, timingSafeEqual} from 'node:crypto'
import {createSocket, type Socket} from 'node:dgram'

import {rarpAnnouncement} from './announce.js'
import {type ControlActions, decodeControl, encodeControl, type Member, memberKey, Membership, peekVni} from './control.js'
import {parseMac} from './mac.js'
import {EnvironmentSwitch, newCounters, type PeerPort, type VmPort} from './environment-switch.js'
import {decodeVxlan} from './vxlan.js'

export interface Endpoint {
  address: string
  port: number
}

/** Datagrams the daemon could not give to any switch. */
export interface DaemonDrops {
  badHeader: number
  unknownVni: number
  socketErrors: number
  /** Control datagrams that did not parse, failed the HMAC, or came from another address than they claim. */
  controlMalformed: number
  controlUnauthenticated: number
  controlSpoofed: number
  /** Data frames of an environment with data authentication whose tag was missing or wrong. */
  dataUnauthenticated: number
}

/** Bytes of HMAC-SHA256 appended to a data frame when the environment authenticates data. */
export const DATA_TAG_BYTES = 16

function dataTag(key: Buffer, parts: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key)
  for (const part of parts) hmac.update(part)
  return hmac.digest().subarray(0, DATA_TAG_BYTES)
}

export interface ControlOptions {
  /** Pre-shared key of the environment: every control message is signed and checked. */
  key?: Buffer
  helloMs?: number
  deadMs?: number
}

function bind(socket: Socket, at: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(at.port, at.address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}

/** A socket bound to `::` sees IPv4 senders as ::ffff:a.b.c.d; peers are known by a.b.c.d. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

/** Closes a socket that could not be set up, so a retry can bind again and nothing holds the process. */
async function orClose<T>(socket: Socket, step: Promise<T>): Promise<T> {
  try {
    return await step
  } catch (error) {
    socket.close()
    throw error
  }
}

function connect(socket: Socket, to: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.connect(to.port, to.address, (error?: Error) => (error ? reject(error) : resolve()))
  })
}

/**
 * The userspace data plane of one host: one peer socket shared by every environment
 * (datagrams carry the VNI, as the kernel's VXLAN port does), and per VM one UDP socket
 * connected to the VM's QEMU/libvirt UDP backend (connected sockets cost ~35% less per
 * frame, measured on this machine kind). Every socket has an error handler: a VM that is not listening yet
 * must not take the daemon down. Runs inside the agent; never imports the CLI.
 */
export class MeshDaemon {
  private readonly switches = new Map<number, EnvironmentSwitch>()
  private readonly vmSockets = new Map<VmPort, Socket>()
  readonly drops: DaemonDrops = {
    badHeader: 0,
    unknownVni: 0,
    socketErrors: 0,
    controlMalformed: 0,
    controlUnauthenticated: 0,
    controlSpoofed: 0,
    dataUnauthenticated: 0,
  }
  private readonly memberships = new Map<number, {membership: Membership; key?: Buffer; timer: NodeJS.Timeout}>()
  /** Per peer a socket connected to it, for sending: an unconnected send resolves the address every time. */
  private readonly senders = new Map<string, {socket: Socket; connected: boolean}>()
  /** Environments whose data frames carry an HMAC tag (not understood by a kernel VXLAN peer). */
  private readonly dataKeys = new Map<number, Buffer>()
  /** Control datagrams handed to the socket and not yet sent (dgram sends on a later tick). */
  private readonly sending = new Set<Promise<void>>()

  private constructor(
    private readonly peerSocket: Socket,
    readonly endpoint: Endpoint,
    private readonly controlSocket?: Socket,
    readonly controlPort?: number,
  ) {
    controlSocket?.on('message', (datagram, from) => this.onControl(datagram, unmapped(from.address)))
    controlSocket?.on('error', () => this.drops.socketErrors++)
    peerSocket.on('message', (datagram, from) => {
      const decoded = decodeVxlan(datagram)
      if (!decoded.ok) {
        this.drops.badHeader++
        return
      }
      const sw = this.switches.get(decoded.vni)
      if (!sw) {
        this.drops.unknownVni++
        return
      }
      const key = this.dataKeys.get(decoded.vni)
      if (key) {
        const frame = this.verified(key, datagram, decoded.frame)
        if (frame) sw.fromPeer(unmapped(from.address), frame)
        return
      }
      sw.fromPeer(unmapped(from.address), decoded.frame)
    })
    peerSocket.on('error', () => this.drops.socketErrors++)
  }

  /** Binds the peer socket (and the control socket); port 0 picks a free one (see `endpoint`). */
  static async start(at: Endpoint, controlPort?: number): Promise<MeshDaemon> {
    const type = at.address.includes(':') ? 'udp6' : 'udp4'
    const socket = createSocket({type})
    await orClose(socket, bind(socket, at))
    const {address, port} = socket.address()
    if (controlPort === undefined) return new MeshDaemon(socket, {address, port})
    const control = createSocket({type})
    await orClose(control, bind(control, {address, port: controlPort})).catch((error: unknown) => {
      socket.close()
      throw error
    })
    return new MeshDaemon(socket, {address, port}, control, control.address().port)
  }

  /** This switch as the control plane names it. */
  self(): Member {
    if (this.controlPort === undefined) throw new Error('this daemon was started without a control port')
    return {address: this.endpoint.address, dataPort: this.endpoint.port, controlPort: this.controlPort}
  }

  /**
   * Takes part in an environment's control plane: through the `known` members (any one
   * answering is enough) when given, else as the first member, waiting to be joined. Peers
   * then come and go by themselves. Joining again sends a join to the known members that
   * are not peers yet (a host added to the mesh, or one that was restarted).
   */
  join(vni: number, known: Member | Member[] | undefined, options: ControlOptions = {}): void {
    this.environment(vni)
    const through = known === undefined ? [] : Array.isArray(known) ? known : [known]
    let entry = this.memberships.get(vni)
    if (!entry) {
      const helloMs = options.helloMs ?? 1000
      const membership = new Membership(vni, this.self(), {helloMs, deadMs: options.deadMs ?? helloMs * 3.5})
      const timer = setInterval(() => this.apply(vni, membership.tick(Date.now())), helloMs)
      timer.unref()
      entry = {membership, key: options.key, timer}
      this.memberships.set(vni, entry)
    }
    const peers = new Set(entry.membership.peers().map(memberKey))
    const self = memberKey(this.self())
    for (const member of through) {
      if (!peers.has(memberKey(member)) && memberKey(member) !== self) this.apply(vni, entry.membership.join(member, Date.now()))
    }
  }

  /** Each member of an environment's control plane and how long it has been silent. */
  liveness(vni: number): Array<{member: Member; silentMs: number}> {
    return this.memberships.get(vni)?.membership.liveness(Date.now()) ?? []
  }

  /**
   * Authenticates the environment's data frames with an HMAC tag (or stops, without a
   * key). Every member must agree: a switch without the key drops tagged frames as
   * garbage, and one with it drops untagged ones.
   */
  authenticateData(vni: number, key: Buffer | undefined): void {
    if (key) this.dataKeys.set(vni, key)
    else this.dataKeys.delete(vni)
  }

  private verified(key: Buffer, datagram: Buffer, frame: Buffer): Buffer | undefined {
    if (frame.length < DATA_TAG_BYTES) {
      this.drops.dataUnauthenticated++
      return undefined
    }
    const body = datagram.subarray(0, datagram.length - DATA_TAG_BYTES)
    const tag = datagram.subarray(datagram.length - DATA_TAG_BYTES)
    if (!timingSafeEqual(tag, dataTag(key, [body]))) {
      this.drops.dataUnauthenticated++
      return undefined
    }
    return frame.subarray(0, frame.length - DATA_TAG_BYTES)
  }

  /**
   * Announces a VM that landed on this host, as QEMU does after a migration (a RARP from
   * its MAC, flooded to every peer), unless the VM has already been heard from on its port
   * here: then every peer has learned its new place already. True when it was sent.
   */
  announce(vni: number, id: string, mac: string): boolean {
    const sw = this.switches.get(vni)
    const port = sw?.vmPorts().find((p) => p.id === id)
    if (!sw || !port) throw new Error(`no port for VM "${id}" in VNI ${vni} on this host`)
    const address = parseMac(mac)
    if (sw.table.lookup(address, Date.now()) === port) return false
    sw.fromVm(port, rarpAnnouncement(address))
    return true
  }

  /** Says goodbye to the other members and stops the control plane of an environment. */
  leave(vni: number): void {
    const entry = this.memberships.get(vni)
    if (!entry) return
    clearInterval(entry.timer)
    this.apply(vni, entry.membership.leave(Date.now()))
    this.memberships.delete(vni)
  }

  members(vni: number): Member[] {
    return this.memberships.get(vni)?.membership.peers() ?? []
  }

  private onControl(datagram: Buffer, fromAddress: string): void {
    const vni = peekVni(datagram)
    const entry = vni === undefined ? undefined : this.memberships.get(vni)
    if (!entry) {
      this.drops.controlMalformed++
      return
    }
    const decoded = decodeControl(datagram, entry.key)
    if (!decoded.ok) {
      if (decoded.reason === 'unauthenticated') this.drops.controlUnauthenticated++
      else this.drops.controlMalformed++
      return
    }
    if (decoded.message.from.address !== fromAddress) {
      this.drops.controlSpoofed++
      return
    }
    this.apply(vni!, entry.membership.receive(decoded.message, Date.now()))
  }

  private apply(vni: number, actions: ControlActions): void {
    const sw = this.switches.get(vni)
    const key = this.memberships.get(vni)?.key
    for (const m of actions.added) sw?.addPeer(m.address, m.dataPort)
    for (const m of actions.removed) {
      sw?.removePeer(m.address)
      this.closeSenderIfUnused(m.address, m.dataPort)
    }
    for (const {to, message} of actions.send) {
      const socket = this.controlSocket
      if (!socket) continue
      const sent = new Promise<void>((resolve) => socket.send(encodeControl(message, key), to.controlPort, to.address, () => resolve()))
      this.sending.add(sent)
      void sent.then(() => this.sending.delete(sent))
    }
  }

  environment(vni: number, options: {maxMacs?: number; ageMs?: number} = {}): EnvironmentSwitch {
    let sw = this.switches.get(vni)
    if (!sw) {
      sw = new EnvironmentSwitch(
        vni,
        (peer, datagram) => {
          const key = this.dataKeys.get(vni)
          this.sendToPeer(peer, key ? [...datagram, dataTag(key, datagram)] : datagram)
        },
        options,
      )
      this.switches.set(vni, sw)
    }
    return sw
  }

  environments(): EnvironmentSwitch[] {
    return [...this.switches.values()]
  }

  removeEnvironment(vni: number): void {
    const sw = this.switches.get(vni)
    if (!sw) return
    this.leave(vni)
    for (const port of [...sw.vmPorts()]) this.detachVm(vni, port.id)
    this.switches.delete(vni)
    this.dataKeys.delete(vni)
    for (const peer of sw.peerPorts()) this.closeSenderIfUnused(peer.address, peer.port)
  }

  private sendToPeer(peer: PeerPort, datagram: Buffer[]): void {
    const key = `${peer.address}:${peer.port}`
    const sender = this.senders.get(key)
    if (sender?.connected) {
      sender.socket.send(datagram)
      return
    }
    this.peerSocket.send(datagram, peer.port, peer.address)
    if (!sender) this.openSender(key, peer)
  }

  /** Sockets open for sending to peers, one per peer (they close when the peer is gone). */
  get senderCount(): number {
    return this.senders.size
  }

  /** A peer gone from every environment: its sending socket goes too (a long-lived agent sees many peers come and go). */
  private closeSenderIfUnused(address: string, port: number): void {
    const key = `${address}:${port}`
    const sender = this.senders.get(key)
    if (!sender || [...this.switches.values()].some((sw) => sw.peer(address)?.port === port)) return
    sender.socket.close()
    this.senders.delete(key)
  }

  private openSender(key: string, peer: PeerPort): void {
    const socket = createSocket({type: this.endpoint.address.includes(':') ? 'udp6' : 'udp4'})
    const sender = {socket, connected: false}
    this.senders.set(key, sender)
    socket.on('error', () => this.drops.socketErrors++)
    socket.bind(0, this.endpoint.address, () => socket.connect(peer.port, peer.address, () => (sender.connected = true)))
  }

  /**
   * Attaches a VM: the daemon listens at `listen` (the VM's libvirt `<source>`) and sends
   * to `vm` (its `<local>`), one raw Ethernet frame per datagram.
   */
  async attachVm(vni: number, id: string, listen: Endpoint, vm: Endpoint): Promise<{port: VmPort; listening: Endpoint}> {
    const sw = this.switches.get(vni)
    if (!sw) throw new Error(`no switch for VNI ${vni} on this host`)
    const socket = createSocket({type: listen.address.includes(':') ? 'udp6' : 'udp4'})
    socket.on('error', () => this.drops.socketErrors++)
    await orClose(
      socket,
      bind(socket, listen).then(() => connect(socket, vm)),
    )
    const port: VmPort = {kind: 'local', id, counters: newCounters(), send: (frame) => socket.send(frame)}
    sw.addVm(port)
    socket.on('message', (frame) => sw.fromVm(port, frame))
    this.vmSockets.set(port, socket)
    const bound = socket.address()
    return {port, listening: {address: bound.address, port: bound.port}}
  }

  detachVm(vni: number, id: string): void {
    const sw = this.switches.get(vni)
    const port = sw?.vmPorts().find((p) => p.id === id)
    if (!sw || !port) return
    sw.removeVm(id)
    this.vmSockets.get(port)?.close()
    this.vmSockets.delete(port)
  }

  /** A static peer (a kernel VXLAN device: no control plane, so never dropped for silence). */
  addPeer(vni: number, peer: Endpoint): PeerPort {
    const sw = this.switches.get(vni)
    if (!sw) throw new Error(`no switch for VNI ${vni} on this host`)
    return sw.addPeer(peer.address, peer.port)
  }

  removePeer(vni: number, address: string): void {
    const sw = this.switches.get(vni)
    const peer = sw?.peer(address)
    if (!sw || !peer) return
    sw.removePeer(address)
    this.closeSenderIfUnused(address, peer.port)
  }

  /** Stops the daemon; with `leave: false` it goes silent as a crashed one would (tests). */
  async close(options: {leave?: boolean} = {}): Promise<void> {
    for (const [vni, entry] of [...this.memberships]) {
      if (options.leave === false) clearInterval(entry.timer)
      else this.leave(vni)
    }
    this.memberships.clear()
    await Promise.all(this.sending) // the goodbyes must leave before the socket closes
    for (const socket of this.vmSockets.values()) socket.close()
    for (const {socket} of this.senders.values()) socket.close()
    this.senders.clear()
    if (this.controlSocket) await new Promise<void>((resolve) => this.controlSocket!.close(() => resolve()))
    this.vmSockets.clear()
    await new Promise<void>((resolve) => this.peerSocket.close(() => resolve()))
  }
}
