import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'
import {allOf, requireIntegration} from '../helpers/integration.js'
import {type Sshd, sshdUnavailable, startSshd, sshClientEnv} from '../helpers/sshd.js'
import {virshUnavailable} from '../helpers/virsh.js'

const XML = join(ROOT, 'test/fixtures/libvirt/two-hosts-a.xml')
const HOSTILE = `it's a "vm" $(x)`
const HOSTILE_XML = `<name>it&apos;s a &quot;vm&quot; $(x)</name>`

/** A person's terminal (script(1) gives the pseudo-terminal): no CI, a real TERM. */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, ...extra, TERM: 'xterm-256color'}
  delete env.CI
  return env
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/** Runs argv on a pseudo-terminal; `type` is sent once `after` has appeared on it. */
async function onTerminal(
  argv: string[],
  env: NodeJS.ProcessEnv,
  steps: Array<{after: RegExp; type: string}> = [],
  timeoutMs = 20_000,
): Promise<{exitCode: number; screen: string}> {
  const child = spawn('script', ['-qfec', argv.map(quote).join(' '), '/dev/null'], {env}) as ChildProcessWithoutNullStreams
  let screen = ''
  let step = 0
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString('utf8')
    while (step < steps.length && steps[step]!.after.test(screen)) child.stdin.write(steps[step++]!.type)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code] = await once(child, 'exit')
  clearTimeout(timer)
  child.stdin.destroy()
  return {exitCode: code ?? -1, screen}
}

function domainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n`
}

describe('single-VM verbs over the real virsh and libvirt test driver, locally', function () {
  this.timeout(30_000)
  const home = tempHome()

  before(async function () {
    requireIntegration(this, 'virsh', virshUnavailable)
    for (const [name, uri] of [
      ['lab-a', `test://${XML}`],
      ['lab-b', 'test:///default'],
    ]) {
      const r = await violin(['host', 'add', name!, '--local', '--site', 'lab', '--driver', 'libvirt', '--uri', uri!], home.env)
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })
  after(() => home.remove())

  // The test driver forgets every change when its virsh process ends: each verb is judged
  // by its exit status and words, and the state read back afterwards is the file's again.
  it('start, suspend, reboot, destroy go through to virsh; virsh refusals keep its words (exit 1)', async () => {
    const start = await violin(['start', 'stopped1'], home.env)
    assert.equal(start.exitCode, 0, start.stderr)
    assert.match(start.stdout, /Started stopped1 on lab-a/)
    const again = await violin(['start', 'web1'], home.env)
    assert.equal(again.exitCode, 1)
    assert.match(again.stderr, /host "lab-a": virsh start web1: .*Domain is already active/s)
    for (const verb of ['suspend', 'reboot', 'destroy']) {
      const r = await violin([verb, '-H', 'lab-a', 'web1', '--json'], home.env)
      assert.equal(r.exitCode, 0, `${verb}: ${r.stdout}`)
      assert.deepEqual(Object.keys(r.json), ['vm', 'host', 'state'])
    }
    const resume = await violin(['resume', 'web1', '--json'], home.env)
    assert.equal(resume.exitCode, 1)
    assert.match(resume.json.error.message, /virsh resume web1: Failed to resume domain 'web1'\ninternal error: domain 'web1' not paused/)
    assert.equal((await violin(['destroy', 'stopped1'], home.env)).exitCode, 0, 'a VM already off is not an error')
  })

  it('a hostile VM name travels as one argv element', async () => {
    const r = await violinProcess(['suspend', HOSTILE, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.vm, HOSTILE)
    assert.equal(r.json.host, 'lab-a')
    const dump = await violinProcess(['dumpxml', HOSTILE], home.env)
    assert.equal(dump.exitCode, 0, dump.stderr)
    assert.ok(dump.stdout.includes(HOSTILE_XML), dump.stdout)
  })

  it('shutdown --wait gives up after --timeout saying the VM still runs, and suggests destroy (exit 1)', async () => {
    const r = await violin(['shutdown', 'web1', '--wait', '--timeout', '1'], home.env)
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /VM "web1" on host "lab-a" is still running 1 s after it was asked to shut down/)
    assert.match(r.stderr, /Try: violin destroy web1/)
  })

  it('dumpxml prints the libvirt XML as is; --json wraps it', async () => {
    const r = await violin(['dumpxml', 'db1', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.format, 'libvirt-xml')
    assert.match(r.json.config, /^<domain type='test'[^>]*>\n {2}<name>db1<\/name>/)
  })

  it('define sends the file to virsh define on the named host, and names the VM virsh defined', async () => {
    const file = join(home.dir, 'fresh.xml')
    writeFileSync(file, domainXml(`fresh &amp; "new"`))
    const needHost = await violin(['define', file], home.env)
    assert.equal(needHost.exitCode, 2)
    assert.match(needHost.stderr, /define needs the host to define the VM on: 2 hosts are selected \(lab-a, lab-b\)/)
    const r = await violinProcess(['define', file, '-H', 'lab-b', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {vm: 'fresh & "new"', host: 'lab-b', file, state: 'shutoff'})
    const bad = join(home.dir, 'bad.xml')
    writeFileSync(bad, "<domain type='test'><name>x</name>\n")
    const refused = await violin(['define', bad, '-H', 'lab-b'], home.env)
    assert.equal(refused.exitCode, 1)
    assert.match(refused.stderr, /host "lab-b": virsh define: Failed to define domain/)
    const missing = await violin(['define', join(home.dir, 'nope.xml'), '-H', 'lab-b'], home.env)
    assert.equal(missing.exitCode, 2)
    assert.match(missing.stderr, /cannot read .*nope\.xml: ENOENT/)
  })

  it('undefine refuses a running VM and undefines one that is off', async () => {
    const running = await violin(['undefine', 'web1'], home.env)
    assert.equal(running.exitCode, 2)
    assert.match(running.stderr, /VM "web1" is running on host "lab-a": violin undefines only VMs that are off/)
    const off = await violin(['undefine', 'stopped1', '--json'], home.env)
    assert.equal(off.exitCode, 0, off.stdout)
    assert.deepEqual(off.json, {vm: 'stopped1', host: 'lab-a', removed: []})
  })

  it('autostart and autostart --disable', async () => {
    assert.deepEqual((await violin(['autostart', 'web1', '--json'], home.env)).json, {vm: 'web1', host: 'lab-a', autostart: true})
    const off = await violin(['autostart', 'web1', '--disable'], home.env)
    assert.equal(off.exitCode, 0, off.stderr)
    assert.match(off.stdout, /web1 on lab-a no longer starts when the host boots/)
  })

  it('console without a terminal is exit 2 before virsh is run', async () => {
    const r = await violinProcess(['console', 'web1', '--json'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(r.json.error.message, 'console needs a terminal: stdin is not one')
  })

  it('console on a terminal runs virsh console on it; the test driver has no console, which is exit 1 with virsh words', async () => {
    const r = await onTerminal([process.execPath, join(ROOT, 'bin/run.js'), 'console', 'web1'], terminalEnv(home.env))
    assert.match(r.screen, /Connected to domain 'web1'/)
    assert.match(r.screen, /Escape character is \^\]/)
    assert.match(r.screen, /not supported by the connection driver: virDomainOpenConsole/)
    assert.match(r.screen, /the console of VM "web1" on host "lab-a" ended with exit status 1/)
    assert.equal(r.exitCode, 1)
  })
})

describe('single-VM verbs over a real sshd to the real virsh test driver', function () {
  this.timeout(30_000)
  const home = tempHome()
  const knownHosts = join(home.dir, 'known_hosts')
  let sshd: Sshd
  let env: Record<string, string>

  before(async function () {
    requireIntegration(this, 'sshd + virsh', allOf(sshdUnavailable, virshUnavailable))
    sshd = await startSshd()
    sshd.writeKnownHosts(knownHosts)
    env = sshClientEnv(home.env, knownHosts)
    const r = await violin(
      [
        'host',
        'add',
        'r1',
        '--ssh',
        `root@127.0.0.1:${sshd.ports[0]}`,
        '--site',
        'remote',
        '--driver',
        'libvirt',
        '--uri',
        `test://${XML}`,
        '--identity',
        sshd.userKeyPath,
      ],
      env,
    )
    assert.equal(r.exitCode, 0, r.stderr)
  })
  after(async () => {
    await sshd?.stop()
    home.remove()
  })

  it('suspend, dumpxml and define carry a hostile name whole through the remote shell', async () => {
    const r = await violinProcess(['suspend', HOSTILE, '-H', 'r1', '--json'], env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {vm: HOSTILE, host: 'r1', state: 'running'})
    const dump = await violinProcess(['dumpxml', HOSTILE], env)
    assert.ok(dump.stdout.includes(HOSTILE_XML), dump.stdout + dump.stderr)
    // libvirt names cannot hold '/': the payload would touch a file in the remote shell's cwd ($HOME).
    const tag = `violin-owned-${process.pid}-${Date.now()}`
    const file = join(home.dir, 'odd.xml')
    writeFileSync(file, domainXml(`a&apos;b $(touch ${tag})`))
    const define = await violinProcess(['define', file, '--json'], env)
    assert.equal(define.exitCode, 0, define.stderr)
    assert.equal(define.json.vm, `a'b $(touch ${tag})`)
    assert.ok(!existsSync(join(process.env.HOME ?? '/root', tag)), 'the remote shell ran part of a VM name')
  })

  it('shutdown --wait over SSH times out with the same words', async () => {
    const r = await violin(['shutdown', 'web1', '--wait', '--timeout', '1', '--json'], env)
    assert.equal(r.exitCode, 1)
    assert.match(r.json.error.message, /VM "web1" on host "r1" is still running 1 s after it was asked to shut down/)
  })

  it('console runs virsh console on a remote pseudo-terminal (virsh sees a terminal there)', async () => {
    const r = await onTerminal([process.execPath, join(ROOT, 'bin/run.js'), 'console', 'web1'], terminalEnv(env))
    assert.match(r.screen, /Connected to domain 'web1'/)
    assert.doesNotMatch(r.screen, /without a controlling TTY/)
    assert.match(r.screen, /virDomainOpenConsole/)
    assert.match(r.screen, /the console of VM "web1" on host "r1" ended with exit status 1/)
    assert.equal(r.exitCode, 1)
  })

  it('an attached SSH session carries keys both ways in raw mode and Ctrl-] leaves it (exit 0)', async () => {
    const probe = join(ROOT, 'test/helpers/attach-probe.ts')
    const argv = ['sh', '-c', 'stty -echo; echo ready; while IFS= read -r line; do echo "got:$line"; done']
    const r = await onTerminal(
      [process.execPath, '--import', 'tsx', probe, String(sshd.ports[0]), sshd.userKeyPath, knownHosts, JSON.stringify(argv)],
      terminalEnv({}),
      [
        {after: /ready/, type: 'hello\r'},
        {after: /got:hello/, type: '\x1d'},
      ],
    )
    assert.match(r.screen, /got:hello/)
    assert.match(r.screen, /\[attach resolved 0\]/)
    assert.equal(r.exitCode, 0, r.screen)
  })

  it('SIGTERM detaches an attached SSH session and gives the terminal back (exit 0)', async () => {
    const probe = join(ROOT, 'test/helpers/attach-probe.ts')
    const argv = ['sh', '-c', 'echo ready; exec sleep 600']
    const child = spawn(
      'script',
      [
        '-qfec',
        [process.execPath, '--import', 'tsx', probe, String(sshd.ports[0]), sshd.userKeyPath, knownHosts, JSON.stringify(argv)]
          .map(quote)
          .join(' '),
        '/dev/null',
      ],
      {env: terminalEnv({})},
    ) as ChildProcessWithoutNullStreams
    let screen = ''
    let sent = false
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString('utf8')
      const pid = /\[probe pid (\d+)\]/.exec(screen)?.[1]
      if (pid && /ready/.test(screen) && !sent) {
        sent = true // once: a second SIGTERM is the forceful one
        process.kill(Number(pid), 'SIGTERM')
      }
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const [code] = await once(child, 'exit')
    clearTimeout(timer)
    assert.match(screen, /\[attach resolved 0\]/)
    assert.equal(code, 0, screen)
  })
})
