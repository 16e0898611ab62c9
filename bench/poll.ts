/**
 * Usage polling of many hosts over real SSH: 50 sshd listeners on loopback (one sshd, 50
 * Port lines), each an inventory host `root@127.0.0.1:PORT` with libvirt's test driver.
 *
 *   (a) parallel-ssh (Debian pssh) running `virsh -c test:///default domstats --raw` on all
 *       50, 32 at once, fresh ssh connections (what a shell script would do);
 *   (b) violin's first poll: a new Session over the inventory + sampleHosts(), so cold
 *       connections (handshake, auth, then the sample);
 *   (c) violin's second poll on the same Session: warm, pooled connections;
 *   (d) for reference: the same driver samples run locally (LocalTransport/execa, no ssh),
 *       32 at once: what the virsh work itself costs on this machine's cores.
 *
 * Rounds alternate the order of (a) and (b)+(c); a fresh Session for every cold run; one
 * untimed warm-up round first. Every host must answer every time, else the bench fails.
 * BENCH_HOSTS and BENCH_ROUNDS override 50 and 5.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import type {HostSample} from '../src/hypervisor/driver.js'
import {LibvirtDriver} from '../src/hypervisor/libvirt/driver.js'
import {sampleHosts} from '../src/monitor/poll.js'
import {fanout} from '../src/services/fanout.js'
import {addHost} from '../src/services/hosts.js'
import {Session} from '../src/services/session.js'
import {LocalTransport} from '../src/transport/local.js'
import {missingBinary} from '../test/helpers/integration.js'
import {LOOPBACK, type Sshd, sshdUnavailable, startSshd} from '../test/helpers/sshd.js'

const HOSTS = Number(process.env.BENCH_HOSTS) || 50
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5
const PARALLEL = 32
const URI = 'test:///default'
const PSSH = '/usr/bin/parallel-ssh'
const VIRSH = '/usr/bin/virsh'

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const fmtMs = (ms: number): string => `${ms.toFixed(0)} ms`
const now = (): number => performance.now()

/** The parallel-ssh run in progress, stopped with sshd on an interrupt. */
let psshChild: ChildProcess | undefined

interface Run {
  ms: number
  answered: number
}

function fail(what: string, answered: number, detail: string): never {
  throw new Error(`${what}: only ${answered} of ${HOSTS} hosts answered\n${detail}`)
}

/** (a) parallel-ssh, fresh ssh connections; counts the hosts whose domstats came back. */
async function runPssh(hostsFile: string, sshd: Sshd, knownHosts: string): Promise<Run> {
  const sshArgs = `-F /dev/null -i ${sshd.userKeyPath} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`
  const args = ['-h', hostsFile, '-p', String(PARALLEL), '-t', '120', '-x', sshArgs, '-i', `virsh -c ${URI} domstats --raw`]
  const started = now()
  const {code, stdout, stderr} = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
    const child = spawn(PSSH, args, {stdio: ['ignore', 'pipe', 'pipe']})
    psshChild = child
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.once('error', reject)
    child.once('close', (c) => {
      psshChild = undefined
      resolve({code: c, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()})
    })
  })
  const ms = now() - started
  const successes = (stdout.match(/^\[\d+\] \S+ \[SUCCESS\] /gm) ?? []).length
  const answered = Math.min(successes, (stdout.match(/^Domain: 'test'$/gm) ?? []).length)
  if (answered !== HOSTS || code !== 0)
    fail(
      `parallel-ssh (exit ${code})`,
      answered,
      `${stdout
        .split('\n')
        .filter((l) => /FAILURE|Stderr|error/i.test(l))
        .slice(0, 10)
        .join('\n')}\n${stderr}`,
    )
  return {ms, answered}
}

function countAnswered(samples: Map<string, HostSample | Error>): {answered: number; errors: string[]} {
  let answered = 0
  const errors: string[] = []
  for (const [host, s] of samples) {
    if (s instanceof Error) errors.push(`${host}: ${s.message}`)
    else if (s.vms.some((vm) => vm.name === 'test')) answered++
    else errors.push(`${host}: answered without the test domain`)
  }
  return {answered, errors}
}

/** (b) and (c): a new Session (cold connections), then a second poll on it (warm). */
async function runViolin(): Promise<{cold: Run; warm: Run}> {
  const started = now()
  const session = await Session.open()
  try {
    const hosts = session.select()
    if (hosts.length !== HOSTS) throw new Error(`the inventory has ${hosts.length} hosts, expected ${HOSTS}`)
    const first = await sampleHosts(session, hosts)
    const coldMs = now() - started
    const cold = countAnswered(first)
    if (cold.answered !== HOSTS) fail('violin cold poll', cold.answered, cold.errors.slice(0, 10).join('\n'))

    const again = now()
    const second = await sampleHosts(session, hosts)
    const warmMs = now() - again
    const warm = countAnswered(second)
    if (warm.answered !== HOSTS) fail('violin warm poll', warm.answered, warm.errors.slice(0, 10).join('\n'))
    return {cold: {ms: coldMs, answered: cold.answered}, warm: {ms: warmMs, answered: warm.answered}}
  } finally {
    await session.close()
  }
}

/** (d) The same samples with no ssh at all (LocalTransport): what the virsh runs cost here. */
async function runLocalFloor(): Promise<Run> {
  const hosts = Array.from({length: HOSTS}, (_, i) => ({name: `local${i + 1}`}))
  const started = now()
  const outcomes = await fanout(hosts, (h) => new LibvirtDriver(new LocalTransport(h.name), URI).sample(), PARALLEL)
  const ms = now() - started
  const {answered, errors} = countAnswered(new Map(outcomes.map((o) => [o.host, o.ok ? o.value : o.error])))
  if (answered !== HOSTS) fail('local run', answered, errors.slice(0, 10).join('\n'))
  return {ms, answered}
}

export async function main(): Promise<void> {
  const reason = sshdUnavailable() ?? missingBinary(PSSH) ?? missingBinary(VIRSH)
  if (reason) throw new Error(`cannot run: ${reason}`)

  const dir = mkdtempSync(join(tmpdir(), 'violin-bench-poll-'))
  let sshd: Sshd | undefined
  let cleaned: Promise<void> | undefined
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      psshChild?.kill('SIGTERM')
      await sshd?.stop()
      rmSync(dir, {recursive: true, force: true})
    })())
  // Stays installed until the cleanup is done: execa's signal-exit re-raises a signal that
  // no other listener is left to handle, which would kill us before sshd is stopped.
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    console.error(`\n${signal}: stopping sshd`)
    void cleanup().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  try {
    const t0 = now()
    sshd = await startSshd({ports: HOSTS})
    const knownHosts = join(dir, 'known_hosts')
    sshd.writeKnownHosts(knownHosts)
    process.env.VIOLIN_HOME = join(dir, 'home')
    process.env.VIOLIN_KNOWN_HOSTS = knownHosts
    delete process.env.SSH_AUTH_SOCK // the bench key only, for violin and ssh alike
    delete process.env.VIOLIN_CONNECT
    for (const [i, port] of sshd.ports.entries()) {
      await addHost({
        name: `h${String(i + 1).padStart(2, '0')}`,
        ssh: `root@${LOOPBACK}:${port}`,
        local: false,
        site: 'bench',
        driver: 'libvirt',
        uri: URI,
        identity: sshd.userKeyPath,
        force: false,
      })
    }
    const hostsFile = join(dir, 'pssh-hosts')
    writeFileSync(hostsFile, sshd.ports.map((p) => `root@${LOOPBACK}:${p}\n`).join(''))
    console.log(
      `${HOSTS} sshd listeners on ${LOOPBACK} (${sshd.pids.length} sshd processes), inventory of ${HOSTS} libvirt hosts (${URI}), set up in ${fmtMs(now() - t0)}`,
    )
    console.log(
      `concurrency ${PARALLEL} for both; ${ROUNDS} rounds after one untimed warm-up; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )
    console.log(
      `parallel-ssh: 1 ssh + 1 virsh (domstats --raw) per host; violin sample: 1 ssh connection per host; cold: 2 virsh runs (the nodeinfo/nodememstats/version/list/domstats batch, then dominfo for what the test driver's domstats lacks), warm: 1 (dominfo rides in the batch)`,
    )

    await runPssh(hostsFile, sshd, knownHosts)
    await runViolin()
    await runLocalFloor()

    const pssh: Run[] = []
    const cold: Run[] = []
    const warm: Run[] = []
    const local: Run[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      const violinFirst = round % 2 === 0
      let p: Run
      let v: {cold: Run; warm: Run}
      if (violinFirst) {
        v = await runViolin()
        p = await runPssh(hostsFile, sshd, knownHosts)
      } else {
        p = await runPssh(hostsFile, sshd, knownHosts)
        v = await runViolin()
      }
      const f = await runLocalFloor()
      pssh.push(p)
      cold.push(v.cold)
      warm.push(v.warm)
      local.push(f)
      console.log(
        `round ${round} (${violinFirst ? 'violin first' : 'pssh first'}): parallel-ssh ${fmtMs(p.ms)} [${p.answered}/${HOSTS}], violin cold ${fmtMs(v.cold.ms)} [${v.cold.answered}/${HOSTS}], warm ${fmtMs(v.warm.ms)} [${v.warm.answered}/${HOSTS}], local ${fmtMs(f.ms)} [${f.answered}/${HOSTS}]`,
      )
    }

    const mP = median(pssh.map((r) => r.ms))
    const mC = median(cold.map((r) => r.ms))
    const mW = median(warm.map((r) => r.ms))
    const mF = median(local.map((r) => r.ms))
    console.log(`medians: parallel-ssh ${fmtMs(mP)}, violin cold ${fmtMs(mC)}, violin warm ${fmtMs(mW)}, local, no ssh ${fmtMs(mF)}`)
    console.log(`violin cold / parallel-ssh = ${(mC / mP).toFixed(2)} (target <= 1.0: ${mC / mP <= 1 ? 'met' : 'NOT met'})`)
    console.log(`violin cold / warm         = ${(mC / mW).toFixed(2)} (target >= 3: ${mC / mW >= 3 ? 'met' : 'NOT met'})`)
    console.log(
      `violin warm / local        = ${(mW / mF).toFixed(2)} (the same samples run locally with no ssh: near 1 means a warm poll is the virsh work on these ${cpus().length} cores)`,
    )
    console.log(`answered: all ${HOSTS} hosts in every run (${ROUNDS} x parallel-ssh, ${ROUNDS} x violin cold, ${ROUNDS} x violin warm)`)
  } finally {
    await cleanup()
    if (!interrupted) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
