import assert from 'node:assert/strict'

import type {HostUsage, VmUsage} from '../../src/monitor/rates.js'
import {DEFAULT_POLICY_OPTIONS} from '../../src/policy/cluster-view.js'
import {fitWidth, hostState, nextSite, sitesOf, type TopView, topLines, waitingLines} from '../../src/render/top-model.js'
import type {TopReading} from '../../src/services/top-feed.js'

const T0 = Date.parse('2026-01-01T00:00:10Z')

const host = (name: string, site: string, extra: Partial<HostUsage> = {}): HostUsage => ({
  host: name,
  site,
  status: 'ok',
  cores: 8,
  cpuPercent: 20,
  memoryMiB: 32_768,
  freeMemoryMiB: 16_384,
  vms: 2,
  ...extra,
})

const vm = (name: string, h: string, site: string, cpuPercent: number | undefined, memoryUsedMiB: number | undefined): VmUsage => ({
  host: h,
  site,
  name,
  state: 'running',
  vcpus: 2,
  cpuPercent,
  memoryUsedMiB,
  memoryMiB: 4096,
  maxMemoryMiB: 8192,
})

/** Two sites; a VM's CPU, memory and network orders all differ. */
function reading(extra: Partial<TopReading> = {}): TopReading {
  return {
    report: {
      timeMs: T0,
      intervalSec: 2,
      hosts: [
        host('e1', 'east'),
        host('e2', 'east', {cpuPercent: 95}),
        host('w1', 'west'),
        {
          host: 'w2',
          site: 'west',
          status: 'unreachable',
          error: 'host "w2": ssh: connect ECONNREFUSED 10.0.0.9:22\nat line 2',
          exitCode: 5,
        },
      ],
      vms: [
        vm('a', 'e1', 'east', 50, 1000),
        vm('b', 'e2', 'east', 90, 3000),
        vm('c', 'w1', 'west', 10, 2000),
        vm('d', 'w1', 'west', undefined, undefined),
      ],
    },
    vmNet: new Map([
      ['e1/a', 3 * 1024 ** 2],
      ['e2/b', 1024],
      ['w1/c', 9 * 1024 ** 2],
    ]),
    traffic: {
      pairs: [
        {src: 'a', dst: 'b', bytesPerSecond: 2048},
        {src: 'c', dst: 'a', bytesPerSecond: 5 * 1024 ** 2},
        {src: 'c', dst: 'd', bytesPerSecond: 0},
      ],
      notes: [],
    },
    decisions: {
      records: [
        {atMs: T0 - 1000, action: {kind: 'migrate', vm: 'b', from: 'e2', to: 'w1', reason: 'hot'}, ok: true},
        {
          atMs: T0 - 5000,
          action: {kind: 'set-memory', vm: 'a', host: 'e1', fromMiB: 1024, toMiB: 2048, reason: 'grow'},
          ok: false,
          error: 'balloon refused',
        },
      ],
      notes: [],
    },
    drained: new Set(['w1']),
    ...extra,
  }
}

const VIEW: TopView = {sort: 'cpu', width: 160, height: 48}
const lines = (r: TopReading, view: Partial<TopView> = {}) => topLines(r, 2, DEFAULT_POLICY_OPTIONS, {...VIEW, ...view})
const texts = (r: TopReading, view: Partial<TopView> = {}) => lines(r, view).map((l) => l.text)
/** The VM names in the order the VM table shows them. */
const vmOrder = (r: TopReading, view: Partial<TopView> = {}) => {
  const all = texts(r, view)
  const start = all.findIndex((t) => t.startsWith('VM '))
  const rows = all.slice(start + 1)
  return rows
    .slice(0, rows.indexOf(''))
    .filter((t) => /^[a-d] /.test(t))
    .map((t) => t.split(' ')[0])
}
const rowOf = (r: TopReading, name: string, view: Partial<TopView> = {}) => texts(r, view).find((t) => t.startsWith(`${name} `))

describe("violin top's screen model (render/top-model.ts)", () => {
  it("titles the screen with the reading's time, the interval, the sort key, the site and the keys", () => {
    const [title] = lines(reading())
    assert.equal(title!.kind, 'title')
    assert.equal(title!.text, 'violin top  2026-01-01T00:00:10Z  every 2 s  sort: cpu  site: all  (c/m/n sort, s site, q quit)')
    assert.match(lines(reading(), {sort: 'network', site: 'west'})[0]!.text, /sort: network {2}site: west/)
  })

  it('sorts the VMs by CPU, memory used or network, busiest first, unknown values last', () => {
    assert.deepEqual(vmOrder(reading()), ['b', 'a', 'c', 'd'])
    assert.deepEqual(vmOrder(reading(), {sort: 'memory'}), ['b', 'c', 'a', 'd'])
    assert.deepEqual(vmOrder(reading(), {sort: 'network'}), ['c', 'a', 'b', 'd'])
  })

  it("shows a value that was not measured as '-'", () => {
    assert.match(rowOf(reading(), 'd')!, /^d\s+w1\s+running\s+-\s+-\s+4 GiB\s+-$/)
    assert.match(rowOf(reading(), 'c')!, /9\.0 MiB\/s$/)
    assert.match(rowOf(reading(), 'e1')!, /^e1\s+east\s+ok\s+20\.0%\s+16 GiB\s+-\s+-\s+2$/)
  })

  it('says each host is ok, hot (naming the threshold), drained or unreachable (with its error, shortened to one line)', () => {
    assert.match(rowOf(reading(), 'e2')!, /^e2\s+east\s+hot\s+95\.0%.*cpu 95% > 85%$/)
    assert.match(rowOf(reading(), 'w1')!, /^w1\s+west\s+drained\s/)
    const down = rowOf(reading(), 'w2')!
    assert.match(down, /^w2\s+west\s+unreachable\s+-\s+-\s+-\s+-\s+-\s+host "w2": ssh: connect ECONNREFUSED 10\.0\.0\.9:22$/)
    assert.equal(lines(reading()).find((l) => l.text === down)!.kind, 'bad')
    const t = DEFAULT_POLICY_OPTIONS
    assert.equal(hostState(host('x', 's', {swapWritesPerSecond: 400}), false, t).state, 'hot')
    assert.equal(hostState(host('x', 's', {nicPercent: 90}), false, t).why, 'nic 90% > 80%')
    assert.deepEqual(hostState(host('x', 's', {cpuPercent: 99}), true, t), {state: 'drained', why: 'hot: cpu 99% > 85%'})
  })

  it('lists the hosts that did not answer first, so a short screen still shows them', () => {
    const hostRows = texts(reading()).filter((t) => /^(e1|e2|w1|w2) /.test(t))
    assert.deepEqual(
      hostRows.map((t) => t.split(' ')[0]),
      ['w2', 'e1', 'e2', 'w1'],
    )
    assert.ok(texts(reading(), {height: 8}).some((t) => t.startsWith('w2 ')))
  })

  it("shows one site's hosts, VMs, pairs and decisions with a site filter", () => {
    const west = texts(reading(), {site: 'west'})
    assert.ok(west.some((t) => t.startsWith('w1 ')) && west.some((t) => t.startsWith('w2 ')))
    assert.ok(!west.some((t) => /^e[12] /.test(t)))
    assert.deepEqual(vmOrder(reading(), {site: 'west'}), ['c', 'd'])
    // c -> a touches west; a -> b does not. The migration to w1 touches west; memory on e1 does not.
    assert.ok(west.some((t) => /^c\s+a\s+5\.0 MiB\/s$/.test(t)))
    assert.ok(!west.some((t) => /^a\s+b\s/.test(t)))
    assert.ok(west.some((t) => t.includes('migrate b: e2 -> w1')))
    assert.ok(!west.some((t) => t.includes('set-memory a')))
  })

  it('cycles the site filter: all, each site in order, all again', () => {
    const sites = sitesOf(reading())
    assert.deepEqual(sites, ['east', 'west'])
    assert.equal(nextSite(sites, undefined), 'east')
    assert.equal(nextSite(sites, 'east'), 'west')
    assert.equal(nextSite(sites, 'west'), undefined)
    assert.equal(nextSite(sites, 'gone'), 'east')
  })

  it('shows the busiest pairs first, and no idle pair', () => {
    const all = texts(reading())
    const c = all.findIndex((t) => /^c\s+a\s/.test(t))
    const a = all.findIndex((t) => /^a\s+b\s+2\.0 KiB\/s$/.test(t))
    assert.ok(c > 0 && a > c, all.join('\n'))
    assert.ok(!all.some((t) => /^c\s+d\s/.test(t)))
  })

  it('shows the decisions newest first, failed ones with their error', () => {
    const all = texts(reading())
    const migrate = all.findIndex((t) => /^2026-01-01T00:00:09Z\s+ok\s+migrate b: e2 -> w1$/.test(t))
    const failed = all.findIndex((t) => /^2026-01-01T00:00:05Z\s+failed\s+set-memory a on e1: 1024 -> 2048 MiB: balloon refused$/.test(t))
    assert.ok(migrate > 0 && failed > migrate, all.join('\n'))
  })

  it('says why there are no pairs or decisions, and what could not be read', () => {
    const all = texts(
      reading({
        traffic: {pairs: [], notes: ['traffic of lab on h3 not read: agent down'], none: 'no traffic matrix: a cluster file has none'},
        decisions: {records: [], notes: [], none: 'no recorded decisions (--connect)'},
      }),
    )
    assert.ok(all.includes('no traffic matrix: a cluster file has none'))
    assert.ok(all.includes('traffic of lab on h3 not read: agent down'))
    assert.ok(all.includes('no recorded decisions (--connect)'))
  })

  it('cuts every line to the width and the screen to the height, saying how many rows are left out', () => {
    for (const [width, height] of [
      [40, 10],
      [20, 4],
      [1, 1],
      [0, 0],
    ] as const) {
      const out = lines(reading(), {width, height})
      assert.ok(out.length <= height, `${out.length} lines on ${height}`)
      assert.ok(
        out.every((l) => l.text.length <= width),
        out.map((l) => l.text).join('\n'),
      )
    }
    const small = texts(reading(), {width: 40, height: 10})
    assert.equal(small[0], 'violin top  2026-01-01T00:00:10Z  every…')
    assert.ok(
      small.some((t) => /^… \d+ more (hosts|VMs)$/.test(t)),
      small.join('\n'),
    )
    assert.equal(fitWidth('abcdef', 4), 'abc…')
  })

  it('shows every host and VM when the screen has room, with blank lines between the parts', () => {
    const all = texts(reading())
    for (const name of ['e1', 'e2', 'w1', 'w2', 'a', 'b', 'c', 'd']) assert.ok(rowOf(reading(), name), name)
    assert.ok(!all.some((t) => t.startsWith('… ')))
    assert.ok(all.includes(''))
  })

  it('shows control characters of a name or an error as ?', () => {
    const r = reading()
    r.report.vms[0]!.name = 'a\x1b[2J'
    assert.ok(texts(r).some((t) => t.startsWith('a?[2J ')))
  })

  it('titles the screen "no host answered" when none did, and before the first reading says it waits', () => {
    const r = reading()
    r.report.hosts = r.report.hosts.filter((h) => h.status !== 'ok')
    assert.match(texts(r)[0]!, /^violin top {2}no host answered/)
    assert.match(waitingLines(0.5, VIEW)[0]!.text, /^violin top {2}waiting for the first reading {2}every 0\.5 s/)
  })
})
