import type {Mac} from './mac.js'

const ETHERTYPE_RARP = 0x8035
const MIN_FRAME_BYTES = 60

/**
 * The frame QEMU sends for a guest after a live migration (qemu_announce_self): a
 * broadcast RARP "request reverse" with the guest's MAC as sender and target. Every switch
 * that floods it learns the MAC's new place; no host answers it. The daemon sends the same
 * frame for a VM that landed when the hypervisor did not (measured on the test bed: without it a
 * peer keeps the old entry until ARP or ageing, 7 s to 300 s).
 */
export function rarpAnnouncement(mac: Mac): Buffer {
  const frame = Buffer.alloc(MIN_FRAME_BYTES)
  frame.writeUIntBE(0xff_ff_ff_ff_ff_ff, 0, 6)
  frame.writeUIntBE(mac, 6, 6)
  frame.writeUInt16BE(ETHERTYPE_RARP, 12)
  frame.writeUInt16BE(1, 14) // hardware: Ethernet
  frame.writeUInt16BE(0x0800, 16) // protocol: IPv4
  frame[18] = 6
  frame[19] = 4
  frame.writeUInt16BE(3, 20) // RARP request reverse
  frame.writeUIntBE(mac, 22, 6) // sender MAC; sender IP 0.0.0.0
  frame.writeUIntBE(mac, 32, 6) // target MAC; target IP 0.0.0.0
  return frame
}
