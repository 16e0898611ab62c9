/**
 * A real etcd cluster on loopback for tests and benchmarks: Debian's etcd-server, N
 * members on free ports, data in a temp dir, each member stopped by its PID. Optional TLS
 * (a CA and certificates made with openssl) and password auth (root user, auth enabled).
 *
 *   const etcd = await startEtcd({members: 3})
 *   process.env.VIOLIN_STORE = etcd.url('violin')
 *   await etcd.stopMember(0)   // SIGTERM one member; startMember(0) brings it back
 *   await etcd.stop()
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {allOf, missingBinary} from './integration.js'

export const ETCD = '/usr/bin/etcd'
export const ETCDCTL = '/usr/bin/etcdctl'
export const etcdUnavailable = allOf(
  () => missingBinary(ETCD),
  () => missingBinary(ETCDCTL),
  () => missingBinary('/usr/bin/openssl'),
)

export interface EtcdOptions {
  members?: number
  tls?: boolean
  /** Enable auth with this root password. */
  rootPassword?: string
  /** etcd's --max-txn-ops (default etcd's own, 128). */
  maxTxnOps?: number
  /** Where clients reach the members (default 127.0.0.1; the test bed's hosts need its bridge address). */
  address?: string
  /** etcd's --auth-token-ttl in seconds (default 300): how long an idle client's token lives. */
  authTokenTtlS?: number
}

export interface EtcdCluster {
  dir: string
  endpoints: string[]
  /** With TLS: the CA file, and a client certificate and key signed by it. */
  tls?: {ca: string; cert: string; key: string}
  url(prefix: string, auth?: string): string
  /** etcdctl against the cluster (as root when auth is on). */
  ctl(args: string[], options?: {user?: string}): string
  pids(): number[]
  stopMember(i: number): Promise<void>
  startMember(i: number): Promise<void>
  stop(): Promise<void>
}

export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      {length: n},
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer()
          s.listen(0, '127.0.0.1', () => resolve(s))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

function makeCerts(dir: string, address: string): {ca: string; cert: string; key: string; server: {cert: string; key: string}} {
  const run = (args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=violin-test-ca',
  ])
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=IP:127.0.0.1,IP:${address},DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n`)
  for (const name of ['server', 'client']) {
    run([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    ])
    run([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      'san.ext',
    ])
  }
  return {
    ca: join(dir, 'ca.crt'),
    cert: join(dir, 'client.crt'),
    key: join(dir, 'client.key'),
    server: {cert: join(dir, 'server.crt'), key: join(dir, 'server.key')},
  }
}

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdCluster> {
  const n = options.members ?? 3
  const dir = mkdtempSync(join(tmpdir(), 'violin-etcd-'))
  const ports = await freePorts(2 * n)
  const client = (i: number) => ports[2 * i]!
  const peer = (i: number) => ports[2 * i + 1]!
  const certs = options.tls ? makeCerts(dir, options.address ?? '127.0.0.1') : undefined
  const scheme = options.tls ? 'https' : 'http'
  const cluster = Array.from({length: n}, (_, i) => `m${i}=http://127.0.0.1:${peer(i)}`).join(',')
  const children: Array<ChildProcess | undefined> = []
  const address = options.address ?? '127.0.0.1'
  const endpoints = Array.from({length: n}, (_, i) => `${address}:${client(i)}`)
  let first = true

  const startMember = async (i: number): Promise<void> => {
    const args = [
      `--name=m${i}`,
      `--data-dir=${join(dir, `m${i}`)}`,
      `--listen-client-urls=${scheme}://${address}:${client(i)}`,
      `--advertise-client-urls=${scheme}://${address}:${client(i)}`,
      `--listen-peer-urls=http://127.0.0.1:${peer(i)}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer(i)}`,
      `--initial-cluster=${cluster}`,
      `--initial-cluster-state=${existsSync(join(dir, `m${i}`)) ? 'existing' : 'new'}`,
      '--initial-cluster-token=violin-test',
      // Quick elections on a loaded CI machine without flapping; a small WAL.
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--snapshot-count=10000',
      '--quota-backend-bytes=1073741824',
      '--log-level=error',
      '--logger=zap',
      ...(options.maxTxnOps ? [`--max-txn-ops=${options.maxTxnOps}`] : []),
      ...(options.authTokenTtlS ? [`--auth-token-ttl=${options.authTokenTtlS}`] : []),
      ...(certs
        ? [`--cert-file=${certs.server.cert}`, `--key-file=${certs.server.key}`, `--trusted-ca-file=${certs.ca}`, '--client-cert-auth=true']
        : []),
    ]
    mkdirSync(join(dir, 'logs'), {recursive: true})
    const log = join(dir, 'logs', `m${i}.log`)
    const child = spawn(ETCD, args, {stdio: ['ignore', 'ignore', 'pipe'], detached: false})
    const chunks: Buffer[] = []
    child.stderr!.on('data', (c: Buffer) => chunks.push(c))
    child.on('exit', () => writeFileSync(log, Buffer.concat(chunks)))
    children[i] = child
  }

  const ctl = (args: string[], o: {user?: string; endpoints?: string[]} = {}): string => {
    const base = [
      `--endpoints=${(o.endpoints ?? endpoints).map((e) => `${scheme}://${e}`).join(',')}`,
      '--dial-timeout=2s',
      '--command-timeout=5s',
    ]
    if (certs) base.push(`--cacert=${certs.ca}`, `--cert=${certs.cert}`, `--key=${certs.key}`)
    const user = o.user ?? (options.rootPassword && first === false ? `root:${options.rootPassword}` : undefined)
    if (user) base.push(`--user=${user}`)
    return execFileSync(ETCDCTL, [...base, ...args], {
      env: {...process.env, ETCDCTL_API: '3'},
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    })
  }

  const waitHealthy = async (members: number[]): Promise<void> => {
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        ctl(['endpoint', 'health'], {
          endpoints: members.map((i) => endpoints[i]!),
          ...(options.rootPassword && !first ? {user: `root:${options.rootPassword}`} : {}),
        })
        return
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`etcd did not become healthy in 30 s: ${(error as {stderr?: string}).stderr ?? (error as Error).message}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }

  const stopMember = async (i: number): Promise<void> => {
    const child = children[i]
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 5000).unref()
    })
    children[i] = undefined
  }

  try {
    for (let i = 0; i < n; i++) await startMember(i)
    await waitHealthy(Array.from({length: n}, (_, i) => i))
    if (options.rootPassword) {
      ctl(['user', 'add', `root:${options.rootPassword}`])
      ctl(['auth', 'enable'])
    }
    first = false
  } catch (error) {
    for (let i = 0; i < n; i++) await stopMember(i)
    rmSync(dir, {recursive: true, force: true})
    throw error
  }

  return {
    dir,
    endpoints,
    ...(certs ? {tls: {ca: certs.ca, cert: certs.cert, key: certs.key}} : {}),
    url: (prefix, auth) => `${certs ? 'etcds' : 'etcd'}://${auth ? `${auth}@` : ''}${endpoints.join(',')}/${prefix}`,
    ctl: (args, o) => ctl(args, o),
    pids: () => children.flatMap((c) => (c?.pid && c.exitCode === null ? [c.pid] : [])),
    stopMember,
    startMember: async (i) => {
      await startMember(i)
      await waitHealthy([i])
    },
    stop: async () => {
      for (let i = 0; i < n; i++) await stopMember(i)
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
