import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {commandsPath, readCommandTails, recordCommandTail} from '../../src/monitor/command-timing.js'

describe("a command's time after its last migration (src/monitor/command-timing.ts)", () => {
  let saved: string | undefined
  let dir: string

  beforeEach(async () => {
    saved = process.env.VIOLIN_STATE_DIR
    dir = await mkdtemp(join(tmpdir(), 'violin-commands-'))
    process.env.VIOLIN_STATE_DIR = join(dir, 'state')
  })

  afterEach(async () => {
    if (saved === undefined) delete process.env.VIOLIN_STATE_DIR
    else process.env.VIOLIN_STATE_DIR = saved
    await rm(dir, {recursive: true, force: true})
  })

  it('records the time from the last migration to the end, and reads it back', async () => {
    await recordCommandTail('vacate', 1000, 1750)
    const line = JSON.parse((await readFile(commandsPath(), 'utf8')).trim())
    assert.equal(line.command, 'vacate')
    assert.equal(line.tail_ms, 750)
    assert.deepEqual(await readCommandTails(), [{command: 'vacate', tailMs: 750}])
  })

  it('records nothing for a command that ran no timed migration', async () => {
    await recordCommandTail('vacate', undefined, 1750)
    assert.deepEqual(await readCommandTails(), [])
  })

  it('reads none without a file, and passes over a torn or foreign line', async () => {
    assert.deepEqual(await readCommandTails(), [])
    await mkdir(join(dir, 'state'), {recursive: true})
    await writeFile(
      commandsPath(),
      '{"command": "vacate", "tail_ms": 900}\n{"tail_ms": "soon"}\nnot json\n{"tail_ms": -3}\n{"tail_ms": 1100}\n{"tail_',
    )
    assert.deepEqual(await readCommandTails(), [
      {command: 'vacate', tailMs: 900},
      {command: 'violin', tailMs: 1100},
    ])
  })
})
