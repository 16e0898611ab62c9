/**
 * bench/mesh: CPU time per forwarded frame in violin's userspace switch daemon, against
 * the floor of any Node process forwarding UDP (receive on one socket, send on another),
 * both measured here in the same run, alternately, in a child process of their own.
 * Also measured: the daemon with every data frame signed (`--auth-data`), against the unsigned one.
 * Frames are 1000-byte Ethernet frames to an unknown unicast MAC, so the switch floods each
 * to its one peer: learning, lookup, VXLAN encapsulation and counters are all paid.
 * Env: FRAMES (default 100000 per run), RUNS (3).
 */
import {spawn} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {once} from 'node:events'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

type Mode = 'daemon' | 'daemon-auth' | 'relay'

const FORWARDER = fileURLToPath(new URL('mesh-forwarder.ts', import.meta.url))
const FRAMES = Number(process.env.FRAMES ?? 100_000)
const RUNS = Number(process.env.RUNS ?? 3)

function frame(i: number): Buffer {
  const f = Buffer.alloc(1000, 0x5a)
  f.writeUIntBE(0x5254_0000_0000 + (i % 64) + 0x100, 0, 6) // 64 destinations, never learned: flooded
  f.writeUIntBE(0x5254_0000_0001, 6, 6)
  f.writeUInt16BE(0x88b5, 12)
  return f
}

async function measure(mode: Mode): Promise<{usPerFrame: number; delivered: number; forwarded: number}> {
  const sink = createSocket({type: 'udp4', recvBufferSize: 8 << 20})
  sink.bind(0, '127.0.3.2')
  await once(sink, 'listening')
  let delivered = 0
  sink.on('message', () => delivered++)
  const sender = createSocket({type: 'udp4', sendBufferSize: 8 << 20})
  sender.bind(0, '127.0.0.1')
  await once(sender, 'listening')
  const child = spawn(process.execPath, ['--import', 'tsx', FORWARDER, mode, String(sink.address().port), String(sender.address().port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({input: child.stdout!})[Symbol.asyncIterator]()
  const ask = async (what: string, prefix: string): Promise<string[]> => {
    child.stdin!.write(`${what}\n`)
    for (;;) {
      const {value, done} = await lines.next()
      if (done) throw new Error(`forwarder (${mode}) exited`)
      if (value.startsWith(prefix)) return value.split(' ').slice(1)
    }
  }
  const [vmPort] = await ask('ready?', 'READY')
  sender.connect(Number(vmPort), '127.0.0.1')
  await once(sender, 'connect')
  await ask('ready?', 'READY')
  child.stdin!.write('start\n')
  const frames = Array.from({length: 64}, (_, i) => frame(i))
  // Paced in bursts so the forwarder's receive buffer never overflows: the CPU per frame is what is measured.
  for (let i = 0; i < FRAMES; ) {
    for (let k = 0; k < 16 && i < FRAMES; k++, i++) sender.send(frames[i % 64]!)
    if (i % 128 === 0) await new Promise((r) => setTimeout(r, 1))
    else await new Promise((r) => setImmediate(r))
  }
  let last = -1
  while (delivered !== last) {
    last = delivered
    await new Promise((r) => setTimeout(r, 200))
  }
  const [forwarded, cpuUs] = (await ask('report', 'REPORT')).map(Number)
  child.stdin!.end()
  await once(child, 'exit')
  sender.close()
  sink.close()
  return {usPerFrame: cpuUs! / forwarded!, delivered, forwarded: forwarded!}
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function main(): Promise<void> {
  const results: Record<Mode, number[]> = {daemon: [], 'daemon-auth': [], relay: []}
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of ['relay', 'daemon', 'daemon-auth'] as const) {
      const r = await measure(mode)
      results[mode].push(r.usPerFrame)
      console.log(
        `run ${run} ${mode.padEnd(11)} ${r.usPerFrame.toFixed(2)} us/frame (${r.forwarded} of ${FRAMES} forwarded, ${r.delivered} delivered)`,
      )
    }
  }
  const daemon = median(results.daemon)
  const relay = median(results.relay)
  console.log(
    `\nmedian CPU per forwarded frame: daemon ${daemon.toFixed(2)} us (${Math.round(1e6 / daemon)} frames/s per core), bare relay ${relay.toFixed(2)} us (${Math.round(1e6 / relay)} frames/s per core)`,
  )
  console.log(`daemon / relay: ${(daemon / relay).toFixed(2)} (target: at most 1.20)`)
  const signed = median(results['daemon-auth'])
  console.log(
    `with signed data frames (--auth-data): ${signed.toFixed(2)} us, ${(signed / daemon).toFixed(2)}x the unsigned daemon, ${(signed / relay).toFixed(2)}x the relay`,
  )
}
