import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {makeDirs} from '../src/files.js'

describe('makeDirs (mkdir -p)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'violin-dirs-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('makes every missing level with the mode asked, and leaves an existing one as it is', () => {
    makeDirs(join(dir, 'a', 'b', 'c'), 0o700)
    for (const d of ['a', 'a/b', 'a/b/c']) assert.equal(statSync(join(dir, d)).mode & 0o777, 0o700, d)
    makeDirs(join(dir, 'a', 'b', 'c'), 0o755)
    assert.equal(statSync(join(dir, 'a/b/c')).mode & 0o777, 0o700)
  })

  it('a file in the way is an error naming it', () => {
    writeFileSync(join(dir, 'file'), '')
    assert.throws(
      () => makeDirs(join(dir, 'file', 'sub')),
      (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' && e.message.includes(join(dir, 'file', 'sub')),
    )
  })

  it("under /proc, where mkdir answers ENOENT for what exists, it fails at once (Node 20's recursive mkdir loops forever there)", () => {
    assert.throws(
      () => makeDirs('/proc/.config/violin'),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.message.includes('/proc/.config'),
    )
  })
})
