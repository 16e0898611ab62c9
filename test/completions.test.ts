import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {EXAMPLE, ROOT} from './helpers/cli.js'
import {requireIntegration} from './helpers/integration.js'
import {virshUnavailable} from './helpers/virsh.js'

// TAB in real shells on the generated scripts (completions/), with names from a temp
// inventory through the built CLI: needs `npm run build` first.

const BASH = join(ROOT, 'completions', 'bash', 'violin')
const ZSH_DIR = join(ROOT, 'completions', 'zsh')
const FISH = join(ROOT, 'completions', 'fish', 'violin.fish')

/** Hosts h1 (east) and h2 (west), environment lab (lab-head, lab-1), web9 as host sync --write records it, two rules. */
const INVENTORY = {
  version: 1,
  hosts: {
    h1: {name: 'h1', site: 'east', transport: {kind: 'local'}, driver: 'libvirt'},
    h2: {name: 'h2', site: 'west', transport: {kind: 'local'}, driver: 'libvirt'},
  },
  vms: {web9: {host: 'h2'}},
  rules: {
    'lab-apart': {kind: 'anti-affinity', name: 'lab-apart', vms: ['lab-head', 'lab-1']},
    'pin-web9': {kind: 'pin', name: 'pin-web9', vm: 'web9', site: 'west'},
  },
  environments: {
    lab: {
      name: 'lab',
      headSite: 'east',
      createdAt: '2026-01-01T00:00:00.000Z',
      vms: [
        {name: 'lab-head', role: 'head', host: 'h1', mac: '52:54:00:00:00:01', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 256},
        {name: 'lab-1', role: 'compute', host: 'h2', mac: '52:54:00:00:00:02', vcpus: 1, memoryMiB: 256, maxMemoryMiB: 256},
      ],
    },
  },
}

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0
}

interface Fixture {
  dir: string
  /** Where the shells run: a directory holding two files, so that file names offered show. */
  cwd: string
  env: NodeJS.ProcessEnv
  /** How many times the shells ran violin. */
  calls(): number
}

/** A temp VIOLIN_HOME with INVENTORY, and `violin` on PATH: the built CLI, counting its runs. */
function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'violin-complete-'))
  const home = join(dir, 'home')
  const bin = join(dir, 'bin')
  const cwd = join(dir, 'work')
  for (const d of [home, bin, cwd]) mkdirSync(d)
  writeFileSync(join(home, 'inventory.json'), JSON.stringify(INVENTORY))
  writeFileSync(join(cwd, 'cluster.yaml'), 'hosts: []\n')
  writeFileSync(join(cwd, 'notes.txt'), '')
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {bin: {violin: string}}
  const log = join(dir, 'calls')
  writeFileSync(join(bin, 'violin'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${process.execPath}' '${join(ROOT, pkg.bin.violin)}' "$@"\n`)
  chmodSync(join(bin, 'violin'), 0o755)
  // LC_ALL=C: sort(1) orders the offers as violin does
  const env: NodeJS.ProcessEnv = {...process.env, PATH: `${bin}:${process.env.PATH}`, VIOLIN_HOME: home, HOME: dir, LC_ALL: 'C'}
  for (const name of ['VIOLIN_CONNECT', 'VIOLIN_STORE', 'VIOLIN_STATE_DIR', 'XDG_CONFIG_HOME']) delete env[name]
  return {
    dir,
    cwd,
    env,
    calls() {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean).length
      } catch {
        return 0
      }
    },
  }
}

function run(file: string, args: string[], f: Fixture, extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(file, args, {cwd: f.cwd, encoding: 'utf8', env: {...f.env, ...extraEnv}, timeout: 30_000})
}

/** What bash offers at the end of `line` (the last word, possibly empty, is the one completed); more lines run in the same shell. */
function bashOffers(f: Fixture, ...lines: string[]): string[][] {
  const program = [
    `source '${BASH}'`,
    'tab() { read -ra COMP_WORDS <<< "$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$1; COMP_POINT=${#1}; _violin; printf "%s\\n" "${COMPREPLY[@]}" | sort; echo "--"; }',
    ...lines.map((l) => `tab '${l}'`),
  ].join('\n')
  const r = run('bash', ['--norc', '--noprofile', '-c', program], f)
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stderr, '', 'the completion writes nothing on stderr')
  return r.stdout
    .split('--\n')
    .slice(0, -1)
    .map((block) => block.split('\n').filter(Boolean))
}

/**
 * zsh at an interactive prompt on a pseudo-terminal (zsh/zpty): `line`, then TAB. compadd
 * is wrapped to write every match it adds to a file, so the offers are read as words.
 */
function zshOffers(f: Fixture, line: string): string[] {
  const out = join(f.dir, 'zsh-offers')
  rmSync(out, {force: true})
  rmSync(`${out}.done`, {force: true})
  const setup = join(f.dir, 'zsh-setup.zsh')
  writeFileSync(
    setup,
    [
      `fpath=('${ZSH_DIR}' $fpath)`,
      'autoload -Uz compinit && compinit -u -D',
      // matches only: compadd calls that just ask (-O, -A, -D) are left alone
      'compadd() {',
      '  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi',
      '  local -a __hits',
      '  builtin compadd -O __hits "$@"',
      `  (( $#__hits )) && print -rl -- $__hits >> '${out}'`,
      '  builtin compadd "$@"',
      '}',
      `_capture_tab() { _main_complete; print done > '${out}.done' }`,
      'zle -C capture-tab complete-word _capture_tab',
      "bindkey '^I' capture-tab",
      "PS1='' RPS1=''",
    ].join('\n'),
  )
  const driver = [
    'zmodload zsh/zpty || exit 3',
    'zpty z zsh -f -i',
    `zpty -w z "source '${setup}'"`,
    `zpty -w -n z ${shellQuote(line)}$'\\t'`,
    'integer i',
    `for ((i = 0; i < 300; i++)); do [[ -e '${out}.done' ]] && break; zpty -rt z junk 2>/dev/null; sleep 0.05; done`,
    'zpty -d z',
    `[[ -e '${out}.done' ]] || { echo "zsh did not complete in 15 s" >&2; exit 4 }`,
  ].join('\n')
  const r = run('zsh', ['-f', '-c', driver], f)
  assert.equal(r.status, 0, r.stderr)
  let text = ''
  try {
    text = readFileSync(out, 'utf8')
  } catch {}
  return [...new Set(text.split('\n').filter(Boolean))].sort()
}

/** What fish offers at the end of `line` (complete -C: the words, without descriptions). */
function fishOffers(f: Fixture, line: string): string[] {
  const r = run('fish', ['--no-config', '-c', `source '${FISH}'; complete -C ${shellQuote(line)}`], f)
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stderr, '', 'the completion writes nothing on stderr')
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!)
    .sort()
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** What a user sees at TAB, the same in every shell. */
const CASES: Array<[line: string, offered: string[], why: string]> = [
  ['violin dominfo -H ', ['h1', 'h2'], 'hosts of the inventory'],
  ['violin env info ', ['lab'], 'environments'],
  ['violin list --site ', ['east', 'west'], 'sites'],
  ['violin list --format ', ['csv', 'json', 'table', 'yaml'], "--format's choices"],
  ['violin dominfo ', ['lab-1', 'lab-head', 'web9'], "VMs the inventory knows (environments', host sync's)"],
  ['violin migrate lab-1 ', ['h1', 'h2'], "migrate's destination is a host"],
  ['violin host rm ', ['h1', 'h2'], 'host rm takes a host'],
  ['violin agent --data-port ', [], 'a port: no file names'],
  ['violin setmem lab-1 ', [], 'a size: no file names'],
  ['violin host add ', [], 'a new host name: nothing to offer'],
  ['violin rule rm ', ['lab-apart', 'pin-web9'], 'rule rm takes rules'],
  ['violin rule add pin web9 --host ', ['h1', 'h2'], 'a pin to a host'],
  ['violin rule add exclude lab-1 ', ['lab-1', 'lab-head', 'web9'], 'exclude takes VMs, as many as given'],
  ['violin rule add affinity ', [], "a new rule's name: nothing to offer"],
  ['violin rule add affinity both ', ['lab-1', 'lab-head', 'web9'], '...then VMs'],
  ['violin env define --file ', ['cluster.yaml', 'notes.txt'], 'a file flag offers the files'],
  ['violin image push ', ['cluster.yaml', 'notes.txt'], 'image push takes a file first'],
  ['violin image push notes.txt h1 ', ['h1', 'h2'], '...then hosts, as many as given'],
]

describe('shell completion (completions/): names from the inventory, values by what each flag takes', function () {
  this.timeout(120_000)
  let f: Fixture
  before(() => {
    f = fixture()
  })
  after(() => rmSync(f.dir, {recursive: true, force: true}))

  describe('bash', () => {
    it('offers hosts, sites, environments, VMs and flag choices; files only for file flags', () => {
      const offers = bashOffers(f, ...CASES.map(([line]) => line))
      for (const [i, [line, offered, why]] of CASES.entries()) assert.deepEqual(offers[i], offered, `${line}<TAB>: ${why}`)
    })

    it('completes a flag value given with =, and a prefix', () => {
      // bash splits --site=e into --site, =, e
      const [site, host] = bashOffers(f, 'violin list --site = e', 'violin dominfo lab-1 --host h')
      assert.deepEqual(site, ['east'])
      assert.deepEqual(host, ['h1', 'h2'])
    })

    it('asks violin once for repeated TABs (the names are kept 5 seconds)', () => {
      const before = f.calls()
      const offers = bashOffers(f, 'violin dominfo -H ', 'violin dominfo -H h', 'violin list --site ')
      assert.deepEqual(offers, [
        ['h1', 'h2'],
        ['h1', 'h2'],
        ['east', 'west'],
      ])
      assert.equal(f.calls() - before, 2, 'one run for the hosts, one for the sites')
    })

    it('takes the names of a --connect sim: target typed on the line', () => {
      // bash splits sim:FILE at ':' into three words
      const [vms, sites] = bashOffers(f, `violin dominfo --connect sim : ${EXAMPLE} web-`, `violin list --connect sim : ${EXAMPLE} --site `)
      assert.deepEqual(vms, ['web-1', 'web-2', 'web-3', 'web-head'])
      assert.deepEqual(sites, ['east', 'west'])
    })
  })

  describe('zsh', () => {
    before(function () {
      requireIntegration(this, 'zsh completion', () => (has('zsh') ? undefined : 'zsh is not installed (apt-get install zsh)'))
    })

    for (const [line, offered, why] of CASES) {
      it(`${line}<TAB> offers ${offered.length ? offered.join(' ') : 'nothing'} (${why})`, () => {
        assert.deepEqual(zshOffers(f, line), offered)
      })
    }
  })

  describe('fish', () => {
    before(function () {
      requireIntegration(this, 'fish completion', () => (has('fish') ? undefined : 'fish is not installed (apt-get install fish)'))
    })

    it('is a script fish can parse', () => {
      const r = run('fish', ['--no-execute', FISH], f)
      assert.equal(r.status, 0, r.stderr)
    })

    for (const [line, offered, why] of CASES) {
      it(`${line}<TAB> offers ${offered.length ? offered.join(' ') : 'nothing'} (${why})`, () => {
        assert.deepEqual(fishOffers(f, line), offered)
      })
    }
  })

  describe('VM names a listing found', () => {
    before(function () {
      requireIntegration(this, 'libvirt (test driver)', virshUnavailable)
    })

    it('offers the VMs of a host after `violin list` asked it, and before, none of them', () => {
      // libvirt's test driver: a host whose hypervisor has one VM, "test"
      const home = join(f.dir, 'listed')
      mkdirSync(home)
      writeFileSync(
        join(home, 'inventory.json'),
        JSON.stringify({
          version: 1,
          hosts: {lv: {name: 'lv', site: 's', transport: {kind: 'local'}, driver: 'libvirt', uri: 'test:///default'}},
        }),
      )
      const env = {VIOLIN_HOME: home}
      assert.deepEqual(bashOffers({...f, env: {...f.env, ...env}}, 'violin dominfo '), [[]])
      const list = run(process.execPath, [join(ROOT, 'bin', 'run.js'), 'list', '--all', '--name'], f, env)
      assert.equal(list.status, 0, list.stderr)
      assert.equal(list.stdout, 'test\n')
      assert.deepEqual(bashOffers({...f, env: {...f.env, ...env}}, 'violin dominfo ', 'violin start t'), [['test'], ['test']])
      assert.deepEqual(JSON.parse(readFileSync(join(home, 'state', 'vm-names.json'), 'utf8')), {version: 1, hosts: {lv: ['test']}})
    })
  })

  describe('violin __complete', () => {
    it('prints the names of a kind, one a line, and nothing else', () => {
      const r = run(process.execPath, [join(ROOT, 'bin', 'run.js'), '__complete', 'vm'], f)
      assert.equal(r.status, 0)
      assert.equal(r.stdout, 'lab-1\nlab-head\nweb9\n')
      assert.equal(r.stderr, '')
    })

    it('prints nothing and exits 0 on a broken inventory, a broken store URL or an unknown kind', () => {
      const broken = join(f.dir, 'broken')
      mkdirSync(broken, {recursive: true})
      writeFileSync(join(broken, 'inventory.json'), '{"hosts": {"h1": ')
      for (const [args, env] of [
        [['__complete', 'host'], {VIOLIN_HOME: broken}],
        [['__complete', 'host'], {VIOLIN_STORE: 'nonsense://x'}],
        [['__complete', 'vm', 'sim:/nonexistent.yaml'], {}],
        [['__complete', 'colour'], {}],
        [['__complete'], {}],
      ] as const) {
        const r = run(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], f, env)
        assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', ''], `${args.join(' ')} with ${JSON.stringify(env)}`)
      }
    })

    it('gives up on an etcd store that does not answer in well under the 10 s a command waits, printing nothing', () => {
      // port 1 of loopback: nothing listens, the client retries until its deadline
      const started = Date.now()
      const r = run(process.execPath, [join(ROOT, 'bin', 'run.js'), '__complete', 'vm'], f, {VIOLIN_STORE: 'etcd://127.0.0.1:1/violin'})
      assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', ''])
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
    })
  })
})
