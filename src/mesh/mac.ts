/**
 * MAC addresses as the switch handles them: a number (48 bits fit a double exactly), read
 * straight from the frame, so a lookup never builds a string.
 */
export type Mac = number

export function destinationMac(frame: Buffer): Mac {
  return frame.readUIntBE(0, 6)
}

export function sourceMac(frame: Buffer): Mac {
  return frame.readUIntBE(6, 6)
}

/** Broadcast and multicast share the group bit: the lowest bit of the first byte. */
export function isGroup(mac: Mac): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1
}

export function formatMac(mac: Mac): string {
  return mac
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:')
}

export function parseMac(text: string): Mac {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(text)) throw new Error(`"${text}" is not a MAC address`)
  return Number.parseInt(text.replaceAll(':', ''), 16)
}
