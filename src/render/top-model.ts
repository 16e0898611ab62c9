import type {HostUsage, VmUsage} from '../monitor/rates.js'
import type {Action, PolicyOptions} from '../policy/cluster-view.js'
import type {TopDecision, TopReading} from '../services/top-feed.js'
import {formatMiB, formatRate} from '../units.js'
import {describe, stamp, subject} from './adapt-lines.js'

/**
 * What `violin top` draws, as lines of text: pure, so the layout (sorting, the site filter,
 * host states, what is cut when the terminal is small) is tested without a terminal;
 * render/top-screen.ts only puts the lines on the screen.
 */

export const TOP_SORTS = ['cpu', 'memory', 'network'] as const
export type TopSort = (typeof TOP_SORTS)[number]

/** What the person chose, and the terminal's size. */
export interface TopView {
  sort: TopSort
  /** Only this site's hosts, VMs, pairs and decisions; undefined: every site. */
  site?: string
  width: number
  height: number
}

/** title: the top line; section: a section's name; header: a table's column names; bad/warn: a host down or hot, a note. */
export type TopLineKind = 'title' | 'section' | 'header' | 'row' | 'bad' | 'warn'

export interface TopLine {
  text: string
  kind: TopLineKind
}

export type Thresholds = Pick<PolicyOptions, 'cpuThreshold' | 'swapThreshold' | 'nicThreshold'>

/** The keys, as the title line says them. */
export const TOP_KEYS = 'c/m/n sort, s site, q quit'

/** The most pairs and decisions shown; the VMs take the rest of the screen. */
export const TOP_PAIRS = 5
export const TOP_DECISIONS_SHOWN = 5

const DASH = '-'
const pct = (x: number | undefined) => (x === undefined ? DASH : `${x.toFixed(1)}%`)
const mib = (x: number | undefined) => (x === undefined ? DASH : formatMiB(x))

/** The sites of a reading's hosts, sorted: what `s` cycles through. */
export function sitesOf(reading: TopReading): string[] {
  return [...new Set(reading.report.hosts.map((h) => h.site))].sort()
}

/** `s`: every site, then each site in turn, then every site again. */
export function nextSite(sites: readonly string[], current: string | undefined): string | undefined {
  if (current === undefined) return sites[0]
  const i = sites.indexOf(current)
  return i === -1 ? sites[0] : sites[i + 1]
}

/** A host's state: unreachable (did not answer), drained (maintenance), hot (over a threshold), or ok; `why` says which. */
export function hostState(h: HostUsage, drained: boolean, t: Thresholds): {state: string; why?: string} {
  if (h.status !== 'ok') return {state: 'unreachable', why: shorten(h.error ?? h.status, 100)}
  const over = [
    h.cpuPercent !== undefined && h.cpuPercent / 100 > t.cpuThreshold
      ? `cpu ${h.cpuPercent.toFixed(0)}% > ${(t.cpuThreshold * 100).toFixed(0)}%`
      : undefined,
    h.swapWritesPerSecond !== undefined && h.swapWritesPerSecond > t.swapThreshold
      ? `swap ${Math.round(h.swapWritesPerSecond)}/s > ${t.swapThreshold}/s`
      : undefined,
    h.nicPercent !== undefined && h.nicPercent / 100 > t.nicThreshold
      ? `nic ${h.nicPercent.toFixed(0)}% > ${(t.nicThreshold * 100).toFixed(0)}%`
      : undefined,
  ].filter((x) => x !== undefined)
  if (drained) return over.length > 0 ? {state: 'drained', why: `hot: ${over.join(', ')}`} : {state: 'drained'}
  return over.length > 0 ? {state: 'hot', why: over.join(', ')} : {state: 'ok'}
}

/** The first line of a message, at most max characters. */
function shorten(text: string, max: number): string {
  const line = text.split('\n')[0]!.trim()
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`
}

/**
 * A line cut to the terminal's width, its control characters shown as '?': a VM name or
 * an error message from a host must not move the cursor or change the terminal's state.
 */
export function fitWidth(text: string, width: number): string {
  if (width <= 0) return ''
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces
  const shown = text.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, '?')
  return shown.length <= width ? shown : `${shown.slice(0, width - 1)}…`
}

const sortValue: Record<TopSort, (vm: VmUsage, net: Map<string, number>) => number | undefined> = {
  cpu: (vm) => vm.cpuPercent,
  memory: (vm) => vm.memoryUsedMiB,
  network: (vm, net) => net.get(`${vm.host}/${vm.name}`),
}

/** The VMs by the chosen key, busiest first; those whose value is unknown last; then by name. */
export function sortVms(vms: readonly VmUsage[], sort: TopSort, net: Map<string, number>): VmUsage[] {
  const key = sortValue[sort]
  return [...vms].sort((a, b) => {
    const x = key(a, net)
    const y = key(b, net)
    if (x !== y) {
      if (x === undefined) return 1
      if (y === undefined) return -1
      return y - x
    }
    return a.name.localeCompare(b.name) || a.host.localeCompare(b.host)
  })
}

interface Column {
  header: string
  right?: boolean
}

/** Rows of cells as aligned text, two spaces apart; the last column is never padded. */
function table(columns: Column[], rows: string[][]): {header: string; rows: string[]} {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return {header: line(columns.map((c) => c.header)), rows: rows.map(line)}
}

/** One part of the screen: its name, its column names, and its lines. */
interface Section {
  title: string
  header?: string
  rows: TopLine[]
  /** What "… N more" counts when rows are cut. */
  what: string
}

const HOST_COLUMNS: Column[] = [
  {header: 'HOST'},
  {header: 'SITE'},
  {header: 'STATE'},
  {header: 'CPU', right: true},
  {header: 'FREE MEM', right: true},
  {header: 'SWAP OUT/s', right: true},
  {header: 'NIC', right: true},
  {header: 'VMS', right: true},
  {header: 'WHY'},
]

function hostSection(reading: TopReading, hosts: HostUsage[], t: Thresholds): Section {
  const states = hosts.map((h) => hostState(h, reading.drained.has(h.host), t))
  const {header, rows} = table(
    HOST_COLUMNS,
    hosts.map((h, i) => [
      h.host,
      h.site,
      states[i]!.state,
      pct(h.cpuPercent),
      mib(h.freeMemoryMiB),
      h.swapWritesPerSecond === undefined ? DASH : String(h.swapWritesPerSecond),
      pct(h.nicPercent),
      h.vms === undefined ? DASH : String(h.vms),
      states[i]!.why ?? '',
    ]),
  )
  const down = states.filter((s) => s.state === 'unreachable').length
  return {
    title: `Hosts: ${hosts.length}${down > 0 ? `, ${down} unreachable` : ''}`,
    header,
    rows: rows.map((text, i) => ({
      text,
      kind: states[i]!.state === 'unreachable' ? 'bad' : states[i]!.state === 'hot' || states[i]!.why ? 'warn' : 'row',
    })),
    what: 'hosts',
  }
}

const VM_COLUMNS: Column[] = [
  {header: 'VM'},
  {header: 'HOST'},
  {header: 'STATE'},
  {header: 'CPU', right: true},
  {header: 'MEM USED', right: true},
  {header: 'ALLOCATED', right: true},
  {header: 'NET', right: true},
]

const SORT_NAMES: Record<TopSort, string> = {cpu: 'CPU', memory: 'memory used', network: 'network'}

function vmSection(reading: TopReading, vms: VmUsage[], sort: TopSort): Section {
  const sorted = sortVms(vms, sort, reading.vmNet)
  const {header, rows} = table(
    VM_COLUMNS,
    sorted.map((vm) => [
      vm.name,
      vm.host,
      vm.state,
      pct(vm.cpuPercent),
      mib(vm.memoryUsedMiB),
      mib(vm.memoryMiB),
      formatRate(reading.vmNet.get(`${vm.host}/${vm.name}`)),
    ]),
  )
  return {
    title: `VMs: ${vms.length}, by ${SORT_NAMES[sort]}`,
    header: vms.length > 0 ? header : undefined,
    rows: vms.length > 0 ? rows.map((text) => ({text, kind: 'row'})) : [{text: 'no VM', kind: 'row'}],
    what: 'VMs',
  }
}

function pairSection(reading: TopReading, siteOf: Map<string, string>, site: string | undefined): Section {
  const {traffic} = reading
  const pairs = traffic.pairs
    .filter((p) => site === undefined || siteOf.get(p.src) === site || siteOf.get(p.dst) === site)
    .filter((p) => p.bytesPerSecond > 0)
    .sort((a, b) => b.bytesPerSecond - a.bytesPerSecond || a.src.localeCompare(b.src) || a.dst.localeCompare(b.dst))
    .slice(0, TOP_PAIRS)
  const notes = noteLines(traffic.notes)
  if (pairs.length === 0)
    return {
      title: 'Busiest VM pairs',
      rows: [{text: traffic.none ?? 'no traffic between VMs in this reading', kind: 'row'}, ...notes],
      what: 'lines',
    }
  const {header, rows} = table(
    [{header: 'FROM'}, {header: 'TO'}, {header: 'RATE', right: true}],
    pairs.map((p) => [p.src, p.dst, formatRate(p.bytesPerSecond)]),
  )
  return {title: 'Busiest VM pairs', header, rows: [...rows.map((text): TopLine => ({text, kind: 'row'})), ...notes], what: 'lines'}
}

/** What could not be read, a line each (the first few: one per environment could fill a screen). */
function noteLines(notes: readonly string[]): TopLine[] {
  const lines = notes.slice(0, 3).map((text): TopLine => ({text, kind: 'warn'}))
  return notes.length > 3 ? [...lines, {text: `and ${notes.length - 3} more not read`, kind: 'warn'}] : lines
}

/** Whether an action touches a host of the site (or the site itself, for an environment's move). */
function touches(a: Action, site: string, hostsOfSite: Set<string>): boolean {
  switch (a.kind) {
    case 'set-shares':
    case 'set-memory':
      return hostsOfSite.has(a.host)
    case 'migrate':
      return hostsOfSite.has(a.from) || hostsOfSite.has(a.to)
    case 'migrate-environment':
      return a.fromSite === site || a.toSite === site
  }
}

function decisionText(d: TopDecision): {result: string; text: string} {
  if (d.recovered !== undefined) return {result: 'recovered', text: `${subject(d.action)}: ${d.recovered}`}
  if (!d.ok) return {result: 'failed', text: `${describe(d.action)}${d.error ? `: ${d.error.split('\n')[0]}` : ''}`}
  return {result: 'ok', text: describe(d.action)}
}

function decisionSection(reading: TopReading, site: string | undefined, hostsOfSite: Set<string>): Section {
  const {decisions} = reading
  const records = decisions.records
    .filter((d) => site === undefined || touches(d.action, site, hostsOfSite))
    .sort((a, b) => b.atMs - a.atMs)
    .slice(0, TOP_DECISIONS_SHOWN)
  const notes = noteLines(decisions.notes)
  const title = 'Latest decisions of the adaptation loop'
  if (records.length === 0) return {title, rows: [{text: decisions.none ?? 'no recorded decisions', kind: 'row'}, ...notes], what: 'lines'}
  const texts = records.map(decisionText)
  const {header, rows} = table(
    [{header: 'TIME'}, {header: 'RESULT'}, {header: 'DECISION'}],
    records.map((d, i) => [stamp(d.atMs), texts[i]!.result, texts[i]!.text]),
  )
  return {
    title,
    header,
    rows: [...rows.map((text, i): TopLine => ({text, kind: texts[i]!.result === 'failed' ? 'warn' : 'row'})), ...notes],
    what: 'lines',
  }
}

/** The title line: the reading's time, the interval, the sort key, the site filter, the keys. */
export function titleLine(when: string, intervalSec: number, view: Pick<TopView, 'sort' | 'site'>): string {
  return `violin top  ${when}  every ${intervalSec} s  sort: ${view.sort}  site: ${view.site ?? 'all'}  (${TOP_KEYS})`
}

/**
 * Lines (per section: title, column names, rows) given to the sections in turn until the
 * screen is full: each section first gets its column names and a few rows (the hosts all
 * of theirs), then the section titles, then the pairs and decisions the rest of theirs,
 * then the VMs whatever is left. A section cut short ends with "… N more".
 */
function layout(sections: {section: Section; first: number; cap: number}[], room: number): TopLine[] {
  const body = sections.map((s) => (s.section.header ? 1 : 0) + s.section.rows.length)
  const given = sections.map(() => 0)
  const titled = sections.map(() => false)
  const give = (i: number, upTo: number) => {
    const want = Math.min(upTo, body[i]!) - given[i]!
    if (want <= 0) return
    // A section's first lines: its column names need a row under them.
    const least = given[i] === 0 && sections[i]!.section.header ? 2 : 1
    if (room < least) return
    const n = Math.min(want, room)
    given[i]! += n
    room -= n
  }
  for (const [i, s] of sections.entries()) give(i, s.first)
  for (const i of sections.keys()) {
    if (given[i]! > 0 && room > 0) {
      titled[i] = true
      room--
    }
  }
  for (const [i, s] of sections.entries()) give(i, s.cap)
  for (const i of sections.keys()) give(i, body[i]!)
  // A blank line between sections, when the screen has room for it.
  const gap = sections.map((_, i) => i > 0 && given[i]! > 0 && room-- > 0)
  return sections.flatMap(({section}, i) => {
    const n = given[i]!
    if (n === 0) return []
    const lines: TopLine[] = [...(section.header ? [{text: section.header, kind: 'header' as const}] : []), ...section.rows]
    const shown = lines.slice(0, n)
    if (n < lines.length) shown[n - 1] = {text: `… ${lines.length - n + 1} more ${section.what}`, kind: 'row'}
    return [
      ...(gap[i] ? [{text: '', kind: 'row' as const}] : []),
      ...(titled[i] ? [{text: section.title, kind: 'section' as const}] : []),
      ...shown,
    ]
  })
}

/** The whole screen for one reading: at most view.height lines, none wider than view.width. */
export function topLines(reading: TopReading, intervalSec: number, thresholds: Thresholds, view: TopView): TopLine[] {
  const {site} = view
  // Hosts that did not answer first, so a screen too short for every host still shows them.
  const inSite = reading.report.hosts.filter((h) => site === undefined || h.site === site)
  const hosts = [...inSite.filter((h) => h.status !== 'ok'), ...inSite.filter((h) => h.status === 'ok')]
  const vms = reading.report.vms.filter((vm) => site === undefined || vm.site === site)
  const siteOf = new Map(reading.report.vms.map((vm) => [vm.name, vm.site]))
  const hostsOfSite = new Set(hosts.map((h) => h.host))
  // No host answered: the reading has no time of its own.
  const when = reading.report.hosts.some((h) => h.status === 'ok') ? stamp(reading.report.timeMs) : 'no host answered'
  const title: TopLine = {text: titleLine(when, intervalSec, view), kind: 'title'}
  const all = Number.POSITIVE_INFINITY
  const body = layout(
    [
      // Half the screen at first for a fleet of many hosts; what the others leave, after.
      {section: hostSection(reading, hosts, thresholds), first: Math.max(4, Math.floor((view.height - 1) / 2)), cap: all},
      {section: vmSection(reading, vms, view.sort), first: 4, cap: 4},
      {section: pairSection(reading, siteOf, site), first: 3, cap: all},
      {section: decisionSection(reading, site, hostsOfSite), first: 3, cap: all},
    ],
    view.height - 1,
  )
  return [title, ...body].slice(0, Math.max(0, view.height)).map((l) => ({...l, text: fitWidth(l.text, view.width)}))
}

/** The screen before the first reading. */
export function waitingLines(intervalSec: number, view: TopView): TopLine[] {
  return [{text: titleLine('waiting for the first reading', intervalSec, view), kind: 'title' as const}]
    .slice(0, Math.max(0, view.height))
    .map((l) => ({...l, text: fitWidth(l.text, view.width)}))
}
