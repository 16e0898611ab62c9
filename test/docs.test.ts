import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {ExitCode} from '../src/errors.js'
import {requireIntegration} from './helpers/integration.js'
import {maxParallel} from '../src/services/fanout.js'
import {DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS} from '../src/transport/transport.js'
import {DEFAULT_STORE_TIMEOUT_MS} from '../src/store/open.js'
import * as docs from '../scripts/gen-docs/tables.js'

// Needs `npm run build` first: the manifest, man/ and completions/ it writes.

const root = fileURLToPath(new URL('..', import.meta.url))
const script = join(root, 'scripts', 'gen-docs', 'index.ts')
/** The generator is TypeScript: node runs it through tsx, as `npm run build` does. */
const genDocs = (...args: string[]) => run(process.execPath, ['--import', 'tsx', script, ...args])

interface Manifest {
  commands: Record<string, {id: string; hidden?: boolean; flags: Record<string, {name: string; hidden?: boolean}>}>
}

const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest
const commands = Object.values(manifest.commands).filter((c) => !c.hidden)
const pageOf = (id: string) => join(root, 'man', `violin-${id.replaceAll(':', '-')}.1`)

function run(file: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(file, args, {cwd: root, encoding: 'utf8', env: {...process.env, ...env}})
}

function has(program: string): boolean {
  return run('sh', ['-c', `command -v ${program}`]).status === 0
}

/** A page as man prints it at 80 columns, plain text; stderr carries roff warnings. */
function renderMan(page: string): {text: string; warnings: string} {
  const r = has('man')
    ? run('man', ['--warnings', '-l', '-P', 'cat', page], {MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat'})
    : has('groff')
      ? run('sh', ['-c', 'groff -man -Tutf8 -ww "$1" | col -bx', 'sh', page])
      : run('mandoc', ['-Tutf8', '-Wwarning', page])
  assert.equal(r.status, 0, `rendering ${page} failed: ${r.stderr}`)
  // drop overstrike (bold, underline) in case the pager keeps it
  return {text: r.stdout.replaceAll(/.\x08/g, ''), warnings: r.stderr.trim()}
}

/** COMPREPLY of violin's bash completion for the words of a command line, cursor on the last. */
function complete(...words: string[]): string[] {
  const program = [
    'source completions/bash/violin',
    'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}',
    '_violin',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n')
  const r = run('bash', ['--norc', '--noprofile', '-c', program, 'bash', ...words])
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stderr, '', 'the completion function writes nothing on stderr')
  return r.stdout.split('\n').filter(Boolean)
}

describe('generated docs: man pages and completions', () => {
  describe('staleness', () => {
    it('has committed man/ and completions/ that match what the manifest generates', function () {
      const r = genDocs('--check')
      assert.equal(r.status, 0, `${r.stderr}\n(run npm run build and commit man/ and completions/)`)
      // The build has just rewritten both folders from the manifest: what git has committed
      // must be the same bytes, or the committed pages and completions are stale. Only a git
      // checkout knows what was committed: elsewhere this cannot be checked, and says so.
      requireIntegration(this, 'committed docs', () =>
        run('git', ['-C', root, 'rev-parse', '--is-inside-work-tree']).status === 0 ? undefined : `${root} is not a git checkout`,
      )
      const changed = run('git', ['-C', root, 'status', '--porcelain', '--', 'man', 'completions']).stdout.trim()
      assert.equal(changed, '', `man/ or completions/ differ from what is committed:\n${changed}\n(commit what npm run build wrote)`)
    })

    it('--check names a changed, a missing and a leftover file, and exits 1', () => {
      const dir = mkdtempSync(join(tmpdir(), 'violin-docs-'))
      try {
        cpSync(join(root, 'man'), join(dir, 'man'), {recursive: true})
        cpSync(join(root, 'completions'), join(dir, 'completions'), {recursive: true})
        appendFileSync(join(dir, 'man', 'violin-list.1'), '.\\" edited by hand\n')
        unlinkSync(join(dir, 'completions', 'bash', 'violin'))
        writeFileSync(join(dir, 'man', 'violin-gone.1'), '')
        const r = genDocs('--check', '--dir', dir)
        assert.equal(r.status, 1)
        assert.match(r.stderr, /man\/violin-list\.1 \(differs\)/)
        assert.match(r.stderr, /completions\/bash\/violin \(missing\)/)
        assert.match(r.stderr, /man\/violin-gone\.1 \(not generated any more\)/)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })

    it('writes no build date, temp dir or absolute path into the files', () => {
      for (const file of ['man/violin.1', 'completions/bash/violin', 'completions/zsh/_violin', 'completions/fish/violin.fish']) {
        const text = readFileSync(join(root, file), 'utf8')
        assert.ok(!text.includes(root.replace(/\/$/, '')), `${file} names the checkout`)
        assert.ok(!/\/tmp\/|autocomplete\/functions/.test(text), `${file} names a temp or cache path`)
      }
      assert.match(readFileSync(join(root, 'man', 'violin.1'), 'utf8'), /^\.TH "VIOLIN" "1" "" "violin \d+\.\d+\.\d+/)
    })
  })

  describe('man pages', () => {
    it('renders violin(1) with EXIT STATUS, FILES and ENVIRONMENT, without roff warnings', () => {
      const {text, warnings} = renderMan(join(root, 'man', 'violin.1'))
      assert.equal(warnings, '')
      for (const section of [
        'NAME',
        'SYNOPSIS',
        'DESCRIPTION',
        'COMMANDS',
        'GLOBAL OPTIONS',
        'EXIT STATUS',
        'FILES',
        'ENVIRONMENT',
        'SEE ALSO',
      ]) {
        assert.match(text, new RegExp(`^${section}$`, 'm'), `violin(1) has no ${section} section`)
      }
      for (const words of [
        '--connect',
        '--quiet',
        '--accept-new-host-key',
        '--json',
        'inventory.json',
        'known_hosts',
        'VIOLIN_MAX_PARALLEL',
        'virsh(1)',
        'xl(1)',
      ]) {
        assert.ok(text.includes(words), `violin(1) does not mention ${words}`)
      }
    })

    it('lists every exit status of src/errors.ts in violin(1)', () => {
      const {text} = renderMan(join(root, 'man', 'violin.1'))
      const section = text.slice(text.indexOf('\nEXIT STATUS\n'), text.indexOf('\nFILES\n'))
      for (const code of Object.values(ExitCode)) assert.match(section, new RegExp(`^\\s*\\S ${code}: \\S`, 'm'), `exit status ${code}`)
    })

    it('has a page for every command of the manifest, named like git: violin-host-add.1', () => {
      assert.ok(commands.length > 0)
      assert.ok(commands.some((c) => c.id === 'host:add'))
      for (const c of commands) assert.ok(existsSync(pageOf(c.id)), `no man page for ${c.id}`)
      assert.ok(existsSync(join(root, 'man', 'violin-host-add.1')))
    })

    it("shows each command's flags, the global ones included, with examples expanded", () => {
      for (const c of commands) {
        const {text, warnings} = renderMan(pageOf(c.id))
        assert.equal(warnings, '', c.id)
        for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'SEE ALSO'])
          assert.match(text, new RegExp(`^${section}$`, 'm'), `${c.id}: ${section}`)
        for (const f of Object.values(c.flags).filter((f) => !f.hidden)) assert.ok(text.includes(`--${f.name}`), `${c.id}: --${f.name}`)
        assert.ok(!text.includes('<%'), `${c.id}: unexpanded template`)
        assert.ok(text.includes(`violin ${c.id.replaceAll(':', ' ')}`), `${c.id}: its own name`)
        assert.ok(text.includes('violin(1)'), `${c.id}: SEE ALSO violin(1)`)
      }
    })
  })

  describe('bash completion', () => {
    it('completes a topic command: violin host a -> add', () => {
      assert.deepEqual(complete('violin', 'host', 'a'), ['add'])
    })

    it("completes top-level commands and topics, and a topic's commands", () => {
      const top = complete('violin', '')
      for (const word of ['list', 'host', 'usage', 'help']) assert.ok(top.includes(word), word)
      assert.ok(!top.includes('autocomplete'), 'dev plugins are not installed with violin')
      assert.deepEqual(complete('violin', 'host', ''), ['add', 'check', 'drain', 'list', 'rm', 'sync', 'undrain'])
    })

    it('completes a flag after an argument: violin setmem web1 --li -> --live', () => {
      assert.deepEqual(complete('violin', 'setmem', 'web1', '--li'), ['--live'])
    })

    it("completes a flag's values, also after --flag=", () => {
      assert.deepEqual(complete('violin', 'list', '--format', ''), ['table', 'csv', 'json', 'yaml'])
      assert.deepEqual(complete('violin', 'list', '--format', '=', 'c'), ['csv'])
      assert.deepEqual(complete('violin', 'host', 'add', 'e1', '--driver', 'x'), ['xl'])
    })
  })

  describe('zsh completion', () => {
    it('is a #compdef function that zsh can parse', function () {
      const file = join(root, 'completions', 'zsh', '_violin')
      assert.match(readFileSync(file, 'utf8'), /^#compdef violin\n/)
      requireIntegration(this, 'zsh', () => (has('zsh') ? undefined : 'zsh is not installed (apt-get install zsh)'))
      const r = run('zsh', ['-n', file])
      assert.equal(r.status, 0, r.stderr)
    })
  })

  describe('the tables the docs print', () => {
    it('has the exit codes of src/errors.ts, no more, no fewer', () => {
      assert.deepEqual(Object.fromEntries(docs.EXIT_STATUS.map((s) => [s.key, s.code])), {...ExitCode})
    })

    it("has README's For virsh users table, row for row", () => {
      const readme = readFileSync(join(root, 'README.md'), 'utf8')
      const section = readme.slice(readme.indexOf('## For virsh users'), readme.indexOf('## How violin talks to hosts'))
      const rows = section.split('\n').filter((l) => l.startsWith('| `virsh '))
      assert.deepEqual(
        rows,
        docs.VIRSH_VERBS.map(([virsh, ours, difference]) => `| \`virsh ${virsh}\` | \`violin ${ours}\` | ${difference} |`),
      )
    })

    it('has the defaults that src/ uses', () => {
      assert.equal(docs.DEFAULTS.connectTimeoutSec * 1000, DEFAULT_CONNECT_TIMEOUT_MS)
      assert.equal(docs.DEFAULTS.commandTimeoutSec * 1000, DEFAULT_COMMAND_TIMEOUT_MS)
      assert.equal(docs.DEFAULTS.storeTimeoutSec * 1000, DEFAULT_STORE_TIMEOUT_MS)
      const saved = process.env.VIOLIN_MAX_PARALLEL
      delete process.env.VIOLIN_MAX_PARALLEL
      try {
        assert.equal(docs.DEFAULTS.maxParallel, maxParallel())
      } finally {
        if (saved !== undefined) process.env.VIOLIN_MAX_PARALLEL = saved
      }
    })
  })
})
