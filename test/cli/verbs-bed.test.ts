import {strict as assert} from 'node:assert'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {once} from 'node:events'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type Bed, bedUnavailable, startBed, hostAddArgs} from '../helpers/bed.js'
import {type CliResult, ROOT, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'

/**
 * The single-VM verbs on a real QEMU (TCG) guest of the test bed (test/bed), one host
 * reached over SSH, driven only through the violin CLI. The guest prints GUEST-READY once
 * booted and GUEST-ALIVE every 5 s on its serial console (test/bed/guest/init.sh), which
 * libvirt also logs to /var/lib/violin/console/VM.log: how each test sees the guest itself.
 */
describe('single-VM verbs on the test bed (real libvirtd, a QEMU guest, sshd)', function () {
  this.timeout(180_000)
  let bed: Bed
  let home: ReturnType<typeof tempHome>
  const VM = 'vb-head'

  before(async function () {
    this.timeout(300_000)
    const unavailable = await bedUnavailable()
    requireIntegration(this, 'test bed', () => unavailable)
    bed = await startBed(1)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    const h = bed.hosts[0]!
    const add = await cli(hostAddArgs(bed, h, 'east'))
    assert.equal(add.exitCode, 0, add.stderr)
    const env = await cli([
      'env',
      'create',
      'vb',
      '--vms',
      '1',
      '--kernel',
      bed.guest.kernel,
      '--initrd',
      bed.guest.initrd,
      '--cmdline',
      'console=ttyS0 quiet panic=-1 wl=idle',
      '--memory',
      '128M',
    ])
    assert.equal(env.exitCode, 0, env.stderr)
    await consoleCount(/GUEST-READY/, 1)
  })

  after(async function () {
    this.timeout(120_000)
    if (bed) await bed.down()
    home?.remove()
  })

  const cli = (args: string[]): Promise<CliResult> => violinProcess(args, home.env)
  const consoleLog = () => bed.consoleOf(bed.hosts[0]!.index, VM)
  const count = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).length

  /** Waits until the console log holds at least n lines matching pattern; returns the log. */
  async function consoleCount(pattern: RegExp, n: number, timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = await consoleLog()
      if (count(text, pattern) >= n) return text
      if (Date.now() > deadline)
        throw new Error(`${VM}: fewer than ${n} ${pattern} lines on its console after ${timeoutMs / 1000} s:\n${text.slice(-2000)}`)
      await sleep(500)
    }
  }

  async function state(): Promise<string> {
    const r = await cli(['dominfo', VM, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    return r.json.state
  }

  it('suspend pauses the guest (its heartbeat stops) and resume lets it go on', async () => {
    const r = await cli(['suspend', VM, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {vm: VM, host: 'vbed1', state: 'paused'})
    const before = count(await consoleLog(), /GUEST-ALIVE/)
    await sleep(11_000)
    assert.equal(count(await consoleLog(), /GUEST-ALIVE/), before, 'a paused guest printed its heartbeat')
    const resumed = await cli(['resume', VM, '--json'])
    assert.equal(resumed.json.state, 'running', resumed.stderr)
    await consoleCount(/GUEST-ALIVE/, before + 1, 30_000)
  })

  it("dumpxml prints libvirt's XML with the console on a pty logged to the VM's file", async () => {
    const r = await cli(['dumpxml', VM])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`<name>${VM}</name>`))
    assert.match(r.stdout, /<serial type='pty'>[\s\S]*?<log file='\/var\/lib\/violin\/console\/vb-head\.log' append='on'\/>/)
  })

  it('autostart marks the VM for the host boot, and --disable clears it (dominfo shows both)', async () => {
    assert.deepEqual((await cli(['autostart', VM, '--json'])).json, {vm: VM, host: 'vbed1', autostart: true})
    assert.equal((await cli(['dominfo', VM, '--json'])).json.autostart, true)
    assert.equal((await cli(['autostart', VM, '--disable'])).exitCode, 0)
    assert.equal((await cli(['dominfo', VM, '--json'])).json.autostart, false)
  })

  it("console shows the guest's serial output on a terminal over SSH, and Ctrl-] leaves it (exit 0)", async () => {
    // script(1) gives violin a pseudo-terminal; a person's TERM and no CI, as at a shell.
    const env: NodeJS.ProcessEnv = {...process.env, ...home.env, TERM: 'xterm-256color'}
    delete env.CI
    const command = `${process.execPath} ${join(ROOT, 'bin/run.js')} console ${VM}`
    const child = spawn('script', ['-qfec', command, '/dev/null'], {env}) as ChildProcessWithoutNullStreams
    let screen = ''
    let sent = false
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString('utf8')
      if (!sent && /GUEST-ALIVE/.test(screen)) {
        sent = true
        child.stdin.write('\x1d')
      }
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const [code] = await once(child, 'exit')
    clearTimeout(timer)
    assert.ok(sent, `no GUEST-ALIVE reached the terminal in 60 s:\n${screen.slice(-2000)}`)
    assert.match(screen, /Connected to domain 'vb-head'/)
    assert.equal(code, 0, screen.slice(-2000))
    assert.equal(await state(), 'running', 'leaving the console leaves the guest running')
  })

  it('reboot boots the guest again and it keeps running (a destroy-on-reboot domain: ACPI shutdown, then start)', async () => {
    const readies = count(await consoleLog(), /GUEST-READY/)
    const r = await cli(['reboot', VM])
    assert.equal(r.exitCode, 0, r.stderr)
    await consoleCount(/GUEST-READY/, readies + 1)
    assert.equal(await state(), 'running')
  })

  it('undefine of the running VM is refused and changes nothing', async () => {
    const r = await cli(['undefine', VM])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /is running on host "vbed1"/)
    assert.equal(await state(), 'running')
  })

  it('shutdown --wait returns once the guest has powered off (ACPI)', async () => {
    const r = await cli(['shutdown', VM, '--wait', '--timeout', '90', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.state, 'shutoff')
    assert.equal(typeof r.json.waited_sec, 'number')
  })

  it('start boots it again', async () => {
    const readies = count(await consoleLog(), /GUEST-READY/)
    const r = await cli(['start', VM, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.state, 'running')
    await consoleCount(/GUEST-READY/, readies + 1)
  })

  it('destroy powers it off at once and deletes nothing: the environment and the definition stay', async () => {
    const r = await cli(['destroy', VM, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {vm: VM, host: 'vbed1', state: 'shutoff'})
    const info = await cli(['env', 'info', 'vb', '--json'])
    assert.deepEqual(
      info.json.vms.map((v: {name: string; state: string}) => `${v.name}:${v.state}`),
      [`${VM}:shutoff`],
    )
    assert.equal((await cli(['dumpxml', VM])).exitCode, 0)
  })

  it('env destroy powers every VM of the environment off and keeps it; env start brings it back', async () => {
    assert.equal((await cli(['env', 'start', 'vb'])).exitCode, 0)
    assert.equal(await state(), 'running')
    const r = await cli(['env', 'destroy', 'vb', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {name: 'vb', destroyed: [VM], failed: []})
    assert.equal(await state(), 'shutoff')
    assert.equal((await cli(['env', 'info', 'vb'])).exitCode, 0)
  })

  it('define takes back what dumpxml printed (renamed), and undefine --remove-files forgets it', async () => {
    const xml = (await cli(['dumpxml', VM])).stdout
    const file = join(home.dir, 'copy.xml')
    writeFileSync(
      file,
      xml
        .replace(`<name>${VM}</name>`, '<name>vb-copy</name>')
        .replace(/<uuid>[^<]*<\/uuid>/, '')
        .replace(/<mac address='[^']*'\/>/, '')
        .replaceAll('/var/lib/violin/console/vb-head.log', '/var/lib/violin/console/vb-copy.log'),
    )
    const defined = await cli(['define', file, '--json'])
    assert.equal(defined.exitCode, 0, defined.stderr)
    assert.deepEqual(defined.json, {vm: 'vb-copy', host: 'vbed1', file, state: 'shutoff'})
    const gone = await cli(['undefine', 'vb-copy', '--remove-files', '--json'])
    assert.equal(gone.exitCode, 0, gone.stderr)
    assert.deepEqual(gone.json.removed, ['/var/lib/violin/disks/vb-copy.qcow2', '/var/lib/violin/console/vb-copy.log'])
    assert.equal((await cli(['dominfo', 'vb-copy'])).exitCode, 4)
  })

  it('env undefine deletes the environment: no domain is left', async () => {
    assert.equal((await cli(['env', 'undefine', 'vb', '--yes'])).exitCode, 0)
    assert.equal((await bed.virsh(bed.hosts[0]!.index, ['list', '--all', '--name'])).trim(), '')
  })
})
