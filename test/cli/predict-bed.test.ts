import {strict as assert} from 'node:assert'
import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {type Bed, bedUnavailable, startBed, hostAddArgs} from '../helpers/bed.js'
import {type CliResult, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'

/**
 * `predict vacate` against the real `vacate` it predicts, on guests it has never seen move:
 * calibrated from three migrations of one idle guest, it must find out by itself
 * (the hypervisor's balloon and dirty-rate figures) what four other guests hold and dirty,
 * and predict the vacate's total within 15% and the median move within 25% (none beyond 60%),
 * its interval holding the measured total, on two vacates one after the other.
 */
describe('predict vacate against a real vacate on the test bed (measured memory in use and dirty rates)', function () {
  this.timeout(300_000)
  let bed: Bed
  let home: ReturnType<typeof tempHome>
  const BOOT = 'console=ttyS0 quiet panic=-1'
  /** Memory, and what the guest does: idle; a quarter of its memory rewritten at 8 and 32 MB/s; half at 8 MB/s. */
  const GUESTS = [
    {env: 'pidle', memory: 256, wl: 'wl=idle', ready: /GUEST-READY/},
    {env: 'pq8', memory: 256, wl: 'wl=dirty:64:8', ready: /MB allocated/},
    {env: 'pq32', memory: 256, wl: 'wl=dirty:64:32', ready: /MB allocated/},
    {env: 'ph8', memory: 256, wl: 'wl=dirty:128:8', ready: /MB allocated/},
  ]

  const cli = async (args: string[]): Promise<any> => {
    const r: CliResult = await violinProcess([...args, '--json'], home.env)
    assert.equal(r.exitCode, 0, `violin ${args.join(' ')}: ${r.stderr || r.stdout}`)
    return r.json
  }
  const history = (): any[] =>
    readFileSync(join(home.dir, 'state', 'migrations.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))

  async function guest(env: string, memory: number, wl: string, ready: RegExp): Promise<string> {
    const made = await cli([
      'env',
      'create',
      env,
      '--vms',
      '1',
      '--kernel',
      bed.guest.kernel,
      '--initrd',
      bed.guest.initrd,
      '--cmdline',
      `${BOOT} ${wl}`,
      '--memory',
      `${memory}M`,
      '--host',
      bed.hosts[0]!.name,
    ])
    const vm = made.vms[0].name as string
    for (let i = 0; !ready.test(await bed.consoleOf(1, vm)); i++) {
      assert.ok(i < 600, `${vm}: no ${ready} on its console`)
      await sleep(200)
    }
    return vm
  }

  before(async function () {
    this.timeout(600_000)
    const unavailable = await bedUnavailable()
    requireIntegration(this, 'test bed', () => unavailable)
    bed = await startBed(2)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    for (const h of bed.hosts) await cli(hostAddArgs(bed, h, 'east', '--cpu-overcommit', '4'))
    // The calibration: one idle guest of the test guests' size, moved three times, as a site's history might have.
    // Its first two moves only warm the hosts (the first QEMU to receive a guest on a fresh host starts cold), and
    // are forgotten: a site calibrates from its steady state.
    const cal = await guest('pcal', 256, 'wl=idle', /GUEST-READY/)
    for (const to of [bed.hosts[1]!, bed.hosts[0]!]) await cli(['migrate', cal, to.name, '--live'])
    for (const log of ['migrations.jsonl', 'commands.jsonl']) rmSync(join(home.dir, 'state', log), {force: true})
    for (const to of [bed.hosts[1]!, bed.hosts[0]!, bed.hosts[1]!]) await cli(['migrate', cal, to.name, '--live'])
    await cli(['env', 'undefine', 'pcal', '--yes'])
    await cli(['calibrate'])
    for (const g of GUESTS) await guest(g.env, g.memory, g.wl, g.ready)
    await sleep(2000) // the working sets are dirty
  })

  after(async function () {
    this.timeout(120_000)
    if (bed) await bed.down()
    home?.remove()
  })

  for (const [run, from, to] of [
    [1, 0, 1],
    [2, 1, 0],
  ] as const) {
    it(`vacate ${run}: predicts the total within 15% and the median VM within 25%, its interval holding the total`, async () => {
      const host = bed.hosts[from]!.name
      await cli(['host', 'undrain', bed.hosts[to]!.name])
      const p = await cli(['predict', 'vacate', host, '--strategy', 'sequential'])
      assert.equal(p.per_vm.length, GUESTS.length)
      const of = (env: string) => p.per_vm.find((v: any) => v.name.startsWith(env))
      for (const v of p.per_vm) {
        assert.equal(v.dirty_rate_from, 'measured', `${v.name}: ${JSON.stringify(v)}`)
        assert.ok(v.converges, v.name)
        assert.ok(Number.isFinite(Date.parse(v.measured_at)), v.measured_at)
      }
      // What the hypervisor measured is what the guests do.
      assert.ok(of('ph8').used_mib > of('pq8').used_mib + 40, 'half the memory written holds more than a quarter')
      assert.ok(of('pq8').used_mib > of('pidle').used_mib + 40, 'a quarter written holds more than idle')
      assert.ok(of('pq32').dirty_rate_mibs > of('pq8').dirty_rate_mibs, 'the 32 MB/s guest dirties faster')
      assert.ok(of('pidle').dirty_rate_mibs < 4, `idle dirties ${of('pidle').dirty_rate_mibs} MiB/s`)

      const before = history().length
      const started = Date.now()
      await cli(['vacate', host])
      const measuredMs = Date.now() - started
      const moves = history().slice(before)
      assert.equal(moves.length, GUESTS.length)
      const off = (predicted: number, measured: number) => Math.abs(predicted - measured) / measured
      const report = moves.map((m) => `${m.vm} ${of(m.vm.replace(/-.*/, '')).wall_ms}/${m.wall_ms} ms`).join(', ')
      const errors: number[] = []
      for (const m of moves) {
        const predicted = p.per_vm.find((v: any) => v.name === m.vm)
        errors.push(off(predicted.wall_ms, m.wall_ms))
        // One move may land in QEMU's slower mode (a third pre-copy pass: +200-400 ms on ~1 s; the same guest
        // took 920 ms and 1310 ms in two vacates here), so no single VM is held to 25%: none beyond 60%.
        assert.ok(off(predicted.wall_ms, m.wall_ms) <= 0.6, `${m.vm}: predicted ${predicted.wall_ms} ms, took ${m.wall_ms} (${report})`)
        // The record holds what was measured before the move, for the next calibration.
        assert.ok(Math.abs(m.used_mib - predicted.used_mib) < 0.1 * predicted.used_mib, `${m.vm}: ${m.used_mib} MiB recorded`)
        assert.equal(typeof m.dirty_rate_mibs, 'number', m.vm)
      }
      // The typical VM within 25%.
      const middle = [...errors].sort((a, b) => a - b)
      assert.ok((middle[1]! + middle[2]!) / 2 <= 0.25, `the median VM is off by more than 25% (${report})`)
      assert.ok(
        off(p.total_wall_ms, measuredMs) <= 0.15,
        `predicted ${p.total_wall_ms} ms [${p.interval.low_ms}..${p.interval.high_ms}], took ${measuredMs} (${report})`,
      )
      assert.ok(
        p.interval.low_ms <= measuredMs && measuredMs <= p.interval.high_ms,
        `${measuredMs} ms outside ${JSON.stringify(p.interval)}`,
      )
    })
  }

  it('migrate --postcopy ends a migration pre-copy never could, and the guest arrives whole', async function () {
    this.timeout(180_000)
    // At 5 MiB/s the guest rewrites its 64 MB faster than pre-copy resends it: a plain live migration would never
    // end. After one pass, post-copy runs it on the destination and fetches the rest.
    const vm = (await cli(['list'])).vms.find((v: any) => v.name.startsWith('pq8'))
    assert.ok(vm, 'the 8 MB/s guest')
    const to = bed.hosts.find((h) => h.name !== vm.host)!
    const moved = await cli(['migrate', vm.name, to.name, '--live', '--postcopy', '--bandwidth', '5'])
    assert.equal(moved.plan.post_copy, true)
    const before = (await bed.consoleOf(to.index, vm.name)).split('\n').filter((l) => /^dirty:/.test(l)).length
    for (let i = 0; (await bed.consoleOf(to.index, vm.name)).split('\n').filter((l) => /^dirty:/.test(l)).length < before + 2; i++) {
      assert.ok(i < 100, `${vm.name}: its workload fell silent after landing`)
      await sleep(200)
    }
    const log = await bed.consoleOf(to.index, vm.name)
    assert.doesNotMatch(log, /DIRTY-MISMATCH|Kernel panic/, 'every page it rewrites holds what it wrote last')
  })
})
