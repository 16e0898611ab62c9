import {strict as assert} from 'node:assert'
import {chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import {EXAMPLE, ROOT, violinProcess} from '../helpers/cli.js'

/** bin/code-cache.js: the built CLI started as users start it, with a cache directory of the test's own. */
describe("violin's code cache (bin/code-cache.js)", function () {
  this.timeout(60_000)
  let xdg: string
  const list = ['list', '--connect', `sim:${EXAMPLE}`, '--format', 'csv']
  const cacheFiles = () => {
    try {
      return readdirSync(join(xdg, 'violin')).filter((f) => f.endsWith('.v8'))
    } catch {
      return []
    }
  }

  beforeEach(() => {
    xdg = mkdtempSync(join(tmpdir(), 'violin-cache-'))
  })
  afterEach(() => {
    chmodSync(xdg, 0o700)
    rmSync(xdg, {recursive: true, force: true})
  })

  it('is written by the first run, private to the user, and used as is by the next: same output', async () => {
    const first = await violinProcess(list, {XDG_CACHE_HOME: xdg})
    assert.equal(first.exitCode, 0, first.stderr)
    const files = cacheFiles()
    assert.equal(files.length, 1, 'one cache file for this build')
    const file = join(xdg, 'violin', files[0]!)
    assert.equal(statSync(join(xdg, 'violin')).mode & 0o777, 0o700)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const written = statSync(file).mtimeMs
    const second = await violinProcess(list, {XDG_CACHE_HOME: xdg})
    assert.equal(second.exitCode, 0, second.stderr)
    assert.equal(second.stdout, first.stdout)
    assert.equal(second.stderr, '')
    assert.deepEqual(cacheFiles(), files)
    assert.equal(statSync(file).mtimeMs, written, 'a cache V8 accepted is not written again')
  })

  it('a cache file of garbage is refused by V8 and replaced; the command does not notice', async () => {
    const first = await violinProcess(list, {XDG_CACHE_HOME: xdg})
    const file = join(xdg, 'violin', cacheFiles()[0]!)
    writeFileSync(file, Buffer.alloc(4096, 0x5a))
    const again = await violinProcess(list, {XDG_CACHE_HOME: xdg})
    assert.equal(again.exitCode, 0, again.stderr)
    assert.equal(again.stdout, first.stdout)
    assert.equal(again.stderr, '')
    assert.notEqual(statSync(file).size, 4096, 'written anew')
  })

  it('a cache directory that cannot be written costs nothing but speed: same output, same exit status, nothing on stderr', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a file where the directory should be stops it as well.
      writeFileSync(join(xdg, 'violin'), 'not a directory')
    } else {
      chmodSync(xdg, 0o500)
    }
    const r = await violinProcess(list, {XDG_CACHE_HOME: xdg})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /^host,site,id,name,state\neast1,east,1,web-head,running\n/)
    const failing = await violinProcess(['dominfo', 'no-such-vm', '--connect', `sim:${EXAMPLE}`], {XDG_CACHE_HOME: xdg})
    assert.equal(failing.exitCode, 4, "the command's own exit status")
    // Where mkdir answers ENOENT for what exists, Node's recursive mkdir loops forever: this one ends.
    const proc = await execa(process.execPath, [join(ROOT, 'bin', 'run.js'), ...list], {
      reject: false,
      timeout: 20_000,
      env: {XDG_CACHE_HOME: '', HOME: '/proc'},
    })
    assert.equal(proc.timedOut, false, 'HOME=/proc: violin did not end')
    assert.equal(proc.exitCode, 0, proc.stderr)
  })

  it('works from a directory whose path has spaces and non-ASCII letters', async () => {
    const install = join(xdg, 'opt dir', 'violín')
    mkdirSync(join(install, 'dist'), {recursive: true})
    cpSync(join(ROOT, 'bin'), join(install, 'bin'), {recursive: true})
    for (const f of ['package.json', 'oclif.manifest.json', 'dist/violin.cjs', 'dist/version.js']) cpSync(join(ROOT, f), join(install, f))
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'))
    const run = () => execa(process.execPath, [join(install, 'bin', 'run.js'), ...list], {reject: false, env: {XDG_CACHE_HOME: xdg}})
    const first = await run()
    assert.equal(first.exitCode, 0, first.stderr)
    assert.match(first.stdout, /^host,site,id,name,state\n/)
    assert.equal(cacheFiles().length, 1)
    const second = await run()
    assert.equal(second.stdout, first.stdout)
  })

  it('VIOLIN_NO_CODE_CACHE=1 neither reads nor writes it', async () => {
    mkdirSync(join(xdg, 'violin'))
    const r = await violinProcess(list, {XDG_CACHE_HOME: xdg, VIOLIN_NO_CODE_CACHE: '1'})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(cacheFiles(), [])
  })
})
