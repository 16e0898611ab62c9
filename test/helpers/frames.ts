import {createSocket, type Socket} from 'node:dgram'
import {once} from 'node:events'

/**
 * Test "VMs" as a UDP socket speaking as QEMU's UDP NIC backend does (one raw Ethernet
 * frame per datagram), and the frames they send: for switch tests on loopback.
 */
export const BCAST = 'ff:ff:ff:ff:ff:ff'

/** An Ethernet frame with a made-up EtherType (0x88b5, local experimental) carrying `text`. */
export const frame = (dst: string, src: string, text: string): Buffer =>
  Buffer.concat([
    Buffer.from(dst.replaceAll(':', ''), 'hex'),
    Buffer.from(src.replaceAll(':', ''), 'hex'),
    Buffer.from([0x88, 0xb5]),
    Buffer.from(text),
  ])

export const payload = (f: Buffer): string => f.subarray(14).toString()

export interface FrameSocket {
  socket: Socket
  port: number
  /** Frames received and not yet taken by next(). */
  frames: Buffer[]
  /** Resolves with the next frame, or rejects after ms. */
  next(ms?: number): Promise<Buffer>
}

/** A socket bound on 127.0.0.1 that queues the frames it receives. */
export async function frameSocket(name: string, defaultMs: number): Promise<FrameSocket> {
  const socket = createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const frames: Buffer[] = []
  const waiters: Array<(f: Buffer) => void> = []
  socket.on('message', (f) => {
    const w = waiters.shift()
    if (w) w(f)
    else frames.push(f)
  })
  return {
    socket,
    port: socket.address().port,
    frames,
    next: (ms = defaultMs) =>
      frames.length > 0
        ? Promise.resolve(frames.shift()!)
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${name}: no frame within ${ms} ms`)), ms)
            waiters.push((f) => {
              clearTimeout(timer)
              resolve(f)
            })
          }),
  }
}
