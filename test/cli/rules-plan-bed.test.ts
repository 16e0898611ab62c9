import {strict as assert} from 'node:assert'
import {join} from 'node:path'

import {type Bed, bedUnavailable, guestEnvFile, hostAddArgs, startBed} from '../helpers/bed.js'
import {type CliResult, ROOT, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {shellQuote, TmuxPane, tmuxMissing} from '../helpers/tmux.js'

/**
 * Rules and plans on the test bed: real QEMU guests on three libvirt hosts over SSH. vacate
 * keeps two VMs of an anti-affinity rule apart where it would otherwise have put them
 * together; a saved plan applied after one of its VMs was moved by hand refuses that move
 * and carries out the other; violin top, on a terminal (tmux), shows the hosts, their guests
 * and the decisions plan apply recorded.
 */
describe('rules and plans on the test bed (vacate with anti-affinity, plan apply after a hand move)', function () {
  this.timeout(300_000)
  let bed: Bed
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]): Promise<CliResult> => violinProcess(args, home.env)
  const hostOf = async (vm: string) =>
    ((await cli(['env', 'info', 'fleet', '--json'])).json.vms as Array<{name: string; host: string}>).find((v) => v.name === vm)!.host
  const moveTo = async (vm: string, host: string) => {
    const r = await cli(['migrate', vm, host, '--live'])
    assert.equal(r.exitCode, 0, r.stderr)
  }

  before(async function () {
    this.timeout(600_000)
    const why = await bedUnavailable()
    requireIntegration(this, 'test bed', () => why)
    bed = await startBed(3)
    home = tempHome()
    home.env.VIOLIN_KNOWN_HOSTS = bed.knownHosts
    for (const h of bed.hosts) {
      const r = await cli(hostAddArgs(bed, h, 'east', '--cpu-overcommit', '4'))
      assert.equal(r.exitCode, 0, r.stderr)
    }
    // a and b on vbed1; c (small) on vbed2 and d (larger) on vbed3, so vbed2 has the most memory left.
    const file = guestEnvFile(bed, join(home.dir, 'fleet.yaml'), 'fleet', 'none', [
      '{name: a, role: head, host: vbed1}',
      '{name: b, host: vbed1}',
      '{name: c, host: vbed2, memory: 128M}',
      '{name: d, host: vbed3, memory: 320M}',
    ])
    const r = await cli(['env', 'define', '--file', file])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
  })

  after(async function () {
    this.timeout(120_000)
    if (bed) await bed.down()
    home?.remove()
  })

  it('vacate puts a VM where its anti-affine peer is not, though another host has more room', async () => {
    const destinationOf = async (vm: string) => {
      const plan = await cli(['vacate', 'vbed1', '--dry-run', '--json'])
      assert.equal(plan.exitCode, 0, plan.stderr)
      return (plan.json.moves as Array<{vm: string; to: string}>).find((m) => m.vm === vm)?.to
    }
    assert.equal(await destinationOf('a'), 'vbed2', 'without a rule, a goes where the most memory is left')
    assert.equal((await cli(['rule', 'add', 'anti-affinity', 'a-apart-from-c', 'a', 'c'])).exitCode, 0)
    assert.equal(await destinationOf('a'), 'vbed3')
    const vacate = await cli(['vacate', 'vbed1', '--json'])
    assert.equal(vacate.exitCode, 0, vacate.stderr)
    assert.equal(await hostOf('a'), 'vbed3')
    assert.notEqual(await hostOf('b'), 'vbed1')
    assert.equal(await hostOf('c'), 'vbed2')
    assert.equal((await cli(['host', 'undrain', 'vbed1'])).exitCode, 0)
  })

  it('plan apply refuses the move of a VM moved by hand since, and carries out the other', async () => {
    // Two rules broken at once: a and b share vbed1, c and d share vbed2.
    await moveTo('a', 'vbed1')
    await moveTo('b', 'vbed1')
    await moveTo('d', 'vbed2')
    for (const [name, x, y] of [
      ['ab', 'a', 'b'],
      ['cd', 'c', 'd'],
    ]) {
      const r = await cli(['rule', 'add', 'anti-affinity', name!, x!, y!])
      assert.equal(r.exitCode, 0, r.stderr)
    }
    const file = join(home.dir, 'plan.json')
    const plan = await cli(['plan', '--interval', '2', '--save', file, '--json'])
    assert.equal(plan.exitCode, 0, plan.stderr)
    const moves = (plan.json.actions as Array<{kind: string; vm: string; from: string; to: string; reason: string}>).filter(
      (a) => a.kind === 'migrate',
    )
    const mendB = moves.find((m) => m.vm === 'b')
    const mendD = moves.find((m) => m.vm === 'd')
    assert.ok(mendB && mendD, JSON.stringify(plan.json.actions))
    assert.deepEqual([mendB.from, mendD.from], ['vbed1', 'vbed2'])
    assert.match(mendB.reason, /^rule ab: /)
    assert.match(mendD.reason, /^rule cd: /)
    assert.deepEqual([plan.json.vms.b.host, plan.json.vms.d.host], ['vbed1', 'vbed2'], 'the plan keeps where it found them')

    // By hand, b goes elsewhere than the plan said.
    const elsewhere = ['vbed2', 'vbed3'].find((h) => h !== mendB.to)!
    await moveTo('b', elsewhere)
    const applied = await cli(['plan', 'apply', file, '--yes', '--json'])
    assert.equal(applied.exitCode, 1, 'an action was refused')
    const refused = applied.json.refused.filter((r: {action: {vm: string}}) => r.action.vm === 'b')
    assert.ok(refused.length >= 1)
    for (const r of refused) assert.match(r.why, new RegExp(`^b is on ${elsewhere} now, not on vbed[123] as planned$`))
    const done = applied.json.outcomes.map((o: {index: number; ok: boolean}) => {
      const a = plan.json.actions[o.index - 1]
      return `${a.kind} ${a.vm}: ${o.ok ? 'ok' : 'failed'}`
    })
    assert.ok(done.includes('migrate d: ok'), done.join('\n'))
    assert.ok(!done.some((d: string) => d.startsWith('migrate b')), done.join('\n'))
    assert.equal(await hostOf('d'), mendD.to)
    assert.equal(await hostOf('b'), elsewhere)
  })

  it('violin top on a terminal (tmux) shows the bed hosts ok, their guests, and the decisions plan apply recorded', async function () {
    requireIntegration(this, 'tmux', tmuxMissing)
    const violin = [process.execPath, join(ROOT, 'bin', 'run.js'), 'top', '--interval', '1'].map(shellQuote).join(' ')
    const env = `VIOLIN_HOME=${shellQuote(home.dir)} VIOLIN_KNOWN_HOSTS=${shellQuote(bed.knownHosts)}`
    const pane = TmuxPane.start(`cd ${shellQuote(ROOT)}; env -u VIOLIN_CONNECT ${env} ${violin}; echo "exit status $?"; exec sleep 600`)
    try {
      const screen = await pane.waitFor(
        'the three hosts and the four guests',
        (s) => ['vbed1', 'vbed2', 'vbed3'].every((h) => new RegExp(`^${h} +east +ok\\b`, 'm').test(s)) && /^VMs: 4, by CPU$/m.test(s),
        60_000,
      )
      for (const vm of ['a', 'b', 'c', 'd']) assert.match(screen, new RegExp(`^${vm} +${await hostOf(vm)} +running\\b`, 'm'))
      // The newest decisions first: plan apply's move of d is among them.
      assert.match(screen, /^\d{4}-\d\d-\d\dT[\d:]+Z +ok +migrate d: vbed2 -> vbed[13]/m)
      pane.keys('m')
      await pane.waitFor('the VMs by memory used', (s) => /^VMs: 4, by memory used$/m.test(s), 10_000)
      pane.keys('q')
      await pane.waitFor('exit status 0', (s) => /^exit status 0$/m.test(s), 10_000)
    } finally {
      pane.kill()
      TmuxPane.removeSocket()
    }
  })
})
