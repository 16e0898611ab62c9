import {strict as assert} from 'node:assert'
import {createSocket, type Socket} from 'node:dgram'
import {once} from 'node:events'

import {MeshDaemon} from '../../src/mesh/daemon.js'
import {formatMac, sourceMac} from '../../src/mesh/mac.js'
import {encodeVxlan} from '../../src/mesh/vxlan.js'

/**
 * Two userspace switch daemons on loopback (127.0.1.1 and 127.0.1.2: peers are told apart
 * by address), with "VMs" that are plain UDP sockets speaking as QEMU's UDP NIC backend
 * does: one raw Ethernet frame per datagram. Real sockets, real kernel; no root needed.
 */
interface TestVm {
  name: string
  socket: Socket
  received: Buffer[]
  /** Sends a frame to the daemon's port for this VM. */
  send(frame: Buffer): void
  /** Resolves with the next frame, or rejects after ms. */
  next(ms?: number): Promise<Buffer>
}

const BCAST = 'ff:ff:ff:ff:ff:ff'
const frame = (dst: string, src: string, text: string) =>
  Buffer.concat([Buffer.from(dst.replaceAll(':', ''), 'hex'), Buffer.from(src.replaceAll(':', ''), 'hex'), Buffer.from([0x88, 0xb5]), Buffer.from(text)])
const payload = (f: Buffer) => f.subarray(14).toString()

describe('userspace switch daemons on loopback', function () {
  this.timeout(10_000)
  let a: MeshDaemon
  let b: MeshDaemon
  const vms: TestVm[] = []

  async function vm(daemon: MeshDaemon, vni: number, name: string): Promise<TestVm> {
    const socket = createSocket('udp4')
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    const {listening} = await daemon.attachVm(vni, name, {address: '127.0.0.1', port: 0}, {address: '127.0.0.1', port: socket.address().port})
    const received: Buffer[] = []
    const waiters: Array<(f: Buffer) => void> = []
    socket.on('message', (f) => {
      const w = waiters.shift()
      if (w) w(f)
      else received.push(f)
    })
    const v: TestVm = {
      name,
      socket,
      received,
      send: (f) => socket.send(f, listening.port, listening.address),
      next: (ms = 2000) =>
        received.length > 0
          ? Promise.resolve(received.shift()!)
          : new Promise((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`${name}: no frame within ${ms} ms`)), ms)
              waiters.push((f) => {
                clearTimeout(timer)
                resolve(f)
              })
            }),
    }
    vms.push(v)
    return v
  }

  /** Sends `marker` (a broadcast that must arrive), then checks `vm` got nothing before it. */
  async function nothingElse(from: TestVm, to: TestVm, src: string): Promise<void> {
    from.send(frame(BCAST, src, 'marker'))
    assert.equal(payload(await to.next()), 'marker', `${to.name} received a frame it should not have`)
  }

  beforeEach(async () => {
    a = await MeshDaemon.start({address: '127.0.1.1', port: 0})
    b = await MeshDaemon.start({address: '127.0.1.2', port: 0})
  })

  afterEach(async () => {
    for (const v of vms.splice(0)) v.socket.close()
    await a.close()
    await b.close()
  })

  function mesh(vni: number) {
    a.environment(vni)
    b.environment(vni)
    a.addPeer(vni, b.endpoint)
    b.addPeer(vni, a.endpoint)
  }

  it('floods a broadcast to the other local VM and through the peer to its VMs, not back to the sender', async () => {
    mesh(100)
    const a1 = await vm(a, 100, 'a1')
    const a2 = await vm(a, 100, 'a2')
    const b1 = await vm(b, 100, 'b1')
    a1.send(frame(BCAST, '52:54:00:00:00:a1', 'hello all'))
    assert.equal(payload(await a2.next()), 'hello all')
    assert.equal(payload(await b1.next()), 'hello all')
    await nothingElse(a2, a1, '52:54:00:00:00:a2') // a1 got only a2's marker, never its own frame
  })

  it('once learned, a unicast goes to its one destination, across the peer when remote', async () => {
    mesh(100)
    const a1 = await vm(a, 100, 'a1')
    const a2 = await vm(a, 100, 'a2')
    const b1 = await vm(b, 100, 'b1')
    b1.send(frame(BCAST, '52:54:00:00:00:b1', 'I am b1'))
    await a1.next()
    await a2.next()
    a1.send(frame('52:54:00:00:00:b1', '52:54:00:00:00:a1', 'to b1'))
    assert.equal(payload(await b1.next()), 'to b1')
    await nothingElse(b1, a2, '52:54:00:00:00:b1') // a2 saw b1's marker but never the unicast to b1
    const sw = a.environment(100)
    assert.equal(sw.peerPorts()[0]!.counters.framesOut, 1, 'only the unicast to b1 left for the peer')
    const pair = sw.trafficMatrix().find((p) => formatMac(p.src) === '52:54:00:00:00:a1')!
    assert.deepEqual([formatMac(pair.dst), pair.frames, pair.remote], ['52:54:00:00:00:b1', 1, true])
  })

  it('keeps two environments apart even when they use the same MACs', async () => {
    mesh(100)
    mesh(200)
    const red1 = await vm(a, 100, 'red1')
    const red2 = await vm(b, 100, 'red2')
    const blue1 = await vm(a, 200, 'blue1')
    const blue2 = await vm(b, 200, 'blue2')
    red1.send(frame(BCAST, '52:54:00:00:00:01', 'red'))
    blue1.send(frame(BCAST, '52:54:00:00:00:01', 'blue'))
    assert.equal(payload(await red2.next()), 'red')
    assert.equal(payload(await blue2.next()), 'blue')
    await nothingElse(red1, red2, '52:54:00:00:00:01')
    await nothingElse(blue1, blue2, '52:54:00:00:00:01')
  })

  it('counts and drops garbage, truncated and wrong-VNI datagrams, and goes on forwarding', async () => {
    mesh(100)
    const a1 = await vm(a, 100, 'a1')
    const b1 = await vm(b, 100, 'b1')
    const attacker = createSocket('udp4')
    attacker.bind(0, '127.0.1.3')
    await once(attacker, 'listening')
    const toB = (d: Buffer) => new Promise<void>((r) => attacker.send(d, b.endpoint.port, b.endpoint.address, () => r()))
    await toB(Buffer.from('not vxlan at all'))
    await toB(Buffer.alloc(3))
    await toB(encodeVxlan(100, Buffer.alloc(6))) // too short for Ethernet
    await toB(encodeVxlan(999, frame(BCAST, '52:54:00:00:00:66', 'wrong env')))
    await toB(encodeVxlan(100, frame(BCAST, '52:54:00:00:00:66', 'not a peer'))) // right VNI, unknown sender
    a1.send(Buffer.alloc(5)) // a runt from a VM
    a1.send(frame(BCAST, '52:54:00:00:00:a1', 'still alive'))
    assert.equal(payload(await b1.next()), 'still alive')
    attacker.close()
    assert.deepEqual(b.drops, {badHeader: 3, unknownVni: 1, socketErrors: 0})
    assert.equal(b.environment(100).drops['unknown-peer'], 1)
    assert.equal(a.environment(100).drops.runt, 1)
    assert.equal(b1.received.length, 0, 'nothing from the garbage reached the VM')
  })

  it('learns the new place of a VM that moved from its first frame (a RARP announcement)', async () => {
    mesh(100)
    const a1 = await vm(a, 100, 'a1')
    const witness = await vm(b, 100, 'b1')
    const mover = await vm(a, 100, 'mover-on-a')
    mover.send(frame(BCAST, '52:54:00:00:00:77', 'here on a'))
    await a1.next()
    await witness.next() // b has learned the mover behind a
    a.detachVm(100, 'mover-on-a')
    const moved = await vm(b, 100, 'mover-on-b')
    const rarp = Buffer.concat([frame(BCAST, '52:54:00:00:00:77', '').subarray(0, 12), Buffer.from([0x80, 0x35]), Buffer.alloc(28)])
    moved.send(rarp)
    assert.equal(sourceMac(await a1.next()), 0x525400000077)
    await witness.next()
    a1.send(frame('52:54:00:00:00:77', '52:54:00:00:00:a1', 'found you'))
    assert.equal(payload(await moved.next()), 'found you')
  })
})
