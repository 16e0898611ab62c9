/**
 * CLI start-up: median wall time of `node -e 0`, `violin --version` and a real command on
 * the shipped sim cluster, each run as a fresh process, interleaved round by round.
 * Prints the medians, the ratios against node, and PASS or FAIL for each target: what
 * --version and list may add to bare node in the same run.
 * Runs the built CLI (bin/run.js -> dist/): `npm run build` first.
 */
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 15
/** What each command may add to a bare `node -e 0` of the same run. */
const TARGET_ADDED_MS = {version: 60, list: 150}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const fmtMs = (ms: number): string => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`

interface Case {
  label: string
  argv: string[]
  env?: Record<string, string>
}

function timeOnce(c: Case): number {
  const started = process.hrtime.bigint()
  const r = spawnSync(c.argv[0]!, c.argv.slice(1), {cwd: ROOT, encoding: 'utf8', env: {...process.env, NO_COLOR: '1', ...c.env}})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (r.error) throw new Error(`${c.label}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`)
  return ms
}

export async function main(): Promise<void> {
  const missing = ['dist/violin.cjs', 'oclif.manifest.json'].filter((p) => !existsSync(join(ROOT, p)))
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} missing: run \`npm run build\` first (this bench times the built CLI)`)

  // As a user types them: `node` from PATH, and bin/run.js through its #!/usr/bin/env node.
  const cases: Case[] = [
    {label: 'node -e 0', argv: ['node', '-e', '0']},
    {label: './bin/run.js --version', argv: ['./bin/run.js', '--version']},
    {
      label: './bin/run.js list --connect sim:examples/two-sites.yaml',
      argv: ['./bin/run.js', 'list', '--connect', 'sim:examples/two-sites.yaml'],
    },
    // What the code cache (bin/code-cache.js) buys: the same start compiling everything, as a build's first run does.
    {
      label: '  the same, VIOLIN_NO_CODE_CACHE=1',
      argv: ['./bin/run.js', 'list', '--connect', 'sim:examples/two-sites.yaml'],
      env: {VIOLIN_NO_CODE_CACHE: '1'},
    },
  ]
  // Once each, not counted: warms the page cache, and writes violin's code cache as a build's first run does.
  for (const c of cases) timeOnce(c)

  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse()
    for (const c of order) times.get(c.label)!.push(timeOnce(c))
  }

  const med = new Map([...times].map(([k, v]) => [k, median(v)]))
  const bare = med.get('node -e 0')!
  const which = spawnSync('node', ['-p', 'process.execPath + " " + process.version'], {encoding: 'utf8'}).stdout.trim()
  console.log(
    `start-up, ${ROUNDS} runs each, interleaved, after one untimed run each (node: ${which}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  )
  console.log(
    `${'command'.padEnd(58)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'added'.padStart(9)} ${'x node'.padStart(7)}`,
  )
  for (const c of cases) {
    const v = times.get(c.label)!
    const m = med.get(c.label)!
    console.log(
      `${c.label.padEnd(58)} ${fmtMs(m).padStart(9)} ${fmtMs(Math.min(...v)).padStart(9)} ${fmtMs(Math.max(...v)).padStart(9)} ${fmtMs(m - bare).padStart(9)} ${(m / bare).toFixed(2).padStart(7)}`,
    )
  }
  const version = med.get(cases[1]!.label)!
  const list = med.get(cases[2]!.label)!
  console.log(`medians: node ${fmtMs(bare)}, --version ${fmtMs(version)}, list ${fmtMs(list)}`)
  console.log(
    `ratios: --version / node ${(version / bare).toFixed(2)}, list / node ${(list / bare).toFixed(2)}, list / --version ${(list / version).toFixed(2)}`,
  )
  const verdict = (what: string, median: number, target: number) =>
    `${median - bare <= target ? 'PASS' : 'FAIL'} ${what}: ${fmtMs(median - bare)} over bare node (target: within ${target} ms)`
  console.log(verdict('--version', version, TARGET_ADDED_MS.version))
  console.log(verdict('list --connect sim:examples/two-sites.yaml', list, TARGET_ADDED_MS.list))
}
