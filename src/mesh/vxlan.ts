/**
 * The wire format between switches: the standard 8-byte VXLAN header (RFC 7348 section 5)
 * in front of the Ethernet frame, VNI = the environment. Using the standard header lets a
 * kernel VXLAN device be a peer of a userspace switch (test/mesh/netns.test.ts does).
 *
 *   byte 0: flags, 0x08 = "VNI present" (the I flag); bytes 1-3 reserved (0)
 *   bytes 4-6: VNI (24 bits, big endian); byte 7 reserved (0)
 */
export const VXLAN_HEADER_BYTES = 8
export const VXLAN_PORT = 4789
export const MAX_VNI = 0xff_ffff
const I_FLAG = 0x08
/** Destination MAC, source MAC, EtherType: anything shorter is not an Ethernet frame. */
export const ETHERNET_HEADER_BYTES = 14

export type Decoded = {ok: true; vni: number; frame: Buffer} | {ok: false; reason: 'short' | 'flags' | 'frame'}

/** The 8 header bytes for a VNI: a switch builds them once and sends [header, frame] without copying the frame. */
export function vxlanHeader(vni: number): Buffer {
  if (!Number.isInteger(vni) || vni < 0 || vni > MAX_VNI) throw new RangeError(`VNI ${vni} is not a 24-bit number`)
  const header = Buffer.alloc(VXLAN_HEADER_BYTES)
  header.writeUInt32BE(I_FLAG << 24, 0)
  header.writeUInt32BE(vni * 256, 4)
  return header
}

export function encodeVxlan(vni: number, frame: Buffer): Buffer {
  return Buffer.concat([vxlanHeader(vni), frame])
}

/**
 * Reads a datagram from a peer. Anything that is not a VXLAN header with the I flag in
 * front of at least an Ethernet header is rejected with the reason (the daemon counts and
 * drops it). The frame is a view into the datagram, not a copy.
 */
export function decodeVxlan(datagram: Buffer): Decoded {
  if (datagram.length < VXLAN_HEADER_BYTES) return {ok: false, reason: 'short'}
  if ((datagram[0]! & I_FLAG) === 0) return {ok: false, reason: 'flags'}
  if (datagram.length < VXLAN_HEADER_BYTES + ETHERNET_HEADER_BYTES) return {ok: false, reason: 'frame'}
  return {ok: true, vni: datagram.readUInt32BE(4) >>> 8, frame: datagram.subarray(VXLAN_HEADER_BYTES)}
}
