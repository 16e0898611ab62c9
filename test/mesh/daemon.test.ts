import {strict as assert} from 'node:assert'
import {createSocket, type Socket} from 'node:dgram'
import {once} from 'node:events'

import {MeshDaemon} from '../../src/mesh/daemon.js'
import {formatMac, sourceMac} from '../../src/mesh/mac.js'
import {encodeVxlan} from '../../src/mesh/vxlan.js'
import {BCAST, frame, frameSocket, payload} from '../helpers/frames.js'

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

describe('userspace switch daemons on loopback', function () {
  this.timeout(10_000)
  let a: MeshDaemon
  let b: MeshDaemon
  const vms: TestVm[] = []

  async function vm(daemon: MeshDaemon, vni: number, name: string): Promise<TestVm> {
    const inbox = await frameSocket(name, 2000)
    const {listening} = await daemon.attachVm(vni, name, {address: '127.0.0.1', port: 0}, {address: '127.0.0.1', port: inbox.port})
    const v: TestVm = {
      name,
      socket: inbox.socket,
      received: inbox.frames,
      send: (f) => inbox.socket.send(f, listening.port, listening.address),
      next: inbox.next,
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
    assert.deepEqual(b.drops, {
      badHeader: 3,
      unknownVni: 1,
      socketErrors: 0,
      controlMalformed: 0,
      controlUnauthenticated: 0,
      controlSpoofed: 0,
      dataUnauthenticated: 0,
    })
    assert.equal(b.environment(100).drops['unknown-peer'], 1)
    assert.equal(a.environment(100).drops.runt, 1)
    assert.equal(b1.received.length, 0, 'nothing from the garbage reached the VM')
  })

  it('a daemon bound to :: knows an IPv4 peer by its plain address', async () => {
    const dual = await MeshDaemon.start({address: '::', port: 0})
    try {
      dual.environment(100)
      b.environment(100)
      dual.addPeer(100, {address: '127.0.1.2', port: b.endpoint.port})
      b.addPeer(100, {address: '127.0.0.1', port: dual.endpoint.port})
      const here = await vm(dual, 100, 'here')
      const there = await vm(b, 100, 'there')
      there.send(frame(BCAST, '52:54:00:00:00:bb', 'over v4'))
      assert.equal(payload(await here.next()), 'over v4')
      assert.equal(dual.environment(100).drops['unknown-peer'], 0)
    } finally {
      await dual.close()
    }
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

describe('switch daemons forming a mesh through the control plane (loopback)', function () {
  this.timeout(10_000)
  const daemons: MeshDaemon[] = []
  const FAST = {helloMs: 100, deadMs: 400}
  const KEY = Buffer.from('lab secret')

  async function daemon(n: number): Promise<MeshDaemon> {
    const d = await MeshDaemon.start({address: `127.0.2.${n}`, port: 0}, 0)
    daemons.push(d)
    return d
  }

  async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  const addresses = (d: MeshDaemon, vni: number) =>
    d
      .environment(vni)
      .peerPorts()
      .map((p) => p.address)
      .sort()

  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.close()
  })

  it('joining through one member gives every switch a data-plane peer for every other', async () => {
    const [d1, d2, d3] = [await daemon(1), await daemon(2), await daemon(3)]
    d1.join(100, undefined, {...FAST, key: KEY})
    d2.join(100, d1.self(), {...FAST, key: KEY})
    d3.join(100, d2.self(), {...FAST, key: KEY})
    await until('a full mesh', () => [d1, d2, d3].every((d) => d.environment(100).peerPorts().length === 2))
    assert.deepEqual(addresses(d1, 100), ['127.0.2.2', '127.0.2.3'])
    assert.deepEqual(addresses(d3, 100), ['127.0.2.1', '127.0.2.2'])
  })

  it('a switch that dies is dropped by the others; one that leaves is dropped at once', async () => {
    const [d1, d2, d3] = [await daemon(1), await daemon(2), await daemon(3)]
    d1.join(100, undefined, FAST)
    d2.join(100, d1.self(), FAST)
    d3.join(100, d1.self(), FAST)
    await until('a full mesh', () => [d1, d2, d3].every((d) => d.environment(100).peerPorts().length === 2))
    await d3.close({leave: false})
    daemons.splice(daemons.indexOf(d3), 1)
    await until('d3 dropped for silence', () => !addresses(d1, 100).includes('127.0.2.3') && !addresses(d2, 100).includes('127.0.2.3'))
    d2.leave(100)
    await until('d2 gone from d1', () => addresses(d1, 100).length === 0, 1000)
  })

  it('closes the socket it sent to a peer with once that peer is dropped', async () => {
    const [d1, d2, d3] = [await daemon(1), await daemon(2), await daemon(3)]
    d1.join(100, undefined, FAST)
    d2.join(100, d1.self(), FAST)
    d3.join(100, d1.self(), FAST)
    await until('a full mesh', () => [d1, d2, d3].every((d) => d.environment(100).peerPorts().length === 2))
    const sink = createSocket('udp4')
    sink.bind(0, '127.0.0.1')
    await once(sink, 'listening')
    const {listening} = await d1.attachVm(100, 'v1', {address: '127.0.0.1', port: 0}, {address: '127.0.0.1', port: sink.address().port})
    sink.send(frame(BCAST, '52:54:00:00:00:c1', 'flood'), listening.port, listening.address)
    await until('a sender per peer', () => d1.senderCount === 2)
    await d3.close({leave: false})
    daemons.splice(daemons.indexOf(d3), 1)
    await until("d3's sender closed", () => d1.senderCount === 1)
    sink.close()
  })

  it('a daemon that stops says goodbye before its socket closes', async () => {
    const SLOW = {helloMs: 100, deadMs: 60_000} // dropping for silence would take a minute
    const [d1, d2] = [await daemon(1), await daemon(2)]
    d1.join(100, undefined, SLOW)
    d2.join(100, d1.self(), SLOW)
    await until('a mesh', () => addresses(d1, 100).length === 1)
    await d2.close()
    daemons.splice(daemons.indexOf(d2), 1)
    await until('d2 gone from d1 by its goodbye', () => addresses(d1, 100).length === 0, 1000)
  })

  it('with a key, a switch that does not have it cannot join, and spoofed senders are refused', async () => {
    const [d1, intruder] = [await daemon(1), await daemon(9)]
    d1.join(100, undefined, {...FAST, key: KEY})
    intruder.join(100, d1.self(), {...FAST, key: Buffer.from('guess')})
    await until('the intruder refused', () => d1.drops.controlUnauthenticated >= 1)
    const liar = createSocket('udp4')
    liar.bind(0, '127.0.2.8')
    await once(liar, 'listening')
    const {encodeControl} = await import('../../src/mesh/control.js')
    const forged = encodeControl(
      {type: 'announce', vni: 100, from: {address: '127.0.2.7', dataPort: 1, controlPort: 2}, seq: 1, sentMs: Date.now()},
      KEY,
    )
    await new Promise<void>((r) => liar.send(forged, d1.controlPort!, '127.0.2.1', () => r()))
    await until('the spoofed sender refused', () => d1.drops.controlSpoofed === 1)
    liar.close()
    assert.deepEqual(d1.environment(100).peerPorts(), [])
  })
})
