import {strict as assert} from 'node:assert'

import {forward, type SwitchPort} from '../../src/mesh/forwarding.js'
import {formatMac, parseMac} from '../../src/mesh/mac.js'
import {MacTable} from '../../src/mesh/mac-table.js'

const port = (kind: 'local' | 'peer', id: string): SwitchPort => ({kind, id})
const frame = (dst: string, src: string) =>
  Buffer.concat([
    Buffer.from(dst.replaceAll(':', ''), 'hex'),
    Buffer.from(src.replaceAll(':', ''), 'hex'),
    Buffer.from([0x08, 0x06]),
    Buffer.alloc(28),
  ])
const BCAST = 'ff:ff:ff:ff:ff:ff'
const A = '52:54:00:00:00:0a'
const B = '52:54:00:00:00:0b'
const C = '52:54:00:00:00:0c'

describe('MAC table', () => {
  it('learns, moves, and says when an address is new or has moved', () => {
    const t = new MacTable<string>({maxEntries: 10, ageMs: 1000})
    assert.equal(t.learn(parseMac(A), 'p1', 0), true)
    assert.equal(t.learn(parseMac(A), 'p1', 10), false)
    assert.equal(t.learn(parseMac(A), 'p2', 20), true, 'a move')
    assert.equal(t.lookup(parseMac(A), 30), 'p2')
  })

  it('ages entries out', () => {
    const t = new MacTable<string>({maxEntries: 10, ageMs: 1000})
    t.learn(parseMac(A), 'p1', 0)
    assert.equal(t.lookup(parseMac(A), 1000), 'p1')
    assert.equal(t.lookup(parseMac(A), 1001), undefined)
    assert.equal(t.size, 0)
  })

  it('never learns a group address as a source', () => {
    const t = new MacTable<string>({maxEntries: 10, ageMs: 1000})
    assert.equal(t.learn(parseMac(BCAST), 'p1', 0), false)
    assert.equal(t.size, 0)
  })

  it('stays within its bound, dropping the entry seen longest ago (to the second)', () => {
    const t = new MacTable<string>({maxEntries: 2, ageMs: 1e9})
    t.learn(parseMac(A), 'p1', 0)
    t.learn(parseMac(B), 'p1', 1000)
    t.learn(parseMac(A), 'p1', 2500) // A seen again: B is now the oldest
    t.learn(parseMac(C), 'p1', 3000)
    assert.equal(t.size, 2)
    assert.equal(t.lookup(parseMac(B), 3001), undefined)
    assert.equal(t.lookup(parseMac(A), 3001), 'p1')
    assert.deepEqual(
      t.list(3001).map((e) => formatMac(e.mac)),
      [A, C],
    )
  })

  it('forgets every address behind a port that is gone', () => {
    const t = new MacTable<string>({maxEntries: 10, ageMs: 1e9})
    t.learn(parseMac(A), 'peer1', 0)
    t.learn(parseMac(B), 'peer1', 0)
    t.learn(parseMac(C), 'vm1', 0)
    assert.equal(t.forget('peer1'), 2)
    assert.deepEqual(
      t.list(1).map((e) => formatMac(e.mac)),
      [C],
    )
  })
})

describe('forwarding (JISA 2011, 2.1.2)', () => {
  const vm1 = port('local', 'vm1')
  const vm2 = port('local', 'vm2')
  const vm3 = port('local', 'vm3')
  const h2 = port('peer', 'h2')
  const h3 = port('peer', 'h3')
  const ports = {locals: [vm1, vm2, vm3], peers: [h2, h3]}
  let table: MacTable<SwitchPort>
  beforeEach(() => {
    table = new MacTable<SwitchPort>({maxEntries: 100, ageMs: 300_000})
  })

  it('floods a broadcast from a VM to the other VMs and every peer, not back to the sender', () => {
    assert.deepEqual(forward(table, frame(BCAST, A), vm1, ports, 0), [vm2, vm3, h2, h3])
  })

  it('floods a broadcast from a peer to the local VMs only (never on to other peers)', () => {
    assert.deepEqual(forward(table, frame(BCAST, A), h2, ports, 0), [vm1, vm2, vm3])
  })

  it('floods an unknown unicast destination the same way', () => {
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 0), [vm2, vm3, h2, h3])
    assert.deepEqual(forward(table, frame(B, C), h3, ports, 0), [vm1, vm2, vm3])
  })

  it('delivers locally through one switch once the destination is known', () => {
    forward(table, frame(BCAST, B), vm2, ports, 0)
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 1), [vm2])
  })

  it('sends to exactly one peer for a VM on another host, and that peer delivers locally', () => {
    forward(table, frame(BCAST, B), h2, ports, 0) // B is behind h2
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 1), [h2])
    // on h2's switch: A is learned behind the peer this came from, B is local there
    const there = new MacTable<SwitchPort>({maxEntries: 100, ageMs: 300_000})
    const h1 = port('peer', 'h1')
    const vmB = port('local', 'vmB')
    forward(there, frame(BCAST, B), vmB, {locals: [vmB], peers: [h1]}, 0)
    assert.deepEqual(forward(there, frame(B, A), h1, {locals: [vmB], peers: [h1]}, 1), [vmB])
  })

  it('drops a frame whose destination is behind the port it came in on', () => {
    forward(table, frame(BCAST, B), vm1, ports, 0)
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 1), [])
  })

  it('drops a frame from a peer whose destination is behind another peer (at most two switches)', () => {
    forward(table, frame(BCAST, B), h3, ports, 0)
    assert.deepEqual(forward(table, frame(B, A), h2, ports, 1), [])
  })

  it('follows a VM that moved: its first frame from the new port re-teaches the table', () => {
    forward(table, frame(BCAST, B), vm2, ports, 0)
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 1), [vm2])
    forward(table, frame(BCAST, B), h3, ports, 2) // B migrated to h3 and announced itself (RARP)
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 3), [h3])
  })

  it('floods again once the destination has aged out', () => {
    forward(table, frame(BCAST, B), vm2, ports, 0)
    assert.deepEqual(forward(table, frame(B, A), vm1, ports, 300_001), [vm2, vm3, h2, h3])
  })
})
