import {strict as assert} from 'node:assert'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {median} from '../../src/predict/calibration.js'
import {type Bed, bedUnavailable, startBed, hostAddArgs} from '../helpers/bed.js'
import {type CliResult, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'

/**
 * Environments on real libvirt + QEMU (TCG) guests: four hosts of the test bed (test/bed),
 * two per site, driven only through the violin CLI over SSH. The guests are the bed's tiny
 * Debian kernel + busybox initramfs; their workload comes from the kernel command line.
 */
describe('environments on the test bed (real libvirtd, QEMU guests, sshd)', function () {
  this.timeout(180_000)
  let bed: Bed
  let home: ReturnType<typeof tempHome>
  let unavailable: string | undefined
  const BOOT = 'console=ttyS0 quiet panic=-1'

  before(async function () {
    this.timeout(300_000)
    unavailable = await bedUnavailable()
    requireIntegration(this, 'test bed', () => unavailable)
    bed = await startBed(4)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    const sites = ['east', 'east', 'west', 'west']
    for (const [i, h] of bed.hosts.entries()) {
      const r = await cli(hostAddArgs(bed, h, sites[i]!))
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })

  after(async function () {
    this.timeout(120_000)
    if (bed) await bed.down()
    home?.remove()
  })

  const cli = (args: string[]): Promise<CliResult> => violinProcess(args, home.env)
  const hostIndex = (name: string) => bed.hosts.find((h) => h.name === name)!.index

  const waitForConsole = (host: string, vm: string, pattern: RegExp, timeoutMs = 120_000): Promise<string> =>
    waitForConsoleAfter(host, vm, 0, pattern, timeoutMs)

  /** The console written after `since` characters (all of it when the log was started afresh). */
  async function waitForConsoleAfter(host: string, vm: string, since: number, pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = await bed.consoleOf(hostIndex(host), vm)
      const fresh = text.length >= since ? text.slice(since) : text
      if (pattern.test(fresh)) return fresh
      if (Date.now() > deadline)
        throw new Error(`${vm} on ${host}: no ${pattern} on its console after ${timeoutMs / 1000} s:\n${fresh.slice(-2000)}`)
      await sleep(500)
    }
  }

  /**
   * test/bed/README.md, busy guests under TCG: a guest writing memory sometimes crashes its
   * kernel after it lands (QEMU's TCG, not the move: violin reported the move done). Only
   * that crash is forgiven: the VM is shut off, libvirt says it stopped (not that the
   * migration left it behind), its console shows a kernel crash and no clean power-off;
   * anything else fails the test. Returns the console it ended with, or null when it runs.
   */
  async function tcgCrashAfterLanding(host: string, vm: string): Promise<string | null> {
    const state = (await bed.virsh(hostIndex(host), ['domstate', '--reason', '--domain', vm])).trim()
    if (state.startsWith('running')) return null
    const crashed = await bed.consoleOf(hostIndex(host), vm)
    assert.match(state, /^shut off \((crashed|destroyed|shutdown)\)$/, `${vm} on ${host} is "${state}", not the TCG crash`)
    assert.match(
      crashed,
      /Kernel panic|BUG:|Oops|general protection fault|invalid opcode|Unable to handle/,
      `${vm} stopped on ${host} without a kernel crash on its console:\n${crashed.slice(-600)}`,
    )
    assert.doesNotMatch(crashed.slice(crashed.lastIndexOf('GUEST-READY')), /GUEST-POWEROFF/, `${vm} powered off cleanly: that is no crash`)
    process.stderr.write(
      `      (${vm} stopped after landing on ${host}, the TCG trap of test/bed/README.md. Its console ended:\n${crashed.slice(-600)})\n`,
    )
    return crashed
  }

  /**
   * The dirty workload's first report after landing (its console since the move), or null
   * when the guest crashed instead: the TCG trap only (tcgCrashAfterLanding), anything else fails.
   */
  async function reportOrTcgCrash(host: string, vm: string): Promise<string | null> {
    const deadline = Date.now() + 30_000
    for (;;) {
      const text = await bed.consoleOf(hostIndex(host), vm)
      if (/Kernel panic|BUG:|Oops/.test(text) || !(await bed.virsh(hostIndex(host), ['domstate', '--domain', vm])).startsWith('running')) {
        // Let the crash finish: panic=-1 reboots at once and libvirt's on_reboot shuts the domain off.
        const settled = Date.now() + 15_000
        while (Date.now() < settled && (await bed.virsh(hostIndex(host), ['domstate', '--domain', vm])).startsWith('running'))
          await sleep(500)
        assert.notEqual(
          await tcgCrashAfterLanding(host, vm),
          null,
          `${vm} on ${host} printed a kernel crash and is still running 15 s later`,
        )
        return null
      }
      if (/dirty: [\d.]+ MB\/s mismatches=\d+/.test(text)) return text
      if (Date.now() > deadline)
        throw new Error(`${vm} on ${host}: no /dirty: ... mismatches=N/ on its console after 30 s:\n${text.slice(-2000)}`)
      await sleep(500)
    }
  }

  /** The guest's uptime in its last heartbeat (GUEST-ALIVE t=SECONDS), 0 when there is none. */
  function lastUptime(console: string): number {
    const all = [...console.matchAll(/GUEST-ALIVE t=([\d.]+)/g)]
    return all.length > 0 ? Number(all.at(-1)![1]) : 0
  }

  async function info(env: string) {
    const r = await cli(['env', 'info', env, '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    return r.json as {
      name: string
      head_site: string
      vms: Array<{name: string; role: string; host: string; site: string; state: string; mac: string; memory_mib: number; vcpus: number}>
    }
  }

  async function domainsEverywhere(): Promise<string[]> {
    const all: string[] = []
    for (const h of bed.hosts)
      for (const name of (await bed.virsh(h.index, ['list', '--all', '--name'])).split('\n').filter(Boolean)) all.push(`${h.name}/${name}`)
    return all
  }

  function envFile(name: string, text: string): string {
    const file = join(home.dir, `${name}.yaml`)
    writeFileSync(file, text)
    return file
  }

  it('refuses an environment that does not fit, saying what each host has left, and creates nothing', async () => {
    const r = await cli([
      'env',
      'create',
      'huge',
      '--vms',
      '9',
      '--kernel',
      bed.guest.kernel,
      '--initrd',
      bed.guest.initrd,
      '--memory',
      '128M',
    ])
    assert.equal(r.exitCode, 1, r.stderr)
    assert.match(r.stderr, /environment "huge" does not fit: VM "huge-c\d+" \(1 vCPU, 128 MiB\) fits on no host: vbed1 has 0 cores/)
    assert.deepEqual(await domainsEverywhere(), [])
    const list = await cli(['env', 'list', '--json'])
    assert.deepEqual(list.json.environments, [])
  })

  describe('an environment of four guests', () => {
    before(async function () {
      this.timeout(300_000)
      const file = envFile(
        'lab',
        [
          'name: lab',
          'head_site: east',
          'defaults:',
          `  kernel: ${bed.guest.kernel}`,
          `  initrd: ${bed.guest.initrd}`,
          `  cmdline: "${BOOT}"`,
          '  memory: 160M',
          '  max_memory: 256M',
          'vms:',
          '  - {name: lab-head, role: head, cmdline: "wl=idle", host: vbed1}',
          '  - {name: lab-dirty, cmdline: "wl=dirty:16:4", host: vbed1}',
          '  - {name: lab-busy1, cmdline: "wl=busy", host: vbed2}',
          '  - {name: lab-busy2, cmdline: "wl=busy", host: vbed2}',
        ].join('\n'),
      )
      const r = await cli(['env', 'define', '--file', file, '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      for (const vm of r.json.vms) await waitForConsole(vm.host, vm.name, /GUEST-READY/)
    })

    it('env info reports every VM: role, host, site, running state, MAC and size (the --json contract)', async () => {
      const env = await info('lab')
      assert.equal(env.name, 'lab')
      assert.equal(env.head_site, 'east')
      assert.deepEqual(
        env.vms.map((v) => [v.name, v.role, v.host, v.site, v.state]),
        [
          ['lab-head', 'head', 'vbed1', 'east', 'running'],
          ['lab-dirty', 'compute', 'vbed1', 'east', 'running'],
          ['lab-busy1', 'compute', 'vbed2', 'east', 'running'],
          ['lab-busy2', 'compute', 'vbed2', 'east', 'running'],
        ],
      )
      for (const vm of env.vms) {
        assert.match(vm.mac, /^52:54:00(:[0-9a-f]{2}){3}$/)
        assert.equal(vm.memory_mib, 160)
        assert.equal(vm.vcpus, 1)
        // The MAC the hypervisor gave the guest's NIC is the one violin recorded.
        assert.match(await bed.virsh(hostIndex(vm.host), ['domiflist', vm.name]), new RegExp(vm.mac))
      }
      assert.equal(new Set(env.vms.map((v) => v.mac)).size, 4)
      const list = await cli(['env', 'list', '--json'])
      assert.deepEqual(list.json.environments, [
        {name: 'lab', head_site: 'east', head: 'lab-head', vms: 4, running: 4, hosts: ['vbed1', 'vbed2']},
      ])
    })

    it('usage shows a busy guest busy and an idle one idle, with the guest memory', async () => {
      const r = await cli(['usage', '--interval', '3', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      const vm = (name: string) => r.json.vms.find((v: {name: string}) => v.name === name)
      assert.ok(vm('lab-busy1').cpu_percent > 30, `busy guest at ${vm('lab-busy1').cpu_percent}%`)
      assert.ok(vm('lab-head').cpu_percent < 15, `idle guest at ${vm('lab-head').cpu_percent}%`)
      assert.equal(vm('lab-head').memory_mib, 160)
    })

    it('adapt --once --dry-run reads every host and plans without touching a guest', async () => {
      const r = await cli(['adapt', '--once', '--dry-run', '--interval', '2', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual([r.json.policy, r.json.dry_run, r.json.unanswered, r.json.outcomes], ['violin', true, [], []])
      // Both busy guests share vbed2. With CPU to spare there a busy guest gets more shares;
      // when the two ask for all of it (used + waited, vcpu.N.delay) one moves to vbed1.
      const relieved = r.json.plan.actions.find(
        (a: {kind: string; vm: string; from?: string; to?: string}) =>
          (a.kind === 'set-shares' && a.vm.startsWith('lab-busy')) ||
          (a.kind === 'migrate' && a.vm.startsWith('lab-busy') && a.from === 'vbed2' && a.to === 'vbed1'),
      )
      assert.ok(relieved, `a busy guest would get more CPU shares or leave vbed2: ${JSON.stringify(r.json.plan)}`)
      const again = await cli(['schedinfo', 'lab-busy1', '--json'])
      assert.equal(again.json.params.cpu_shares, 1024, 'a dry run changed nothing')
    })

    it('CPU weight set through violin changes how two busy guests share one CPU', async () => {
      // Both busy guests on one physical CPU, so the scheduler has to choose between them.
      for (const vm of ['lab-busy1', 'lab-busy2']) {
        await bed.virsh(2, ['vcpupin', vm, '0', '0'])
        await bed.virsh(2, ['emulatorpin', vm, '0'])
      }
      const heavy = await cli(['schedinfo', 'lab-busy1', '--set', 'weight=1024', '--json'])
      assert.equal(heavy.exitCode, 0, heavy.stderr)
      assert.equal(heavy.json.params.cpu_shares, 4096)
      const light = await cli(['schedinfo', 'lab-busy2', '--set', 'weight=128', '--json'])
      assert.equal(light.exitCode, 0, light.stderr)
      assert.equal(light.json.params.cpu_shares, 512)
      const cpuTime = async (vm: string) => Number(/cpu\.time=(\d+)/.exec(await bed.virsh(2, ['domstats', '--cpu-total', '--raw', vm]))![1])
      const before = [await cpuTime('lab-busy1'), await cpuTime('lab-busy2')]
      await sleep(6000)
      const used = [(await cpuTime('lab-busy1')) - before[0]!, (await cpuTime('lab-busy2')) - before[1]!]
      // Back as they were: the pins and the starved guest would follow them through later migrations.
      const cpus = `0-${Number((await bed.exec(2, ['nproc', '--all'])).trim()) - 1}`
      for (const vm of ['lab-busy1', 'lab-busy2']) {
        await bed.virsh(2, ['vcpupin', vm, '0', cpus])
        await bed.virsh(2, ['emulatorpin', vm, cpus])
        assert.equal((await cli(['schedinfo', vm, '--set', 'weight=256'])).exitCode, 0)
      }
      assert.ok(
        used[0]! > 2.5 * used[1]!,
        `weight 1024 vs 128 (8:1) gave ${(used[0]! / 1e9).toFixed(2)} s vs ${(used[1]! / 1e9).toFixed(2)} s of CPU`,
      )
    })

    it("setmem moves a real guest's balloon, and says so", async () => {
      const r = await cli(['setmem', 'lab-head', '120M', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.json.balloon, 'reached')
      // What the hypervisor reports now, in KiB: within violin's 1 % of the target.
      const balloon = async () =>
        Number(/balloon\.current=(\d+)/.exec(await bed.virsh(1, ['domstats', '--balloon', '--raw', 'lab-head']))![1]) / 1024
      assert.ok(Math.abs((await balloon()) - 120) <= 1.2, `balloon at ${await balloon()} MiB`)
      const grow = await cli(['setmem', 'lab-head', '240M'])
      assert.equal(grow.exitCode, 0, grow.stderr)
      assert.ok(Math.abs((await balloon()) - 240) <= 2.4, `balloon at ${await balloon()} MiB`)
    })

    it('live-migrates a guest that writes memory while it runs, and no write is lost', async () => {
      let r = await cli(['migrate', 'lab-dirty', 'vbed2', '--live', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      // The workload keeps checking every page it wrote: a report after the move, and no mismatch.
      let console = await reportOrTcgCrash('vbed2', 'lab-dirty')
      if (console === null) {
        // Once: boot it again where it landed, move it back, and make the move under test again.
        const since = (await bed.consoleOf(2, 'lab-dirty')).length
        const up = await cli(['start', 'lab-dirty'])
        assert.equal(up.exitCode, 0, up.stderr)
        await waitForConsoleAfter('vbed2', 'lab-dirty', since, /dirty: [\d.]+ MB\/s/, 120_000)
        const back = await cli(['migrate', 'lab-dirty', 'vbed1', '--live'])
        assert.equal(back.exitCode, 0, back.stderr)
        assert.notEqual(await reportOrTcgCrash('vbed1', 'lab-dirty'), null, 'lab-dirty crashed under TCG twice')
        r = await cli(['migrate', 'lab-dirty', 'vbed2', '--live', '--json'])
        assert.equal(r.exitCode, 0, r.stderr)
        console = await reportOrTcgCrash('vbed2', 'lab-dirty')
        assert.notEqual(console, null, 'lab-dirty crashed under TCG twice')
      }
      assert.ok(r.json.result.total_ms > 0, JSON.stringify(r.json.result))
      assert.ok(r.json.result.downtime_ms >= 0)
      assert.ok(r.json.result.data_bytes > 16 * 1024 ** 2, 'at least the dirtied working set travelled')
      const env = await info('lab')
      assert.deepEqual(env.vms.find((v) => v.name === 'lab-dirty')!.host, 'vbed2')
      assert.doesNotMatch(console!, /DIRTY-MISMATCH|Kernel panic|BUG:|Oops/)
      assert.match(console!, /mismatches=0/)
      // What the hypervisor measured is in the history, for calibration.
      const history = readFileSync(join(home.dir, 'state', 'migrations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      const last = history.at(-1)
      assert.equal(last.vm, 'lab-dirty')
      assert.equal(last.from, 'vbed1')
      assert.equal(last.to, 'vbed2')
      assert.equal(last.mode, 'live')
      assert.ok(last.total_ms > 0 && last.wall_ms >= last.total_ms)
      assert.ok(last.sent_mib > 16)
      // violin removed the guest's console log from the host it left.
      assert.equal(await bed.consoleOf(1, 'lab-dirty'), '')
    })

    it("usage across a migration: the moved guest's rate is unknown for that interval, never negative, then known again", async () => {
      const poll = violinProcess(['usage', '--interval', '12', '--json'], home.env)
      await sleep(3000)
      const moved = await cli(['migrate', 'lab-dirty', 'vbed1', '--live'])
      assert.equal(moved.exitCode, 0, moved.stderr)
      const across = await poll
      assert.equal(across.exitCode, 0, across.stderr)
      const during = across.json.vms.find((v: {name: string}) => v.name === 'lab-dirty')
      assert.equal(during.host, 'vbed1')
      assert.equal(during.cpu_percent, null, 'a counter that restarted on another host gives no rate')
      const after = await cli(['usage', '--interval', '2', '--json'])
      const now = after.json.vms.find((v: {name: string}) => v.name === 'lab-dirty')
      assert.ok(now.cpu_percent >= 0 && now.cpu_percent <= 100, JSON.stringify(now))
    })

    it('calibrate fits the migrations just measured on the bed, and predict migration uses the fit', async () => {
      const history = readFileSync(join(home.dir, 'state', 'migrations.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      const cal = await cli(['calibrate', '--json'])
      assert.equal(cal.exitCode, 0, cal.stderr)
      assert.equal(cal.json.modes.live.points, history.filter((h) => h.mode === 'live' && h.concurrent === 1).length)
      assert.ok(cal.json.modes.live.hypervisor.b > 0, 'more data takes longer')
      const last = history.at(-1)
      const p = await cli(['predict', 'migration', '--memory', `${last.memory_mib}M`, '--sent', `${last.sent_mib}M`, '--json'])
      assert.equal(p.exitCode, 0, p.stderr)
      assert.equal(p.json.calibrated, true)
      // Real migrations of a guest that keeps writing: the fit through them is within half of the last job.
      assert.ok(
        Math.abs(p.json.total_ms - last.total_ms) / last.total_ms < 0.5,
        `job: predicted ${p.json.total_ms} ms, measured ${last.total_ms} ms`,
      )
      // The command adds what violin spent around those jobs (the median of wall - job), not the last move's
      // own: one move's slow SSH start shifts that median by half the difference (CI: 1527 ms against 953).
      const alone = history.filter((h) => h.mode === 'live' && h.concurrent === 1)
      const around = median(alone.map((h) => h.wall_ms - h.total_ms))!
      assert.ok(
        Math.abs(p.json.wall_ms - (p.json.total_ms + around)) <= 2,
        `command: predicted ${p.json.wall_ms} ms = job ${p.json.total_ms} ms + around ${around} ms`,
      )
      const walls = alone.map((h) => h.wall_ms)
      assert.ok(
        p.json.wall_ms >= Math.min(...walls) / 2 && p.json.wall_ms <= Math.max(...walls) * 1.5,
        `command: predicted ${p.json.wall_ms} ms, measured ${walls.join(', ')} ms`,
      )
    })

    it("predict vacate plans what vacate would, and counts violin's own start-up recorded by the migrations above", async () => {
      // vbed2's two busy compute nodes can go west or to vbed1; vacating vbed1 would strand its head node (vbed2, the only other east host, is busy).
      const host = 'vbed2'
      const plan = await cli(['vacate', host, '--dry-run', '--json'])
      assert.equal(plan.exitCode, 0, plan.stderr)
      assert.deepEqual(plan.json.stuck, [])
      const p = await cli(['predict', 'vacate', host, '--strategy', 'sequential', '--json'])
      assert.equal(p.exitCode, 0, p.stderr)
      assert.equal(p.json.calibrated, true)
      const vms = (xs: Array<{vm?: string; name?: string}>) => xs.map((x) => x.vm ?? x.name).sort()
      assert.deepEqual(vms(p.json.per_vm), vms(plan.json.moves), 'the same VMs leave')
      assert.ok(p.json.per_vm.every((v: {host: string; destination: string}) => v.host === host && v.destination !== host))
      const cal = await cli(['calibrate', '--show', '--json'])
      const moves = p.json.per_vm.reduce((sum: number, v: {wall_ms: number}) => sum + v.wall_ms, 0)
      assert.ok(cal.json.command.startup_ms > 0, 'violin migrate recorded its lead')
      assert.ok(
        p.json.total_wall_ms >= 2000 + cal.json.command.startup_ms + moves - 2,
        `${p.json.total_wall_ms} ms: the 2 s vacate measures over, violin's start-up and the moves`,
      )
      const late = await cli(['predict', 'vacate', host, '--by', new Date(Date.now() + 1000).toISOString(), '--json'])
      assert.equal(late.exitCode, 1, 'a reservation a second away cannot be met')
      assert.equal(late.json.late, true)
    })

    it('env migrate moves the compute nodes to the other site, in parallel, and leaves the head node', async () => {
      const start = (await info('lab')).vms.find((v) => v.name === 'lab-dirty')!
      const upBefore = lastUptime(await bed.consoleOf(hostIndex(start.host), 'lab-dirty'))
      assert.ok(upBefore > 0, 'lab-dirty printed its uptime before the move')
      const r = await cli(['env', 'migrate', 'lab', '--site', 'west', '--max-parallel', '3', '--json'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.equal(r.json.moves.length, 3)
      for (const m of r.json.moves) assert.equal(m.ok, true, JSON.stringify(m))
      let env = await info('lab')
      const landed = env.vms.find((v) => v.name === 'lab-dirty')!
      let since = 0 // where lab-dirty's console starts to count
      const crashed = landed.site === 'west' && landed.state === 'shutoff' ? await tcgCrashAfterLanding(landed.host, 'lab-dirty') : null
      if (crashed !== null) {
        // As test/bed/README.md says, start it again rather than trust it; the rest of the test goes on.
        const up = await cli(['env', 'start', 'lab'])
        assert.equal(up.exitCode, 0, up.stderr)
        since = crashed.length
        await waitForConsoleAfter(landed.host, 'lab-dirty', since, /GUEST-READY/, 120_000)
        env = await info('lab')
      }
      const where = Object.fromEntries(env.vms.map((v) => [v.name, `${v.site}/${v.state}`]))
      assert.deepEqual(where, {
        'lab-head': 'east/running',
        'lab-dirty': 'west/running',
        'lab-busy1': 'west/running',
        'lab-busy2': 'west/running',
      })
      // Spread over the west's two hosts (two cores each): never three on one.
      const counts = new Map<string, number>()
      for (const v of env.vms.filter((x) => x.site === 'west')) counts.set(v.host, (counts.get(v.host) ?? 0) + 1)
      assert.ok(Math.max(...counts.values()) <= 2, JSON.stringify([...counts]))
      const dirty = env.vms.find((v) => v.name === 'lab-dirty')!
      if (since === 0) {
        // A live move: the guest's own clock went on where it was, on the other site.
        const landedConsole = await waitForConsoleAfter(dirty.host, 'lab-dirty', 0, /GUEST-ALIVE t=/, 30_000)
        assert.ok(
          lastUptime(landedConsole) > upBefore,
          `lab-dirty's uptime went from ${upBefore} s to ${lastUptime(landedConsole)} s: it was restarted, not moved live`,
        )
      }
      // Its workload checks every page it wrote. Under TCG, three guests moving at once on two
      // cores sometimes lose their workload's output after landing (the guest runs, its
      // heartbeat goes on, the workload is silent): that is QEMU's trap, said, not hidden; a
      // mismatch or a crash is still a failure.
      let console: string
      try {
        console = await waitForConsoleAfter(dirty.host, 'lab-dirty', since, /mismatches=\d+/, 30_000)
      } catch (error) {
        console = (await bed.consoleOf(hostIndex(dirty.host), 'lab-dirty')).slice(since)
        process.stderr.write(
          `      (lab-dirty's workload went quiet after landing on ${dirty.host}, the TCG trap of test/bed/README.md: ${(error as Error).message.split('\n')[0]})\n`,
        )
      }
      assert.doesNotMatch(console, /DIRTY-MISMATCH|Kernel panic|BUG:|Oops/)
    })

    it('refuses to move the head node out of its site', async () => {
      const r = await cli(['migrate', 'lab-head', 'vbed3', '--live'])
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(r.stderr, /head node of environment "lab" and stays in site "east"/)
      assert.equal((await info('lab')).vms[0]!.host, 'vbed1')
    })

    it('env destroy powers every guest off at once; env shutdown --wait powers freshly booted guests off (ACPI); env start brings them back', async () => {
      // Guests that were just moved under TCG may no longer answer the power button (test/bed/README.md):
      // ACPI is asked of guests booted afresh, each waited for until its acpid runs.
      const destroyed = await cli(['env', 'destroy', 'lab'])
      assert.equal(destroyed.exitCode, 0, destroyed.stderr)
      assert.deepEqual(new Set((await info('lab')).vms.map((v) => v.state)), new Set(['shutoff']))
      const consoles = new Map<string, number>()
      for (const vm of (await info('lab')).vms) consoles.set(vm.name, (await bed.consoleOf(hostIndex(vm.host), vm.name)).length)
      const booted = await cli(['env', 'start', 'lab'])
      assert.equal(booted.exitCode, 0, booted.stderr)
      for (const vm of (await info('lab')).vms) await waitForConsoleAfter(vm.host, vm.name, consoles.get(vm.name)!, /GUEST-READY/, 120_000)
      const down = await cli(['env', 'shutdown', 'lab', '--wait', '--timeout', '120'])
      assert.equal(down.exitCode, 0, down.stderr)
      assert.deepEqual(new Set((await info('lab')).vms.map((v) => v.state)), new Set(['shutoff']))
      const up = await cli(['env', 'start', 'lab'])
      assert.equal(up.exitCode, 0, up.stderr)
      assert.deepEqual(new Set((await info('lab')).vms.map((v) => v.state)), new Set(['running']))
    })

    it('env undefine needs --yes off a terminal, then leaves no domain, file or process behind', async () => {
      const refused = await cli(['env', 'undefine', 'lab'])
      assert.equal(refused.exitCode, 2)
      assert.match(refused.stderr, /--yes/)
      assert.equal((await info('lab')).vms.length, 4)
      const r = await cli(['env', 'undefine', 'lab', '--yes'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.deepEqual(await domainsEverywhere(), [])
      for (const h of bed.hosts) {
        assert.equal(
          (
            await bed.exec(h.index, ['sh', '-c', 'ls /var/lib/violin/console /var/lib/violin/disks 2>/dev/null | grep -c lab- || true'])
          ).trim(),
          '0',
          `files left on ${h.name}`,
        )
      }
      // The hosts share the machine's process table; [a-z] keeps pgrep's own shell from matching.
      assert.equal((await bed.exec(1, ['sh', '-c', 'pgrep -af "guest=lab-[a-z]" || true'])).trim(), '', 'a QEMU process of lab is left')
      const gone = await cli(['env', 'info', 'lab'])
      assert.equal(gone.exitCode, 4)
    })
  })

  it('setmem on a guest without a balloon driver is an error, not a silent success', async () => {
    const r = await cli([
      'env',
      'create',
      'nb',
      '--vms',
      '1',
      '--kernel',
      bed.guest.kernel,
      '--initrd',
      bed.guest.initrd,
      '--cmdline',
      `${BOOT} nomod=virtio_balloon`,
      '--memory',
      '160M',
      '--host',
      'vbed3',
    ])
    assert.equal(r.exitCode, 0, r.stderr)
    try {
      await waitForConsole('vbed3', 'nb-head', /GUEST-READY.*balloon=no/)
      const set = await cli(['setmem', 'nb-head', '128M', '--wait', '5'])
      assert.equal(set.exitCode, 1, set.stdout)
      assert.match(set.stderr, /balloon stayed at 160 MiB .*no balloon driver/)
    } finally {
      assert.equal((await cli(['env', 'undefine', 'nb', '--yes'])).exitCode, 0)
    }
  })

  describe('storage that sites do not share', () => {
    const IMAGE = 'scratch.img'

    it('a VM on a read-only image moves only to hosts that have the image; image push copies it, checked', async () => {
      const image = join(home.dir, IMAGE)
      writeFileSync(image, Buffer.alloc(4 * 1024 ** 2, 7))
      const push1 = await cli(['image', 'push', image, 'vbed1', '--json'])
      assert.equal(push1.exitCode, 0, push1.stderr)
      assert.equal(push1.json.hosts[0].action, 'copied')
      const again = await cli(['image', 'push', image, 'vbed1', '--json'])
      assert.equal(again.json.hosts[0].action, 'unchanged')
      const create = await cli([
        'env',
        'create',
        'ro',
        '--vms',
        '1',
        '--kernel',
        bed.guest.kernel,
        '--initrd',
        bed.guest.initrd,
        '--cmdline',
        BOOT,
        '--image',
        IMAGE,
        '--memory',
        '128M',
        '--host',
        'vbed1',
      ])
      assert.equal(create.exitCode, 0, create.stderr)
      await waitForConsole('vbed1', 'ro-head', /GUEST-READY/)
      const refused = await cli(['migrate', 'ro-head', 'vbed2', '--live'])
      assert.equal(refused.exitCode, 1)
      assert.match(refused.stderr, /runs from \/var\/lib\/violin\/images\/scratch\.img, which host "vbed2" does not have/)
      assert.match(refused.stderr, /violin image push/)
      assert.equal((await info('ro')).vms[0]!.host, 'vbed1')
      const push2 = await cli(['image', 'push', image, 'vbed2'])
      assert.equal(push2.exitCode, 0, push2.stderr)
      assert.equal(
        (await bed.exec(2, ['sha256sum', `/var/lib/violin/images/${IMAGE}`])).split(' ')[0],
        (await bed.exec(1, ['sha256sum', `/var/lib/violin/images/${IMAGE}`])).split(' ')[0],
      )
      const moved = await cli(['migrate', 'ro-head', 'vbed2', '--live'])
      assert.equal(moved.exitCode, 0, moved.stderr)
      assert.equal((await info('ro')).vms[0]!.host, 'vbed2')
      // Peer to peer: the source's libvirtd, not virsh, opens the connection to the destination.
      const p2p = await cli(['migrate', 'ro-head', 'vbed1', '--live', '--p2p', '--json'])
      assert.equal(p2p.exitCode, 0, p2p.stderr)
      assert.equal(p2p.json.plan.peer_to_peer, true)
      assert.equal((await info('ro')).vms[0]!.host, 'vbed1')
      assert.equal((await cli(['env', 'undefine', 'ro', '--yes'])).exitCode, 0)
    })

    it('env migrate: a move that cannot happen is reported, its VM keeps running where it was, the others go on', async () => {
      // The image is on both east hosts (previous test) and on one west host only.
      const push = await cli(['image', 'push', join(home.dir, IMAGE), 'vbed3'])
      assert.equal(push.exitCode, 0, push.stderr)
      const create = await cli([
        'env',
        'create',
        'part',
        '--vms',
        '3',
        '--head-site',
        'east',
        '--kernel',
        bed.guest.kernel,
        '--initrd',
        bed.guest.initrd,
        '--cmdline',
        BOOT,
        '--image',
        IMAGE,
        '--memory',
        '128M',
      ])
      assert.equal(create.exitCode, 0, create.stderr)
      try {
        for (const vm of (await info('part')).vms) await waitForConsole(vm.host, vm.name, /GUEST-READY/)
        const r = await cli(['env', 'migrate', 'part', '--site', 'west', '--json'])
        assert.equal(r.exitCode, 7, r.stderr)
        const failed = r.json.moves.filter((m: {ok: boolean}) => !m.ok)
        assert.equal(failed.length, 1, JSON.stringify(r.json.moves))
        assert.equal(failed[0].to, 'vbed4')
        assert.match(failed[0].error, /which host "vbed4" does not have/)
        const env = await info('part')
        const stayed = env.vms.find((v) => v.name === failed[0].vm)!
        assert.deepEqual([stayed.host, stayed.state], [failed[0].from, 'running'])
        const movedVm = env.vms.find((v) => v.role === 'compute' && v.name !== failed[0].vm)!
        assert.deepEqual([movedVm.host, movedVm.state], ['vbed3', 'running'])
      } finally {
        assert.equal((await cli(['env', 'undefine', 'part', '--yes'])).exitCode, 0)
      }
    })

    it('a VM with a private disk moves only with --copy-storage-all, and its disk moves with it', async () => {
      const create = await cli([
        'env',
        'create',
        'pd',
        '--vms',
        '1',
        '--kernel',
        bed.guest.kernel,
        '--initrd',
        bed.guest.initrd,
        '--cmdline',
        BOOT,
        '--disk-size',
        '32M',
        '--memory',
        '128M',
        '--host',
        'vbed1',
      ])
      assert.equal(create.exitCode, 0, create.stderr)
      await waitForConsole('vbed1', 'pd-head', /GUEST-READY/)
      const refused = await cli(['migrate', 'pd-head', 'vbed2', '--live'])
      assert.equal(refused.exitCode, 1)
      assert.match(refused.stderr, /writable disk \/var\/lib\/violin\/disks\/pd-head\.qcow2 on host "vbed1" that host "vbed2" cannot reach/)
      const moved = await cli(['migrate', 'pd-head', 'vbed2', '--live', '--copy-storage-all'])
      assert.equal(moved.exitCode, 0, moved.stderr)
      assert.match(await bed.exec(2, ['qemu-img', 'info', '-U', '/var/lib/violin/disks/pd-head.qcow2']), /virtual size: 32 MiB/)
      assert.equal((await bed.exec(1, ['sh', '-c', 'ls /var/lib/violin/disks'])).trim(), '', 'the source copy is removed')
      assert.equal((await cli(['env', 'undefine', 'pd', '--yes'])).exitCode, 0)
      assert.equal((await bed.exec(2, ['sh', '-c', 'ls /var/lib/violin/disks'])).trim(), '')
    })
  })
})
