/**
 * The host's own counters for the policies' memory-pressure and NIC judgements: swap
 * writes from /proc/vmstat, bytes through the NIC from /proc/net/dev, its speed from sysfs.
 * One fixed script reads them all in one remote command; the choice of NIC and all the
 * parsing happen here, in pure functions.
 */
import {ViolinError} from '../errors.js'
import type {Transport} from '../transport/transport.js'
import type {HostCounters} from './driver.js'
import {splitBatch} from './libvirt/parse.js'

const MARK = '@@violin:'

/**
 * Takes no arguments: nothing from the inventory reaches the shell. Every device's speed is
 * listed (grep -H names the file) because the device is chosen afterwards; devices without
 * a speed (lo, bridges, tun) answer EINVAL, which is why stderr is dropped there.
 */
const SCRIPT = [
  `echo ${MARK}vmstat; cat /proc/vmstat`,
  `echo ${MARK}route; cat /proc/net/route`,
  `echo ${MARK}dev; cat /proc/net/dev`,
  `echo ${MARK}speed; grep -H . /sys/class/net/*/speed 2>/dev/null`,
].join('\n')

export const HOST_COUNTERS_ARGV: readonly string[] = ['sh', '-c', SCRIPT]

const RTF_UP = 0x0001
const RTF_REJECT = 0x0200
const BYTES_PER_MBIT = 125_000

/** pswpout of /proc/vmstat: pages swapped out since boot. */
export function parseSwapOut(vmstat: string): number | undefined {
  const m = /^pswpout (\d+)\s*$/m.exec(vmstat)
  return m ? Number(m[1]) : undefined
}

/** The device of the IPv4 default route in /proc/net/route; the lowest metric wins when there are several. */
export function defaultRouteDevice(route: string): string | undefined {
  let best: {dev: string; metric: number} | undefined
  for (const line of route.split('\n').slice(1)) {
    const [dev, destination, , flags, , , metric, mask] = line.trim().split(/\s+/)
    if (!dev || dev === '*' || destination !== '00000000' || mask !== '00000000') continue
    const f = Number.parseInt(flags ?? '0', 16)
    if (!(f & RTF_UP) || f & RTF_REJECT) continue
    const m = Number(metric)
    if (!best || m < best.metric) best = {dev, metric: m}
  }
  return best?.dev
}

/** Bytes received and sent per device, from /proc/net/dev (a large counter may touch the colon). */
export function parseNetDev(text: string): Map<string, {rxBytes: number; txBytes: number}> {
  const out = new Map<string, {rxBytes: number; txBytes: number}>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number)
    if (fields.length < 16 || fields.some((n) => !Number.isFinite(n))) continue
    out.set(line.slice(0, colon).trim(), {rxBytes: fields[0]!, txBytes: fields[8]!})
  }
  return out
}

/** Mbit/s per device, from grep -H over /sys/class/net/DEV/speed (-1 = unknown, as drivers say it). */
export function parseSpeeds(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of text.matchAll(/^\/sys\/class\/net\/([^/\n]+)\/speed:(-?\d+)\s*$/gm)) out.set(m[1]!, Number(m[2]))
  return out
}

/**
 * The counters in the script's output, for `nic` or else the default route's device.
 * Undefined when swap or the NIC's bytes are missing: a half reading would feed the
 * policies a zero that was never measured.
 */
export function hostCounters(output: string, nic?: string): HostCounters | undefined {
  const parts = splitBatch(output, MARK)
  const swapOutPages = parseSwapOut(parts.get('vmstat') ?? '')
  const dev = nic ?? defaultRouteDevice(parts.get('route') ?? '')
  const bytes = dev === undefined ? undefined : parseNetDev(parts.get('dev') ?? '').get(dev)
  if (swapOutPages === undefined || dev === undefined || !bytes) return undefined
  const mbit = parseSpeeds(parts.get('speed') ?? '').get(dev)
  return {
    swapOutPages,
    nicBytes: bytes.rxBytes + bytes.txBytes,
    ...(mbit !== undefined && mbit > 0 ? {nicBytesPerSecond: mbit * BYTES_PER_MBIT} : {}),
    nic: dev,
  }
}

/**
 * Reads the counters on the transport's host. A host that cannot answer (no /proc, a
 * timeout, a dropped connection) gives undefined: CPU polling must go on without them.
 */
export async function readHostCounters(transport: Transport, nic?: string): Promise<HostCounters | undefined> {
  try {
    const {stdout} = await transport.run(HOST_COUNTERS_ARGV, {allowFailure: true})
    return hostCounters(stdout, nic)
  } catch (error) {
    if (error instanceof ViolinError) return undefined
    throw error
  }
}
