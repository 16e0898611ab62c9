import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {Config} from '@oclif/core'

import {ROOT, violin, violinProcess} from '../helpers/cli.js'

// bin/run.js answers --version itself, without loading oclif: it must print oclif's line.
describe('violin --version', () => {
  let oclifLine: string

  before(async () => {
    oclifLine = (await Config.load({root: ROOT})).userAgent
  })

  it("prints oclif's version line (name/version platform-arch node-version) and exits 0", async () => {
    // spawnSync, not violinProcess: the bytes as printed, final newline included
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), '--version'], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout, `${oclifLine}\n`)
    assert.equal(r.stderr, '')
    assert.match(oclifLine, /^violin\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+\.\d+\.\d+$/)
  })

  it('prints the same line as oclif itself does, whatever follows --version', async () => {
    const [quick, framework] = await Promise.all([violinProcess(['--version', 'list', '--json']), violin(['--version'])])
    assert.equal(quick.stdout, oclifLine)
    assert.equal(framework.stdout.trimEnd(), oclifLine)
  })
})
