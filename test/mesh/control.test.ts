import {strict as assert} from 'node:assert'

import {
  type ControlActions,
  type ControlMessage,
  decodeControl,
  encodeControl,
  type Member,
  Membership,
  memberKey,
} from '../../src/mesh/control.js'

const member = (n: number): Member => ({address: `10.0.0.${n}`, dataPort: 4789, controlPort: 4790})
const KEY = Buffer.from('environment lab pre-shared key')
const OPTIONS = {helloMs: 1000, deadMs: 3500}

/** Delivers every datagram an action list sends, through the real codec, until the network is quiet. */
function run(nodes: Map<string, Membership>, first: ControlActions, nowMs: number, key?: Buffer): void {
  const queue = [...first.send]
  for (let hops = 0; queue.length > 0 && hops < 1000; hops++) {
    const {to, message} = queue.shift()!
    const decoded = decodeControl(encodeControl(message, key), key)
    assert.ok(decoded.ok)
    const node = nodes.get(memberKey(to))
    if (node) queue.push(...node.receive(decoded.message, nowMs).send)
  }
  assert.equal(queue.length, 0, 'the control plane went quiet')
}

const peersOf = (m: Membership) =>
  m
    .peers()
    .map((p) => p.address)
    .sort()

describe('switch control plane: membership (JISA 2011, 2.1.2)', () => {
  it('a switch joining through any one member ends up knowing every member, and every member knows it', () => {
    const nodes = new Map([1, 2, 3, 4].map((n) => [memberKey(member(n)), new Membership(100, member(n), OPTIONS)]))
    const at = (n: number) => nodes.get(memberKey(member(n)))!
    run(nodes, at(2).join(member(1), 0), 0)
    run(nodes, at(3).join(member(1), 10), 10)
    run(nodes, at(4).join(member(2), 20), 20) // through a member that itself joined late
    for (const n of [1, 2, 3, 4])
      assert.deepEqual(
        peersOf(at(n)),
        ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].filter((a) => a !== `10.0.0.${n}`),
        `switch ${n}`,
      )
  })

  it('two switches that join through different members at once meet through the hellos', () => {
    const nodes = new Map([1, 2, 3].map((n) => [memberKey(member(n)), new Membership(100, member(n), OPTIONS)]))
    const at = (n: number) => nodes.get(memberKey(member(n)))!
    // 2 joins through 1 and 3 joins through 2 before 2 has heard back from 1: 1 and 3 do not know each other.
    const join2 = at(2).join(member(1), 0)
    run(nodes, at(3).join(member(2), 0), 0)
    run(nodes, join2, 0)
    assert.deepEqual(peersOf(at(3)), ['10.0.0.2'])
    run(nodes, at(2).tick(1000), 1000) // 2's hellos list 1 to 3 and 3 to 1
    assert.deepEqual(peersOf(at(1)), ['10.0.0.2', '10.0.0.3'])
    assert.deepEqual(peersOf(at(3)), ['10.0.0.1', '10.0.0.2'])
  })

  it('reports members as they are added and removed, so the data plane follows', () => {
    const a = new Membership(100, member(1), OPTIONS)
    const joined = a.receive({type: 'join', vni: 100, from: member(2), seq: 1, sentMs: 0}, 0)
    assert.deepEqual(joined.added, [member(2)])
    assert.equal(joined.send[0]!.message.type, 'members')
    const left = a.receive({type: 'leave', vni: 100, from: member(2), seq: 2, sentMs: 5}, 5)
    assert.deepEqual(left.removed, [member(2)])
    assert.deepEqual(a.peers(), [])
  })

  it('drops a member not heard from for deadMs, and keeps one that says hello', () => {
    const a = new Membership(100, member(1), OPTIONS)
    a.receive({type: 'announce', vni: 100, from: member(2), seq: 1, sentMs: 0}, 0)
    a.receive({type: 'announce', vni: 100, from: member(3), seq: 1, sentMs: 0}, 0)
    assert.equal(a.tick(1000).send.length, 2, 'hellos to both')
    a.receive({type: 'hello', vni: 100, from: member(3), members: [], seq: 2, sentMs: 3000}, 3000)
    const later = a.tick(4000)
    assert.deepEqual(later.removed, [member(2)])
    assert.deepEqual(peersOf(a), ['10.0.0.3'])
  })

  it('leave says goodbye to every member', () => {
    const a = new Membership(100, member(1), OPTIONS)
    a.receive({type: 'announce', vni: 100, from: member(2), seq: 1, sentMs: 0}, 0)
    const bye = a.leave(10)
    assert.deepEqual(
      bye.send.map((s) => [s.to.address, s.message.type]),
      [['10.0.0.2', 'leave']],
    )
    assert.deepEqual(a.peers(), [])
  })

  it('ignores replayed, stale, future and other-environment messages', () => {
    const a = new Membership(100, member(1), OPTIONS)
    a.receive({type: 'announce', vni: 100, from: member(2), seq: 5, sentMs: 0}, 0)
    assert.deepEqual(a.receive({type: 'leave', vni: 100, from: member(2), seq: 5, sentMs: 0}, 0).removed, [], 'replayed sequence number')
    assert.deepEqual(a.receive({type: 'leave', vni: 100, from: member(2), seq: 6, sentMs: -40_000}, 0).removed, [], 'too old')
    assert.deepEqual(a.receive({type: 'leave', vni: 100, from: member(2), seq: 7, sentMs: 40_000}, 0).removed, [], 'from the future')
    assert.deepEqual(a.receive({type: 'leave', vni: 200, from: member(2), seq: 8, sentMs: 0}, 0).removed, [], 'another environment')
    assert.deepEqual(peersOf(a), ['10.0.0.2'])
  })

  it('a restarted switch (sequence back at 1) is taken back when it joins again', () => {
    const a = new Membership(100, member(1), OPTIONS)
    a.receive({type: 'announce', vni: 100, from: member(2), seq: 90, sentMs: 0}, 0)
    a.tick(5000) // dead
    assert.deepEqual(a.peers(), [])
    assert.deepEqual(a.receive({type: 'join', vni: 100, from: member(2), seq: 1, sentMs: 6000}, 6000).added, [member(2)])
    assert.deepEqual(a.receive({type: 'hello', vni: 100, from: member(2), members: [], seq: 2, sentMs: 7000}, 7000).send, [])
    assert.deepEqual(peersOf(a), ['10.0.0.2'])
  })
})

describe('switch control plane: datagrams', () => {
  const message: ControlMessage = {type: 'members', vni: 7, from: member(1), members: [member(2), member(3)], seq: 3, sentMs: 12}

  it('round-trips, with and without a key', () => {
    assert.deepEqual(decodeControl(encodeControl(message)), {ok: true, message})
    assert.deepEqual(decodeControl(encodeControl(message, KEY), KEY), {ok: true, message})
  })

  it('with a key, drops unsigned, wrongly signed and tampered messages', () => {
    assert.deepEqual(decodeControl(encodeControl(message), KEY), {ok: false, reason: 'unauthenticated'})
    assert.deepEqual(decodeControl(encodeControl(message, Buffer.from('another key')), KEY), {ok: false, reason: 'unauthenticated'})
    const tampered = encodeControl(message, KEY)
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 1, tampered.length - 3)
    assert.deepEqual(decodeControl(tampered, KEY), {ok: false, reason: 'unauthenticated'})
  })

  it('rejects malformed messages and never throws on random bytes', () => {
    const bad = (json: string) => decodeControl(Buffer.concat([Buffer.from('VC1'), Buffer.from([0]), Buffer.from(json)]))
    for (const json of [
      '{',
      '[]',
      'null',
      '{"type":"hello"}',
      '{"type":"nope","vni":1,"from":{"address":"a","dataPort":1,"controlPort":2},"seq":1,"sentMs":1}',
      '{"type":"members","vni":1,"from":{"address":"a","dataPort":1,"controlPort":2},"seq":1,"sentMs":1,"members":[{"address":""}]}',
      '{"type":"hello","vni":1,"from":{"address":"a","dataPort":0,"controlPort":2},"seq":1,"sentMs":1}',
    ]) {
      assert.deepEqual(bad(json), {ok: false, reason: 'malformed'}, json)
    }
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 2000; i++) {
      const head = rnd() < 0.5 ? Buffer.from('VC1') : Buffer.alloc(0)
      const b = Buffer.concat([head, Buffer.from(Array.from({length: Math.floor(rnd() * 80)}, () => Math.floor(rnd() * 256)))])
      assert.equal(decodeControl(b, rnd() < 0.5 ? KEY : undefined).ok, false)
    }
  })
})
