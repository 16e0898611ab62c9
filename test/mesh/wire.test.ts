import {strict as assert} from 'node:assert'

import {rarpAnnouncement} from '../../src/mesh/announce.js'
import {destinationMac, formatMac, isGroup, parseMac, sourceMac} from '../../src/mesh/mac.js'
import {decodeVxlan, encodeVxlan, MAX_VNI} from '../../src/mesh/vxlan.js'

const frame = (dst: string, src: string, payload = 'hello') =>
  Buffer.concat([
    Buffer.from(dst.replaceAll(':', ''), 'hex'),
    Buffer.from(src.replaceAll(':', ''), 'hex'),
    Buffer.from([0x08, 0x00]),
    Buffer.from(payload),
  ])

describe('MAC addresses read from frames', () => {
  it('reads destination and source and prints them back', () => {
    const f = frame('ff:ff:ff:ff:ff:ff', '52:54:00:ab:cd:ef')
    assert.equal(formatMac(destinationMac(f)), 'ff:ff:ff:ff:ff:ff')
    assert.equal(formatMac(sourceMac(f)), '52:54:00:ab:cd:ef')
    assert.equal(parseMac('52:54:00:AB:CD:EF'), sourceMac(f))
    assert.equal(formatMac(parseMac('00:00:00:00:00:01')), '00:00:00:00:00:01')
  })

  it("tells group addresses (broadcast, multicast) from unicast by the first byte's low bit", () => {
    assert.equal(isGroup(parseMac('ff:ff:ff:ff:ff:ff')), true)
    assert.equal(isGroup(parseMac('01:00:5e:00:00:01')), true) // IPv4 multicast
    assert.equal(isGroup(parseMac('33:33:00:00:00:01')), true) // IPv6 multicast
    assert.equal(isGroup(parseMac('52:54:00:00:00:01')), false)
    assert.equal(isGroup(parseMac('02:00:00:00:00:01')), false)
    assert.equal(isGroup(parseMac('00:ff:ff:ff:ff:ff')), false)
  })

  it('refuses text that is not a MAC', () => {
    for (const bad of ['52:54:00:ab:cd', '52-54-00-ab-cd-ef', 'zz:54:00:ab:cd:ef', '']) assert.throws(() => parseMac(bad), /not a MAC/)
  })
})

describe('VXLAN header (RFC 7348)', () => {
  it('writes the I flag and the 24-bit VNI, then the frame, byte for byte as the kernel does', () => {
    const f = frame('ff:ff:ff:ff:ff:ff', '52:54:00:00:00:01')
    const d = encodeVxlan(0x123456, f)
    assert.equal(d.subarray(0, 8).toString('hex'), '0800000012345600')
    assert.deepEqual(d.subarray(8), f)
  })

  it('reads back what it writes, for the smallest and largest VNI', () => {
    for (const vni of [0, 1, 4242, MAX_VNI]) {
      const f = frame('52:54:00:00:00:02', '52:54:00:00:00:01', `vni ${vni}`)
      const d = decodeVxlan(encodeVxlan(vni, f))
      assert.ok(d.ok)
      assert.equal(d.vni, vni)
      assert.deepEqual(d.frame, f)
    }
  })

  it('rejects, with the reason, datagrams that are not VXLAN-framed Ethernet', () => {
    assert.deepEqual(decodeVxlan(Buffer.alloc(0)), {ok: false, reason: 'short'})
    assert.deepEqual(decodeVxlan(Buffer.from('08000000123456', 'hex')), {ok: false, reason: 'short'})
    const noFlag = encodeVxlan(7, frame('ff:ff:ff:ff:ff:ff', '52:54:00:00:00:01'))
    noFlag[0] = 0
    assert.deepEqual(decodeVxlan(noFlag), {ok: false, reason: 'flags'})
    assert.deepEqual(decodeVxlan(encodeVxlan(7, Buffer.alloc(13))), {ok: false, reason: 'frame'})
  })

  it('never throws on random bytes', () => {
    let seed = 1
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({length: Math.floor(rnd() * 40)}, () => Math.floor(rnd() * 256)))
      const d = decodeVxlan(b)
      if (d.ok) assert.ok(d.frame.length >= 14 && d.vni <= MAX_VNI)
    }
  })

  it('refuses a VNI that does not fit 24 bits', () => {
    for (const vni of [-1, MAX_VNI + 1, 1.5]) assert.throws(() => encodeVxlan(vni, Buffer.alloc(14)), RangeError)
  })
})

describe("the daemon's announcement of a VM that landed", () => {
  it("is the broadcast RARP QEMU sends, from and about the VM's MAC, padded to 60 bytes", () => {
    const f = rarpAnnouncement(parseMac('52:54:00:12:34:56'))
    assert.equal(f.length, 60)
    assert.equal(f.subarray(0, 6).toString('hex'), 'ffffffffffff')
    assert.equal(f.subarray(6, 12).toString('hex'), '525400123456')
    assert.equal(f.readUInt16BE(12), 0x8035)
    assert.deepEqual([f.readUInt16BE(14), f.readUInt16BE(16), f[18], f[19], f.readUInt16BE(20)], [1, 0x0800, 6, 4, 3])
    assert.equal(f.subarray(22, 28).toString('hex'), '525400123456')
    assert.equal(f.subarray(32, 38).toString('hex'), '525400123456')
  })
})
