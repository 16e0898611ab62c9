import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'yaml'

import type {Action} from '../../src/policy/cluster-view.js'
import {describe as describeAction} from '../../src/render/adapt-lines.js'
import {EXAMPLE, ROOT, tempHome, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {shellQuote, TmuxPane, tmuxMissing} from '../helpers/tmux.js'

/** The hosts of the shipped cluster file, by name: its site. */
const CLUSTER = parse(readFileSync(EXAMPLE, 'utf8')) as {
  hosts: Array<{name: string; site: string}>
  vms: Array<{name: string; host: string}>
}
const SITE_OF = new Map(CLUSTER.hosts.map((h) => [h.name, h.site]))

interface VmRow {
  name: string
  host: string
  cpu?: number
  memory?: number
  net?: number
}

const UNITS: Record<string, number> = {B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3}
const amount = (text: string): number | undefined => {
  const m = /^([\d.]+) (B|KiB|MiB|GiB)(?:\/s)?$/.exec(text)
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined
}

/** The VM table as a person reads it: the rows under "VM  HOST ..." up to the blank line. */
function vmRows(screen: string): VmRow[] {
  const lines = screen.split('\n')
  const start = lines.findIndex((l) => /^VM +HOST +STATE/.test(l))
  if (start < 0) return []
  const rows: VmRow[] = []
  for (const line of lines.slice(start + 1)) {
    const m = /^(\S+) +(\S+) +\S+ +([\d.]+%|-) +([\d.]+ [MG]iB|-) +([\d.]+ [MG]iB|-) +([\d.]+ [KMG]?i?B\/s|-)$/.exec(line)
    if (!m) break
    rows.push({
      name: m[1]!,
      host: m[2]!,
      cpu: m[3] === '-' ? undefined : Number.parseFloat(m[3]!),
      memory: amount(m[4]!),
      net: amount(m[6]!),
    })
  }
  return rows
}

/** host -> state, from the rows under "HOST  SITE  STATE ...". */
function hostStates(screen: string): Map<string, {site: string; state: string; rest: string}> {
  return new Map(
    [...screen.matchAll(/^(\S+) +(\S+) +(ok|hot|drained|unreachable)\b(.*)$/gm)].map((m) => [
      m[1]!,
      {site: m[2]!, state: m[3]!, rest: m[4]!},
    ]),
  )
}

/** Busiest first, unknown values ('-') last. */
function sortedBy(rows: VmRow[], key: 'cpu' | 'memory' | 'net'): boolean {
  const values = rows.map((r) => r[key])
  const known = values.filter((v) => v !== undefined)
  const unknownAfter = values.indexOf(undefined)
  return (
    (unknownAfter === -1 || values.slice(unknownAfter).every((v) => v === undefined)) &&
    known.every((v, i) => i === 0 || v <= known[i - 1]!)
  )
}

/** Runs violin top in the pane's shell, then says how it ended and whether the terminal is back in canonical mode. */
function topCommand(args: string[], home: string): string {
  const violin = [process.execPath, join(ROOT, 'bin', 'run.js'), 'top', ...args].map(shellQuote).join(' ')
  return [
    `cd ${shellQuote(ROOT)}`,
    `env -u VIOLIN_CONNECT VIOLIN_HOME=${shellQuote(home)} ${violin}`,
    'echo "exit status $?"',
    `stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'`,
    'exec sleep 600',
  ].join('; ')
}

const TITLE = /^violin top {2}\d{4}-\d\d-\d\dT[\d:]+Z {2}every 0\.5 s {2}sort: (\w+) {2}site: (\w+) {2}\(c\/m\/n sort, s site, q quit\)$/m

describe('violin top on a terminal (tmux)', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  const panes: TmuxPane[] = []
  const start = (args: string[], cols = 160, rows = 48) => {
    const pane = TmuxPane.start(topCommand(args, home.dir), cols, rows)
    panes.push(pane)
    return pane
  }

  before(function () {
    requireIntegration(this, 'tmux', tmuxMissing)
    home = tempHome()
  })
  after(() => {
    for (const pane of panes) pane.kill()
    TmuxPane.removeSocket()
    home?.remove()
  })

  /** Quits with `key` and checks the terminal is given back: exit 0, the shell's screen, the cursor shown, canonical mode. */
  async function quitsCleanly(pane: TmuxPane, key: string): Promise<void> {
    pane.keys(key)
    const screen = await pane.waitFor('"exit status 0"', (s) => /^exit status \d+$/m.test(s))
    assert.match(screen, /^exit status 0$/m)
    assert.doesNotMatch(screen, /violin top {2}/, 'the alternate screen is left')
    assert.match(screen, /^icanon$/m, 'the terminal is back in canonical mode')
    assert.equal(pane.format('#{alternate_on} #{cursor_flag}'), '0 1', 'primary screen, cursor shown')
  }

  it('shows every host with its state and the VMs by CPU; m, n sort by memory and network; s filters a site; q quits', async () => {
    const pane = start(['--connect', `sim:${EXAMPLE}`, '--interval', '0.5'])
    let screen = await pane.waitFor(
      'the title and every host',
      (s) => TITLE.test(s) && CLUSTER.hosts.every((h) => hostStates(s).has(h.name)),
    )
    assert.equal(pane.format('#{alternate_on} #{cursor_flag}'), '1 0', 'the alternate screen, no cursor')
    assert.deepEqual(TITLE.exec(screen)!.slice(1), ['cpu', 'all'])
    const states = hostStates(screen)
    for (const h of CLUSTER.hosts) assert.equal(states.get(h.name)!.site, h.site)
    // east1 and east3 are asked for more CPU than they have: hot, and why.
    assert.deepEqual(
      CLUSTER.hosts.map((h) => [h.name, states.get(h.name)!.state]),
      [
        ['east1', 'hot'],
        ['east2', 'ok'],
        ['east3', 'hot'],
        ['west1', 'ok'],
        ['west2', 'ok'],
      ],
    )
    assert.match(states.get('east1')!.rest, /cpu 100% > 85%$/)
    const byCpu = vmRows(screen)
    assert.deepEqual(byCpu.map((r) => r.name).sort(), CLUSTER.vms.map((v) => v.name).sort(), screen)
    assert.ok(sortedBy(byCpu, 'cpu'), screen)
    assert.match(screen, /^no traffic matrix: a cluster file has none$/m)
    assert.match(screen, /^no recorded decisions \(--connect\)$/m)

    pane.keys('m')
    screen = await pane.waitFor('sort: memory', (s) => TITLE.exec(s)?.[1] === 'memory')
    const byMemory = vmRows(screen)
    assert.ok(sortedBy(byMemory, 'memory'), screen)
    assert.notDeepEqual(
      byMemory.map((r) => r.name),
      byCpu.map((r) => r.name),
    )

    pane.keys('n')
    screen = await pane.waitFor('sort: network', (s) => TITLE.exec(s)?.[1] === 'network')
    const byNet = vmRows(screen)
    assert.ok(sortedBy(byNet, 'net'), screen)
    assert.equal(byNet[0]!.name, 'hpc-1', screen) // 60 MiB/s in the cluster file
    assert.equal(byNet.at(-1)!.name, 'spare', screen) // shut off: not measured, '-'

    for (const site of ['east', 'west']) {
      pane.keys('s')
      screen = await pane.waitFor(`site: ${site}`, (s) => TITLE.exec(s)?.[2] === site)
      assert.deepEqual(
        [...hostStates(screen).keys()],
        CLUSTER.hosts.filter((h) => h.site === site).map((h) => h.name),
      )
      const vms = vmRows(screen)
      assert.ok(vms.length > 0 && vms.every((r) => SITE_OF.get(r.host) === site), screen)
    }
    pane.keys('s')
    screen = await pane.waitFor('site: all', (s) => TITLE.exec(s)?.[2] === 'all')
    assert.equal(hostStates(screen).size, CLUSTER.hosts.length)

    await quitsCleanly(pane, 'q')
  })

  it('on an inventory: a drained host, a host that does not answer, and the decisions the adaptation loop recorded', async () => {
    const cli = (args: string[]) => violinProcess(args, home.env)
    for (const h of CLUSTER.hosts) {
      const r = await cli(['host', 'add', h.name, '--local', '--site', h.site, '--driver', 'sim', '--uri', EXAMPLE])
      assert.equal(r.exitCode, 0, r.stderr)
    }
    const adapt = await cli(['adapt', '--once', '--interval', '1'])
    assert.equal(adapt.exitCode, 0, adapt.stderr)
    assert.equal((await cli(['host', 'drain', 'west2'])).exitCode, 0)
    const missing = join(home.dir, 'no-such-cluster.yaml')
    assert.equal((await cli(['host', 'add', 'ghost', '--local', '--site', 'west', '--driver', 'sim', '--uri', missing])).exitCode, 0)
    const log = readFileSync(join(home.dir, 'state', 'sim', 'actions.jsonl'), 'utf8')
      .trim()
      .split('\n')
    const newest = JSON.parse(log.at(-1)!) as {action: Action; ok: boolean}
    assert.ok(newest.ok)

    const pane = start(['--interval', '0.5'])
    const screen = await pane.waitFor(
      'the hosts, ghost unreachable',
      (s) => TITLE.test(s) && hostStates(s).get('ghost')?.state === 'unreachable',
    )
    const states = hostStates(screen)
    assert.equal(states.get('west2')!.state, 'drained')
    assert.match(states.get('ghost')!.rest, /no-such-cluster\.yaml: cannot read: no such file$/)
    assert.match(screen, /^Hosts: 6, 1 unreachable$/m)
    assert.match(screen, /^no traffic matrix: no environment has a switch running$/m)
    // The newest decision heads the decisions, as the actions log recorded it.
    const decisions = screen.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT[\d:]+Z +(ok|failed|recovered) /.test(l))
    assert.ok(decisions.length >= 1 && decisions.length <= 5, screen)
    assert.match(decisions[0]!, new RegExp(` ok +${describeAction(newest.action).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))

    await quitsCleanly(pane, 'C-c')
  })

  it('fits a terminal of 40 x 10, and redraws whole when it grows', async () => {
    const pane = start(['--connect', `sim:${EXAMPLE}`, '--interval', '0.5'], 40, 10)
    let screen = await pane.waitFor('the title', (s) => /^violin top {2}2026-/.test(s))
    const lines = screen.split('\n')
    assert.ok(
      lines.every((l) => l.length <= 40),
      screen,
    )
    assert.match(screen, /^… \d+ more (hosts|VMs)$/m)
    pane.resize(160, 48)
    screen = await pane.waitFor('every host after growing', (s) => hostStates(s).size === CLUSTER.hosts.length && TITLE.test(s))
    assert.equal(vmRows(screen).length, CLUSTER.vms.length, screen)
    await quitsCleanly(pane, 'q')
  })
})

describe('violin top without a terminal', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())

  it('is usage --watch: the same lines', async () => {
    const top = await violinProcess(['top', '--connect', `sim:${EXAMPLE}`, '--interval', '1', '--count', '2'], home.env)
    const usage = await violinProcess(['usage', '--watch', '--connect', `sim:${EXAMPLE}`, '--interval', '1', '--count', '2'], home.env)
    assert.equal(top.exitCode, 0, top.stderr)
    assert.equal(top.stdout, usage.stdout)
    assert.equal(top.stdout.match(/^Usage over 1\.0 s/gm)?.length, 2)
  })

  it('rounds a fraction of a second up for usage, and passes --json', async () => {
    const r = await violinProcess(['top', '--connect', `sim:${EXAMPLE}`, '--interval', '0.3', '--count', '1', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).interval_sec, 1)
  })

  it('refuses an interval that is not a number of seconds from 0.1 to a day, and an unknown sort key', async () => {
    for (const bad of ['0', 'abc', '1e9', '-1', '0.05', '86401']) {
      const r = await violinProcess(['top', '--connect', `sim:${EXAMPLE}`, '--interval', bad], home.env)
      assert.equal(r.exitCode, 2, bad)
      assert.match(
        r.stderr,
        new RegExp(`^error: --interval takes seconds from 0\\.1 to 86400 \\(2, 0\\.5\\), not "${bad.replace('.', '\\.')}"$`, 'm'),
      )
    }
    const r = await violinProcess(['top', '--connect', `sim:${EXAMPLE}`, '--sort', 'bogus'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /cpu, memory, network/)
  })
})
