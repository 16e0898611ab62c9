#!/usr/bin/env node
/**
 * Builds dist/ with esbuild: every command (dist/commands/...), the help class, the hooks
 * and the package's entry (dist/index.js, which bin/run.js imports) as ES modules that
 * share chunks (dist/chunks/). @oclif/core and the libraries on the way to a command are
 * bundled in: Node then reads a few files instead of a few hundred, which is most of
 * violin's start-up. A command still loads only its own code; what src/ imports lazily
 * (`await import(...)`) stays a chunk of its own, loaded when first used.
 * Run by `npm run build` after tsc (which type-checks and writes the .d.ts files).
 */
import {readdirSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')

/**
 * Left in node_modules: ssh2 and etcd3 load files of their own at run time (ssh2 its
 * optional native bindings, etcd3 the .proto files of its gRPC API) and are imported only
 * by the commands that reach a host over SSH or an etcd store; @oclif/core asks for
 * typescript and ts-node only to run a plugin's TypeScript source, which violin's users never
 * do (both are devDependencies: in an installed violin the require fails, as oclif expects).
 */
const EXTERNAL = ['ssh2', 'etcd3', 'typescript', 'ts-node']

function tsFiles(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return tsFiles(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/** What oclif loads by path (package.json "main" and "oclif") and what bin/run.js imports: each stays a file of its own. */
const entryPoints = [join(SRC, 'index.ts'), join(SRC, 'version.ts'), join(SRC, 'help.ts'), ...tsFiles(join(SRC, 'hooks')), ...tsFiles(join(SRC, 'commands'))]

const result = await build({
  entryPoints,
  outbase: SRC,
  outdir: join(ROOT, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  // ViolinError names each error by its class (new.target.name), which --json prints:
  // a bundler that renamed two classes of the same name would change that name.
  keepNames: true,
  sourcemap: 'linked',
  // The CommonJS libraries bundled in (@oclif/core among them) call require() for Node's
  // own modules and for files found at run time; an ES module has none of its own.
  banner: {js: "import {createRequire as __violinCreateRequire} from 'node:module';\nconst require = __violinCreateRequire(import.meta.url);"},
  logLevel: 'warning',
  metafile: true,
})

const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))
console.log(`bundle: ${entryPoints.length} entry points, ${outputs.length} files in ${relative(ROOT, join(ROOT, 'dist'))}/`)
