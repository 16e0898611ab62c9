// Loads violin's one CommonJS file (dist/violin.cjs, scripts/bundle.js) with V8's code
// cache, which Node 20 offers to vm.Script and not to ES modules or its own require.
//
// Written here rather than taken from v8-compile-cache(-lib): those produce the cache when
// the file is compiled, before it runs, so it holds only the code V8 compiles eagerly, and
// every start compiles the rest (most of what a command runs) again. Produced after a run,
// the cache holds what that run compiled: `violin list` on the sim example starts in about
// 170 ms against 200 ms with v8-compile-cache-lib and 220 ms with no cache (bench/startup's
// machine, node at 72 ms).
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'

/** The user's cache directory, as env-paths names it: never a shared /tmp, whose files another user could plant. */
function cacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'violin')
}

/**
 * dir and its parent, each made once if missing (true when dir is there). Not
 * mkdirSync's recursive option: under a parent where mkdir answers ENOENT to what exists
 * (HOME=/proc) Node 20's loops forever.
 */
function makeDir(dir) {
  for (const d of [dirname(dir), dir]) {
    try {
      mkdirSync(d, {mode: 0o700})
    } catch (error) {
      if (error.code !== 'EEXIST') return false
    }
  }
  return true
}

/** A short name for the file's path, so that two installs of violin keep a cache each. */
function pathKey(file) {
  let h = 5381
  for (let i = 0; i < file.length; i++) h = ((h * 33) ^ file.charCodeAt(i)) >>> 0
  return h.toString(36)
}

/**
 * A cache file per build of the file and per V8: V8 itself checks only its version, its
 * flags and the source's length, so a rebuilt file of the same length would run stale code.
 */
function cacheName(file) {
  const {size, mtimeMs, ino} = statSync(file)
  return `code-${pathKey(file)}-${process.versions.v8}-${size}-${Math.floor(mtimeMs)}-${ino}.v8`
}

/** What require(file) returns, compiled from the code cache when there is a good one; VIOLIN_NO_CODE_CACHE=1 skips it. */
export function requireCached(file) {
  const require = createRequire(file)
  if (process.env.VIOLIN_NO_CODE_CACHE) return require(file)
  const source = readFileSync(file, 'utf8')
  const dir = cacheDir()
  const cacheFile = join(dir, cacheName(file))
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {}
  // Node's own wrapper for a CommonJS file, so the file sees what require() would give it.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {filename: file, cachedData})
  if (cachedData === undefined || script.cachedDataRejected)
    process.once('exit', () => saveCache(script, dir, cacheFile, `code-${pathKey(file)}-`))
  const module = new Module(file)
  module.filename = file
  module.paths = Module._nodeModulePaths(dirname(file))
  // In require's cache first: oclif requires this same file for the commands, the help and
  // the hooks, and must get this instance, not a second copy.
  require.cache[file] = module
  script.runInThisContext()(module.exports, require, module, file, dirname(file))
  module.loaded = true
  return module.exports
}

/** Written whole or not at all (a rename), once per build; a cache that cannot be written costs only speed. */
function saveCache(script, dir, cacheFile, earlierBuilds) {
  try {
    if (!makeDir(dir)) return
    for (const old of readdirSync(dir)) if (old.startsWith(earlierBuilds)) rmSync(join(dir, old), {force: true})
    const temporary = `${cacheFile}.${process.pid}`
    writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
    renameSync(temporary, cacheFile)
  } catch {}
}
