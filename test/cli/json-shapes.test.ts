import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type CliResult, EXAMPLE, ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'
import {keyPaths, readJsonDoc, undocumented} from '../helpers/json-doc.js'

/**
 * The --json of every command is an interface scripts depend on, documented in
 * docs/json.md. Each documented shape is pinned here: the commands run (on the simulated
 * cluster, or an inventory of simulated hosts), and a key that appears without being
 * documented, or a documented key that no run prints, fails the test.
 */
const doc = readJsonDoc(ROOT)
const sim = ['--connect', `sim:${EXAMPLE}`]
const scenario = (name: string) => join(ROOT, 'examples', 'scenarios', `${name}.yaml`)

/** Sections that no run here can pin, with what they need (their tests run on the test bed). */
const NOT_RUN_HERE: Record<string, string> = {
  agent: 'a long-running daemon',
  'agent start': 'agents on the hosts (test/cli/agents-store.test.ts)',
  'agent status': 'a running agent',
  'agent stop': 'a running agent',
  console: 'a terminal: it prints no JSON',
  top: 'a terminal: without one it is usage --watch',
  define: '(pinned by test/cli/verbs-sim.test.ts)',
  'image push': 'real hosts reached over SSH',
  'switch start': 'the test bed',
  'switch stop': 'the test bed',
  'switch status': 'the test bed',
  'switch fdb': 'the test bed',
  'usage --traffic': "the udp data plane's switches",
  schema: 'a JSON Schema, not a violin record (test/schema/json-schema.test.ts)',
  help: 'text only: under --json a usage error (test/cli/errors.test.ts)',
}

/**
 * Documented keys that only real hypervisors or long runs print: no run here can show them
 * (the other tests that read them run on the test bed).
 */
const PRINTED_ELSEWHERE: Record<string, string[]> = {
  migrate: ['plan.copied_disks[].path', 'plan.copied_disks[].format', 'plan.copied_disks[].bytes', 'result.raw.*'],
  calibrate: [
    'modes.*.concurrency.job',
    'modes.*.concurrency.overhead',
    'modes.*.concurrency.points',
    'command.startup_ms',
    'command.gap_ms',
    'command.tail_ms',
    'command.points',
    'command.by_command',
    'command.by_command.*.startup_ms',
    'command.by_command.*.gap_ms',
    'command.by_command.*.tail_ms',
    'command.by_command.*.points',
  ],
  'env info': ['network.vni', 'network.dataplane', 'network.stopped'],
  'env start': ['failed[].vm', 'failed[].host', 'failed[].error'],
  'env destroy': ['failed[].vm', 'failed[].host', 'failed[].error'],
  'env undefine': ['failed[].vm', 'failed[].host', 'failed[].error'],
  'host add': [
    'discovered.cores',
    'discovered.memory_mib',
    'discovered.hypervisor',
    'discovered.hypervisor_version',
    'discovered.checked_at',
  ],
  'host rm': [
    'discovered.cores',
    'discovered.memory_mib',
    'discovered.hypervisor',
    'discovered.hypervisor_version',
    'discovered.checked_at',
    'agent.command',
    'agent.dir',
    'agent.store',
  ],
}

/** Every run's output per section, in order: the union must print every documented key. */
const seen = new Map<string, Map<string, Set<string>>>()

/** Sections documented as another's keys: `adapt` prints, a line per pass, what `adapt --once` prints. */
const SAME_AS: Record<string, string> = {adapt: 'adapt --once', 'plan show': 'plan'}

function record(section: string, json: unknown): void {
  assert.ok(doc.has(section), `docs/json.md has no section "## violin ${section}"`)
  const shape = doc.get(SAME_AS[section] ?? section)!
  const observed = keyPaths(json, shape)
  assert.deepEqual(undocumented(observed, shape), [], `violin ${section}: keys printed that docs/json.md does not give`)
  const all = seen.get(section) ?? new Map<string, Set<string>>()
  for (const [path, types] of observed) all.set(path, new Set([...(all.get(path) ?? []), ...types]))
  seen.set(section, all)
}

function json(r: CliResult, section: string, exitCode = 0): any {
  assert.equal(r.exitCode, exitCode, `violin ${section}: ${r.stderr}${r.stdout.slice(0, 400)}`)
  assert.ok(r.json !== undefined, `violin ${section}: not JSON: ${r.stdout.slice(0, 400)}`)
  record(section, r.json)
  return r.json
}

function jsonLines(r: CliResult, section: string, lines: number): any[] {
  assert.equal(r.exitCode, 0, r.stderr)
  const records = r.stdout.trim().split('\n')
  assert.equal(records.length, lines, r.stdout)
  const parsed = records.map((line) => JSON.parse(line))
  for (const p of parsed) record(section, p)
  return parsed
}

describe('--json shapes (docs/json.md)', function () {
  this.timeout(120_000)

  describe('on the simulated cluster (--connect sim:)', () => {
    const home = tempHome()
    after(() => home.remove())
    const run = (args: string[]) => violin([...args, ...sim, '--json'], home.env)

    it('list, dominfo, domstats, schedinfo, usage', async () => {
      json(await run(['list', '--all']), 'list')
      json(await run(['dominfo', 'db-1']), 'dominfo')
      json(await run(['dominfo', 'spare']), 'dominfo')
      json(await run(['domstats', 'db-1']), 'domstats')
      json(await run(['domstats', 'db-1', '--dirty-rate']), 'domstats')
      json(await run(['schedinfo', 'db-1']), 'schedinfo')
      const reading = json(await run(['usage']), 'usage')
      assert.match(reading.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    })

    it('usage --watch: one JSON object a line per reading, under --json and --format json alike', async () => {
      for (const flag of ['--json', '--format=json']) {
        const r = await violin(['usage', '--watch', '--count', '2', ...sim, flag], home.env)
        jsonLines(r, 'usage', 2)
      }
    })

    it('the single-VM verbs', async () => {
      json(await run(['start', 'spare']), 'start')
      json(await run(['suspend', 'db-1']), 'suspend')
      const paused = join(home.dir, 'paused.yaml')
      writeFileSync(
        paused,
        readFileSync(EXAMPLE, 'utf8').replace('{name: web-3, host: east1,', '{name: web-3, host: east1, state: paused,'),
      )
      json(await violin(['resume', 'web-3', '--connect', `sim:${paused}`, '--json'], home.env), 'resume')
      json(await run(['reboot', 'db-1']), 'reboot')
      json(await run(['autostart', 'db-1']), 'autostart')
      const xml = json(await run(['dumpxml', 'db-1']), 'dumpxml')
      assert.ok(xml.config.length > 0)
      json(await run(['shutdown', 'db-1', '--wait']), 'shutdown')
      json(await run(['shutdown', 'hpc-head']), 'shutdown')
      json(await run(['destroy', 'db-1']), 'destroy')
      json(await run(['undefine', 'spare']), 'undefine')
    })

    it('setmem, migrate, vacate, predict vacate', async () => {
      json(await run(['setmem', 'db-1', '9G']), 'setmem')
      json(await run(['migrate', 'db-1', 'east3', '--live', '--dry-run']), 'migrate')
      json(await run(['migrate', 'web-1', 'east2', '--live']), 'migrate')
      json(await run(['vacate', 'east3', '--dry-run']), 'vacate')
      json(await run(['vacate', 'west2', '--interval', '1']), 'vacate')
      json(await run(['vacate', 'east1', 'east2', 'east3', 'west1', 'west2', '--dry-run', '--interval', '1']), 'vacate', 1)
      json(await run(['predict', 'vacate', 'east3', '--interval', '1']), 'predict vacate')
      json(await run(['predict', 'vacate', 'east3', '--interval', '1', '--by', '2099-01-01T00:00:00Z']), 'predict vacate')
    })

    it('adapt in the foreground: one pass a line (JSON Lines) as each ends, shaped as adapt --once', async () => {
      const {execa} = await import('execa')
      const child = execa(process.execPath, [join(ROOT, 'bin', 'run.js'), 'adapt', '--interval', '1', '--dry-run', ...sim, '--json'], {
        reject: false,
        env: home.env,
      })
      let out = ''
      child.stdout!.on('data', (d: Buffer) => (out += String(d)))
      for (let i = 0; i < 100 && out.split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 100))
      child.kill('SIGINT')
      const done = await child
      assert.equal(done.exitCode, 0, String(done.stderr))
      const passes = String(done.stdout)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      assert.ok(passes.length >= 2, String(done.stdout))
      for (const p of passes) record('adapt', p)
      assert.ok(passes[1].time > passes[0].time, 'each pass with its own time')
    })

    it('adapt --once', async () => {
      json(await run(['adapt', '--once', '--dry-run', '--interval', '1']), 'adapt --once')
      const acted = json(await run(['adapt', '--once', '--interval', '1']), 'adapt --once')
      assert.ok(acted.outcomes.length > 0, 'the pass acted on the simulated cluster')
    })

    it('errors: the same envelope for a failure, a usage error and a flag oclif refuses, under --json and --format json', async () => {
      const failures: [string[], number][] = [
        [['dominfo', 'ghost', ...sim], 4],
        [['setmem', 'db-1', 'lots', ...sim], 2],
        [['list', '--bogus', ...sim], 2],
        [['usage', '--interval', '0', ...sim], 2],
        [['simulate', '/nonexistent.yaml'], 3],
        [['resume', 'db-1', ...sim], 1],
      ]
      for (const [args, code] of failures) {
        for (const flag of ['--json', '--format=json']) {
          if (flag !== '--json' && !['dominfo', 'usage', 'list', 'simulate'].includes(args[0]!)) continue
          const e = json(await violin([...args, flag], home.env), 'Errors', code)
          assert.equal(e.error.exit_code, code, args.join(' '))
        }
      }
    })
  })

  describe('commands of their own (no target)', () => {
    const home = tempHome()
    after(() => home.remove())

    it('predict migration (converging and not), simulate, adapt on a scenario', async () => {
      json(await violin(['predict', 'migration', '--memory', '1G', '--json'], home.env), 'predict migration')
      const stuck = json(
        await violin(['predict', 'migration', '--memory', '8G', '--dirty-rate', '150', '--bandwidth', '119', '--json'], home.env),
        'predict migration',
      )
      assert.equal(stuck.converges, false)
      // A VM that can never converge, in a vacate: its remedies.
      const storm = join(home.dir, 'storm.yaml')
      writeFileSync(
        storm,
        'hosts: [{name: h1, site: A, cores: 2, memory: 4GiB}, {name: h2, site: A, cores: 2, memory: 4GiB}]\nenvironments:\n  - name: e\n    vms: [{name: s, host: h1, phases: [{cpu: 0.5, dirty_rate: 900MiB/s, work: 1000}]}]\n',
      )
      const vacate = json(
        await violinProcess(['predict', 'vacate', 'h1', '--connect', `sim:${storm}`, '--json'], home.env),
        'predict vacate',
      )
      assert.equal(vacate.per_vm[0].converges, false)
      json(await violinProcess(['simulate', scenario('icac-2'), '--compare', 'none,violin', '--json'], home.env), 'simulate')
      json(await violinProcess(['adapt', '--connect', `sim:${scenario('icac-1')}`, '--json'], home.env), 'adapt (scenario)')
    })

    it('calibrate, --show and --export', async () => {
      const state = join(home.dir, 'state')
      const {mkdirSync} = await import('node:fs')
      mkdirSync(state, {recursive: true})
      const rows = [512, 1024, 2048, 4096].map((mib, i) =>
        JSON.stringify({
          at: `2026-11-30T10:0${i}:00.000Z`,
          vm: `v${i}`,
          from: 'e1',
          to: 'e2',
          mode: 'live',
          memory_mib: mib,
          used_mib: mib / 2 - 30,
          sent_mib: mib / 2,
          concurrent: 1,
          total_ms: 200 + mib,
          downtime_ms: 30,
          wall_ms: 2000 + mib,
        }),
      )
      writeFileSync(join(state, 'migrations.jsonl'), `${rows.join('\n')}\n`)
      json(await violin(['calibrate', '--json'], home.env), 'calibrate')
      json(await violin(['calibrate', '--show', '--json'], home.env), 'calibrate')
      json(await violin(['calibrate', '--export', join(home.dir, 'm.csv'), '--json'], home.env), 'calibrate --export')
    })
  })

  describe('on an inventory of simulated hosts', () => {
    const home = tempHome()
    after(() => home.remove())

    before(() => {
      const hosts = Object.fromEntries(
        ['east1', 'east2', 'west1', 'west2'].map((name) => [
          name,
          {name, site: name.slice(0, 4), transport: {kind: 'local'}, driver: 'sim', uri: EXAMPLE},
        ]),
      )
      const vm = (name: string, role: string, host: string) => ({
        name,
        role,
        host,
        mac: '52:54:00:00:00:01',
        vcpus: 2,
        memoryMiB: 2048,
        maxMemoryMiB: 4096,
      })
      const environments = {
        web: {
          name: 'web',
          headSite: 'east',
          createdAt: '2026-01-01T00:00:00Z',
          vms: [vm('web-head', 'head', 'east1'), vm('web-1', 'compute', 'east1')],
        },
      }
      writeFileSync(join(home.dir, 'inventory.json'), JSON.stringify({version: 1, hosts, vms: {}, environments}))
    })

    it('host add, list, drain, undrain, check, sync, rm; a host that fails is in list and usage', async () => {
      json(
        await violin(
          ['host', 'add', 'ghost', '--local', '--site', 'east', '--driver', 'sim', '--uri', '/nonexistent/cluster.yaml', '--json'],
          home.env,
        ),
        'host add',
      )
      json(
        await violin(
          ['host', 'add', 'remote', '--ssh', 'root@192.0.2.1:2222', '--site', 'far', '--driver', 'libvirt', '--agent-store', '--json'],
          home.env,
        ),
        'host add',
      )
      json(await violin(['host', 'check', 'east1', '--json'], home.env), 'host check')
      json(await violin(['host', 'list', '--json'], home.env), 'host list')
      json(await violin(['host', 'rm', 'remote', '--json'], home.env), 'host rm')
      json(await violin(['list', '--json'], home.env), 'list', 7)
      json(await violin(['usage', '--json'], home.env), 'usage', 7)
      json(await violin(['adapt', '--once', '--dry-run', '--interval', '1', '--json'], home.env), 'adapt --once', 7)
      json(await violin(['host', 'sync', '--json'], home.env), 'host sync', 7)
      json(await violin(['host', 'rm', 'ghost', '--json'], home.env), 'host rm')
      json(await violin(['host', 'drain', 'west2', '--json'], home.env), 'host drain')
      json(await violin(['host', 'undrain', 'west2', '--json'], home.env), 'host undrain')
      json(await violin(['host', 'sync', '--json'], home.env), 'host sync')
    })

    it('env create and define (--dry-run), list, info, migrate, shutdown, start, destroy, undefine', async () => {
      json(await violin(['env', 'create', 'lab', '--vms', '2', '--kernel', '/k', '--dry-run', '--json'], home.env), 'env create')
      const file = join(home.dir, 'lab.yaml')
      writeFileSync(file, 'name: lab2\nhead_site: west\ndefaults: {kernel: /k, vcpus: 1, memory: 512M}\nvms:\n  - {role: head}\n  - {}\n')
      json(await violin(['env', 'define', '--file', file, '--dry-run', '--json'], home.env), 'env define')
      json(await violin(['env', 'list', '--json'], home.env), 'env list')
      json(await violin(['env', 'info', 'web', '--json'], home.env), 'env info')
      json(await violin(['env', 'migrate', 'web', '--site', 'west', '--dry-run', '--json'], home.env), 'env migrate')
      json(await violin(['env', 'migrate', 'web', '--site', 'west', '--json'], home.env), 'env migrate')
      json(await violin(['env', 'shutdown', 'web', '--json'], home.env), 'env shutdown')
      json(await violin(['env', 'start', 'web', '--json'], home.env), 'env start')
      json(await violin(['env', 'destroy', 'web', '--json'], home.env), 'env destroy')
      json(await violin(['env', 'undefine', 'web', '--yes', '--json'], home.env), 'env undefine')
    })

    it('store status and copy', async () => {
      const env = {...home.env, VIOLIN_STORE: undefined}
      json(await violin(['store', 'status', '--json'], env), 'store status')
      json(await violin(['store', 'copy', '--to', `file://${join(home.dir, 'copy')}`, '--json'], env), 'store copy')
    })

    it('rule add (each kind), list, rm', async () => {
      // --force: env undefine above took the environment web, and its VMs, away
      const run = (args: string[]) => violin(['rule', ...args, '--json'], home.env)
      json(await run(['add', 'pin', 'web-head', '--site', 'east', '--force']), 'rule add pin')
      json(await run(['add', 'pin', 'web-1', '--host', 'east1', '--force']), 'rule add pin')
      json(await run(['add', 'exclude', 'web-1', 'web-head', '--force']), 'rule add exclude')
      json(await run(['add', 'anti-affinity', 'apart', 'web-1', 'db-9', '--force']), 'rule add anti-affinity')
      json(await run(['add', 'affinity', 'together', 'db-8', 'db-9', '--force']), 'rule add affinity')
      const rules = json(await run(['list']), 'rule list')
      assert.equal(rules.length, 6)
      json(await run(['rm', ...rules.map((r: {name: string}) => r.name)]), 'rule rm')
      assert.deepEqual((await run(['list'])).json, [])
    })

    it('plan (--save), plan show, plan apply (--dry-run, and a refused action)', async () => {
      const file = join(home.dir, 'plan.json')
      // A host that does not answer: the plan is made without it, and says so (exit 7).
      const ghost = ['ghost', '--local', '--site', 'east', '--driver', 'sim', '--uri', '/nonexistent/cluster.yaml']
      assert.equal((await violin(['host', 'add', ...ghost], home.env)).exitCode, 0)
      json(await violin(['plan', '--interval', '1', '--save', file, '--json'], home.env), 'plan', 7)
      json(await violin(['plan', 'show', file, '--json'], home.env), 'plan show')
      // One action whose VM is not where the plan says: refused.
      const saved = JSON.parse(readFileSync(file, 'utf8'))
      saved.actions.push({kind: 'migrate', vm: 'web-1', from: 'west2', to: 'east2', reason: 'by hand', predicted_ms: null})
      writeFileSync(file, JSON.stringify(saved))
      json(await violin(['plan', 'apply', file, '--dry-run', '--json'], home.env), 'plan apply', 7)
      assert.equal((await violin(['host', 'rm', 'ghost'], home.env)).exitCode, 0)
      json(await violin(['plan', 'apply', file, '--yes', '--json'], home.env), 'plan apply', 1)
    })
  })

  describe('docs/json.md', () => {
    it('has a section for every command, and every section but those that need the test bed is pinned above', () => {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
        commands: Record<string, {id: string; hidden?: boolean}>
      }
      const sections = [...doc.keys()].filter((s) => s !== 'Errors')
      for (const c of Object.values(manifest.commands).filter((c) => !c.hidden)) {
        const id = c.id.replaceAll(':', ' ')
        assert.ok(
          sections.some((s) => s === id || s.startsWith(`${id} `)),
          `docs/json.md has no section for violin ${id}`,
        )
      }
      for (const s of sections) if (!(s in NOT_RUN_HERE)) assert.ok(seen.has(s), `violin ${s}: documented, but no run above prints it`)
    })

    it('every documented key was printed by some run', () => {
      for (const [section, observed] of seen) {
        const elsewhere = new Set(PRINTED_ELSEWHERE[section] ?? [])
        const missing = [...doc.get(section)!.keys()].filter(
          (p) =>
            !elsewhere.has(p) && !observed.has(p) && ![...observed.keys()].some((o) => o.startsWith(`${p}.`) || o.startsWith(`${p}[]`)),
        )
        assert.deepEqual(missing, [], `violin ${section}: documented keys no run printed`)
      }
    })
  })
})
