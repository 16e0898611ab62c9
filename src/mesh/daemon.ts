import {createSocket, type Socket} from 'node:dgram'

import {EnvironmentSwitch, newCounters, type PeerPort, type VmPort} from './switch.js'
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

function connect(socket: Socket, to: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.connect(to.port, to.address, (error?: Error) => (error ? reject(error) : resolve()))
  })
}

/**
 * The userspace data plane of one host: one peer socket shared by every environment
 * (datagrams carry the VNI, as the kernel's VXLAN port does), and per VM one UDP socket
 * connected to the VM's QEMU/libvirt UDP backend (connected sockets cost ~35% less per
 * frame, notes/mesh.md). Every socket has an error handler: a VM that is not listening yet
 * must not take the daemon down. Runs inside the agent; never imports the CLI.
 */
export class MeshDaemon {
  private readonly switches = new Map<number, EnvironmentSwitch>()
  private readonly vmSockets = new Map<VmPort, Socket>()
  readonly drops: DaemonDrops = {badHeader: 0, unknownVni: 0, socketErrors: 0}

  private constructor(
    private readonly peerSocket: Socket,
    readonly endpoint: Endpoint,
  ) {
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
      sw.fromPeer(from.address, decoded.frame)
    })
    peerSocket.on('error', () => this.drops.socketErrors++)
  }

  /** Binds the peer socket; port 0 picks a free one (see `endpoint`). */
  static async start(at: Endpoint): Promise<MeshDaemon> {
    const socket = createSocket({type: at.address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false})
    await bind(socket, at)
    const {address, port} = socket.address()
    return new MeshDaemon(socket, {address, port})
  }

  environment(vni: number, options: {maxMacs?: number; ageMs?: number} = {}): EnvironmentSwitch {
    let sw = this.switches.get(vni)
    if (!sw) {
      sw = new EnvironmentSwitch(vni, (peer, datagram) => this.peerSocket.send(datagram, peer.port, peer.address), options)
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
    for (const port of [...sw.vmPorts()]) this.detachVm(vni, port.id)
    this.switches.delete(vni)
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
    await bind(socket, listen)
    await connect(socket, vm)
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

  addPeer(vni: number, peer: Endpoint): PeerPort {
    const sw = this.switches.get(vni)
    if (!sw) throw new Error(`no switch for VNI ${vni} on this host`)
    return sw.addPeer(peer.address, peer.port)
  }

  async close(): Promise<void> {
    for (const socket of this.vmSockets.values()) socket.close()
    this.vmSockets.clear()
    await new Promise<void>((resolve) => this.peerSocket.close(() => resolve()))
  }
}
