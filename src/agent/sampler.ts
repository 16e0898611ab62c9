import {readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {UsageError} from '../errors.js'
import type {Driver} from '../hypervisor/driver.js'
import {type AgentRecord, runSampler} from '../monitor/agent-samples.js'
import {openStoreAt} from '../store/open.js'
import {makeDirs} from '../files.js'
import type {Store} from '../store/store.js'
import {parseStoreUrl} from '../store/url.js'
import {LocalTransport} from '../transport/local.js'
import {livePid} from './run.js'

/**
 * The agent's sampler: `violin agent --store URL --host NAME`. A process of its own beside
 * the switch agent (its own PID file, no socket): stopping or restarting it never touches
 * the VMs' network. It samples this host through the local driver every interval and
 * writes the pair of samples to the shared store (src/monitor/agent-samples.ts).
 */

export interface SamplerPaths {
  pid: string
  /** Holds the PID once the first sample is in the store: what --detach waits for. */
  ready: string
  log: string
  /** The etcd credentials `violin agent start` hands over (0600). */
  credentials: string
}

export function samplerPaths(dir: string): SamplerPaths {
  return {
    pid: join(dir, 'sampler.pid'),
    ready: join(dir, 'sampler.ready'),
    log: join(dir, 'sampler.log'),
    credentials: join(dir, 'sampler.credentials'),
  }
}

/** The variables a credentials file may set: the store's TLS files and password auth, nothing else. */
const CREDENTIAL_VARIABLES = ['VIOLIN_ETCD_USER', 'VIOLIN_ETCD_PASSWORD', 'VIOLIN_ETCD_CA', 'VIOLIN_ETCD_CERT', 'VIOLIN_ETCD_KEY'] as const

/**
 * Reads NAME=VALUE lines of VIOLIN_ETCD_* variables. A file others may read is refused:
 * the password in it speaks for this host.
 */
export function readCredentials(file: string): Record<string, string> {
  let text: string
  try {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new Error(`${file} may be read by others (mode ${(statSync(file).mode & 0o777).toString(8)}): chmod 600 ${file}`)
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(code ? `cannot read the credentials file ${file}: ${code}` : (error as Error).message)
  }
  const out: Record<string, string> = {}
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return
    const eq = line.indexOf('=')
    const name = line.slice(0, Math.max(0, eq))
    if (eq < 0 || !CREDENTIAL_VARIABLES.includes(name as never))
      throw new Error(`${file} line ${i + 1}: expected ${CREDENTIAL_VARIABLES.join(', ')}=VALUE`)
    out[name] = line.slice(eq + 1)
  })
  return out
}

export interface SamplerOptions {
  dir: string
  /** An etcd store URL (etcd:// or etcds://): agents need a shared store. */
  storeUrl: string
  host: string
  intervalMs: number
  driver: 'libvirt' | 'xl'
  /** libvirt URI (default qemu:///system). */
  uri?: string
  nic?: string
  credentials?: string
  log: (line: string) => void
}

export interface RunningSampler {
  /** Resolves once the loop has stopped, the store closed and the PID file removed. */
  stop(): Promise<void>
}

/** Thrown when another sampler holds the directory's PID file. */
export class SamplerRunningError extends Error {
  constructor(readonly pid: number) {
    super(`a sampler is already running here (pid ${pid})`)
  }
}

async function localDriver(options: SamplerOptions): Promise<Driver> {
  const transport = new LocalTransport(options.host)
  if (options.driver === 'xl') {
    const {XlDriver} = await import('../hypervisor/xl/driver.js')
    return new XlDriver(transport, Date.now, {nic: options.nic})
  }
  const {LibvirtDriver} = await import('../hypervisor/libvirt/driver.js')
  const {DEFAULT_LIBVIRT_URI} = await import('../inventory/host.js')
  return new LibvirtDriver(transport, options.uri ?? DEFAULT_LIBVIRT_URI, Date.now, {nic: options.nic})
}

/**
 * Takes the PID file, opens the store (with the credentials file's variables), and starts
 * the loop; resolves once the first pair of samples is in the store, or rejects (the PID
 * file released) when the store refuses it: a start that cannot report is a failed start.
 * Later failures of the store are logged and retried every interval.
 */
export async function startSampler(options: SamplerOptions): Promise<RunningSampler> {
  const location = parseStoreUrl(options.storeUrl, '--store')
  if (location.kind !== 'etcd')
    throw new UsageError(
      `--store ${options.storeUrl}: agents write their samples to a shared store; a file store is this machine's alone`,
      'violin agent --store etcd://HOST:PORT/PREFIX --host NAME',
    )
  const paths = samplerPaths(options.dir)
  makeDirs(options.dir, 0o700)
  const other = livePid(paths.pid)
  if (other !== undefined && other !== process.pid) throw new SamplerRunningError(other)
  if (options.credentials) Object.assign(process.env, readCredentials(options.credentials))
  const driver = await localDriver(options)
  writeFileSync(paths.pid, `${process.pid}\n`)
  rmSync(paths.ready, {force: true})
  const release = () => {
    if (livePid(paths.pid) === process.pid) rmSync(paths.pid, {force: true})
    rmSync(paths.ready, {force: true})
  }
  let store: Store
  try {
    store = await openStoreAt(location)
  } catch (error) {
    release()
    throw error
  }
  const controller = new AbortController()
  let first: ((error?: Error) => void) | undefined
  const firstWrite = new Promise<Error | undefined>((resolve) => (first = resolve))
  let lastStoreError: Error | undefined
  const loop = runSampler({
    host: options.host,
    store: {
      putSample: (host, sample, ttlMs) =>
        store.putSample(host, sample, ttlMs).catch((error: Error) => {
          lastStoreError = error
          throw error
        }),
    },
    sample: () => driver.sample(),
    intervalMs: options.intervalMs,
    signal: controller.signal,
    log: options.log,
    onRecord: (_record: AgentRecord, written: boolean) => {
      first?.(written ? undefined : (lastStoreError ?? new Error('not written')))
      first = undefined
    },
  })
  const failed = await firstWrite
  if (failed) {
    controller.abort()
    await loop
    await store.close().catch(() => undefined)
    release()
    throw failed
  }
  writeFileSync(paths.ready, `${process.pid}\n`)
  options.log(`sampler ${process.pid}: ${options.host} every ${options.intervalMs / 1000} s into ${store.url}`)
  let stopping: Promise<void> | undefined
  return {
    stop: () =>
      (stopping ??= (async () => {
        controller.abort()
        await loop
        await store.close().catch(() => undefined)
        release()
        options.log(`sampler ${process.pid} stopped`)
      })()),
  }
}
