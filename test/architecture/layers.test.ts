import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * The layering docs/ARCHITECTURE.md promises, checked on the imports of every file in src/
 * (the import cycles themselves are Biome's noImportCycles, run by `npm run lint`).
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** Every import of a file: a path under src/ ("policy/violin.ts") or a package name ("@oclif/core"). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  )
  return specifiers.map((s) => (s.startsWith('.') ? relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts') : s))
}

const FILES = sources(SRC).map((f) => ({path: relative(SRC, f), imports: importsOf(f)}))
const under = (folder: string) => FILES.filter((f) => f.path.startsWith(`${folder}/`))

/** "policy/idc.ts imports services/session.ts" for each import of `files` that `forbidden` matches. */
function breaches(files: typeof FILES, forbidden: (imported: string) => boolean): string[] {
  return files.flatMap((f) => f.imports.filter(forbidden).map((i) => `${f.path} imports ${i}`))
}

const IO = ['transport/', 'hypervisor/', 'services/', 'store/', 'mesh/', 'agent/', 'monitor/poll', 'commands/', 'render/']

describe('the layers of docs/ARCHITECTURE.md hold', () => {
  it('finds the sources and their imports (the checks below are not vacuous)', () => {
    assert.ok(FILES.length > 100, `${FILES.length} files`)
    assert.ok(FILES.find((f) => f.path === 'policy/idc.ts')?.imports.some((i) => i.startsWith('policy/')))
  })

  it('policies are pure: no transport, driver, service, store, mesh, command or rendering', () => {
    assert.deepEqual(
      breaches(under('policy'), (i) => IO.some((p) => i.startsWith(p)) || i.startsWith('node:')),
      [],
    )
  })

  it('prediction models are pure; only the calibration store reads the store', () => {
    const models = under('predict').filter((f) => f.path !== 'predict/calibration-store.ts')
    assert.deepEqual(
      breaches(models, (i) => IO.some((p) => i.startsWith(p))),
      [],
    )
  })

  it('nothing below the commands imports a command or oclif', () => {
    const core = FILES.filter(
      (f) =>
        !f.path.startsWith('commands/') &&
        !f.path.startsWith('completion/') &&
        !['base-command.ts', 'env-command.ts', 'flags.ts', 'help.ts', 'index.ts', 'hooks/command-not-found.ts'].includes(f.path),
    )
    assert.deepEqual(
      breaches(core, (i) => i.startsWith('commands/') || i === 'base-command.ts' || i === 'env-command.ts' || i.startsWith('@oclif/')),
      [],
    )
  })

  it('the agent and the switch daemon run on hosts: no oclif, commands, services or rendering', () => {
    assert.deepEqual(
      breaches(
        [...under('agent'), ...under('mesh')],
        (i) => i.startsWith('@oclif/') || i.startsWith('commands/') || i.startsWith('services/') || i.startsWith('render/'),
      ),
      [],
    )
  })

  it('transport knows nothing above it', () => {
    assert.deepEqual(
      breaches(under('transport'), (i) =>
        ['hypervisor/', 'services/', 'adapt/', 'policy/', 'commands/', 'render/', 'monitor/', 'mesh/'].some((p) => i.startsWith(p)),
      ),
      [],
    )
  })

  it('drivers know transport and nothing above them', () => {
    assert.deepEqual(
      breaches(under('hypervisor'), (i) => ['services/', 'adapt/', 'policy/', 'commands/', 'render/'].some((p) => i.startsWith(p))),
      [],
    )
  })

  it('only commands and render write tables and spinners: no core module imports render', () => {
    const core = FILES.filter(
      (f) =>
        !f.path.startsWith('commands/') &&
        !f.path.startsWith('render/') &&
        !['base-command.ts', 'env-command.ts', 'flags.ts', 'help.ts'].includes(f.path),
    )
    assert.deepEqual(
      breaches(core, (i) => i.startsWith('render/') || i === 'cli-table3' || i === 'ora'),
      [],
    )
  })

  it("terminal-kit is loaded by violin top's screen alone, and lazily (start-up never pays for it)", () => {
    const users = FILES.filter((f) => f.imports.includes('terminal-kit')).map((f) => f.path)
    assert.deepEqual(users, ['render/top-screen.ts'])
    const text = readFileSync(join(SRC, 'render/top-screen.ts'), 'utf8')
    assert.match(text, /await import\('terminal-kit'\)/)
    assert.doesNotMatch(text, /^import (?!type )[^\n]*'terminal-kit'/m)
  })
})
