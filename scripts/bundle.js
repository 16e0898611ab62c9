#!/usr/bin/env node
/**
 * Builds dist/ with esbuild:
 * - dist/violin.cjs: the whole CLI in one CommonJS file. It exports oclif's execute and run,
 *   every command (COMMANDS, oclif's "explicit" command discovery), the help class (Help)
 *   and the hooks, as package.json's "oclif" section names them. @oclif/core and the
 *   libraries the commands use are bundled in; what src/ imports lazily (`await import(...)`)
 *   is still evaluated only when first used.
 * - dist/version.js: what `violin --version` needs, and nothing of oclif.
 * One CommonJS file is what start-up wants on the Node violin supports (20): bin/run.js
 * loads it with V8's code cache (bin/code-cache.js), which Node 20 offers to scripts only,
 * and Node reads one file instead of a few hundred.
 * Run by `npm run build` after tsc (which type-checks and writes the .d.ts files).
 */
import {readdirSync} from 'node:fs'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')
const DIST = join(ROOT, 'dist')

/**
 * Left in node_modules: ssh2, etcd3 and terminal-kit load files of their own at run time
 * (ssh2 its optional native bindings, etcd3 the .proto files of its gRPC API, terminal-kit
 * its parts and terminal descriptions by computed paths) and are imported only by the
 * commands that need them (a host over SSH, an etcd store, `violin top`); @oclif/core asks for
 * typescript and ts-node only to run a plugin's TypeScript source, which violin's users never
 * do (both are devDependencies: in an installed violin the require fails, as oclif expects).
 */
const EXTERNAL = ['ssh2', 'etcd3', 'terminal-kit', 'typescript', 'ts-node']

function tsFiles(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return tsFiles(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/** oclif's id of a command file: commands/env/create.ts is env:create, commands/agent/index.ts is agent. */
function commandId(file) {
  return relative(join(SRC, 'commands'), file)
    .replace(/\.ts$/, '')
    .split(sep)
    .filter((part, i, all) => !(part === 'index' && i === all.length - 1))
    .join(':')
}

const commands = tsFiles(join(SRC, 'commands')).sort()
const importPath = (file) => `./${relative(SRC, file).split(sep).join('/')}`
const entry = [
  `export {execute, run} from './index.ts'`,
  `export {default as Help} from './help.ts'`,
  `export {default as commandNotFound} from './hooks/command-not-found.ts'`,
  ...commands.map((file, i) => `import C${i} from '${importPath(file)}'`),
  `export const COMMANDS = {${commands.map((file, i) => `${JSON.stringify(commandId(file))}: C${i}`).join(', ')}}`,
].join('\n')

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // ViolinError names each error by its class (new.target.name), which --json prints:
  // a bundler that renamed two classes of the same name would change that name.
  keepNames: true,
  sourcemap: 'linked',
  logLevel: 'warning',
}

await build({
  ...common,
  stdin: {contents: entry, resolveDir: SRC, sourcefile: 'violin-cli.ts', loader: 'ts'},
  outfile: join(DIST, 'violin.cjs'),
  format: 'cjs',
  // import() becomes require(): Node 20 loses a script's import() callback when the script
  // comes from V8's code cache (bin/code-cache.js), and every module import()ed here is
  // CommonJS or bundled (violin loads no ES module plugin: its help command is its own).
  supported: {'dynamic-import': false},
  // src/ is ES modules: the one import.meta it reads is the file's own URL (to require a
  // CommonJS package from it), which in one bundle is the bundle's.
  define: {'import.meta.url': '__violinFileUrl'},
  banner: {js: "const __violinFileUrl = require('node:url').pathToFileURL(__filename).href;"},
})

await build({
  ...common,
  entryPoints: [join(SRC, 'version.ts')],
  outfile: join(DIST, 'version.js'),
  format: 'esm',
})

console.log(
  `bundle: ${commands.length} commands in ${relative(ROOT, join(DIST, 'violin.cjs'))}, --version in ${relative(ROOT, join(DIST, 'version.js'))}`,
)
