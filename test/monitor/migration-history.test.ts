import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {appendFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConfigError, ExitCode} from '../../src/errors.js'
import type {MigrationResult} from '../../src/hypervisor/driver.js'
import {parseJobinfo} from '../../src/hypervisor/libvirt/parse.js'
import {historyPath, type MigrationRecord, readMigrations, recordMigrations, toRecord} from '../../src/monitor/migration-history.js'
import {fixture} from '../helpers/fixtures.js'

const AT = new Date('2026-11-23T10:00:00.000Z')

/** A live migration's result as the libvirt driver builds it from `domjobinfo --completed --raw`. */
function fromJobinfo(text: string, wallMs: number): MigrationResult {
  return {...parseJobinfo(text), wallMs}
}

const input = (result: MigrationResult, more: Partial<Parameters<typeof toRecord>[0]> = {}) => ({
  vm: 'mig1',
  from: 'h2',
  to: 'h1',
  live: true,
  memoryMiB: 256,
  concurrent: 1,
  result,
  at: AT,
  ...more,
})

describe('migration records from what libvirt measured', () => {
  it('turns a recorded domjobinfo (QEMU, live, 256 MiB guest) into the calibration columns', () => {
    // test/fixtures/virsh/qemu-domjobinfo-completed.txt: time_elapsed 1107, downtime 66,
    // data_processed 67982822, memory_bps 420500623, memory_dirty_rate 0, memory_iteration 3
    const record = toRecord(input(fromJobinfo(fixture('virsh', 'qemu-domjobinfo-completed.txt'), 1843.6)))
    assert.deepEqual(record, {
      at: '2026-11-23T10:00:00.000Z',
      vm: 'mig1',
      from: 'h2',
      to: 'h1',
      mode: 'live',
      memory_mib: 256,
      sent_mib: 64.8, // 67982822 B / 2^20
      dirty_rate_mibs: 0,
      bandwidth_mibs: 401, // 420500623 B/s / 2^20 = 401.02
      concurrent: 1,
      total_ms: 1107,
      downtime_ms: 66,
      wall_ms: 1844,
      iterations: 3,
    })
  })

  it('converts the dirty rate from pages per second with the page size libvirt gives', () => {
    const job = (rate: string, pageSize?: string) =>
      `time_elapsed: 5000\nmemory_dirty_rate: ${rate}\n${pageSize ? `memory_page_size: ${pageSize}\n` : ''}memory_bps: 104857600\n`
    // 2560 pages/s of 4 KiB = 10 MiB/s
    assert.equal(toRecord(input(fromJobinfo(job('2560', '4096'), 5000))).dirty_rate_mibs, 10)
    // the same pages at 16 KiB = 40 MiB/s
    assert.equal(toRecord(input(fromJobinfo(job('2560', '16384'), 5000))).dirty_rate_mibs, 40)
    // without a page size, 4 KiB pages
    assert.equal(toRecord(input(fromJobinfo(job('2560'), 5000))).dirty_rate_mibs, 10)
    // 1000 pages/s of 4 KiB = 3.90625 MiB/s, one decimal
    assert.equal(toRecord(input(fromJobinfo(job('1000', '4096'), 5000))).dirty_rate_mibs, 3.9)
  })

  it('gives the bandwidth in MiB/s from memory_bps (bytes per second), one decimal', () => {
    const record = toRecord(input(fromJobinfo('memory_bps: 125000000\n', 10)))
    assert.equal(record.bandwidth_mibs, 119.2) // 125 MB/s = 119.21 MiB/s
  })

  it('counts data_processed as sent, else memory_processed', () => {
    assert.equal(toRecord(input(fromJobinfo('data_processed: 1048576000\nmemory_processed: 524288000\n', 10))).sent_mib, 1000)
    assert.equal(toRecord(input(fromJobinfo('memory_processed: 524288000\n', 10))).sent_mib, 500)
  })

  it('leaves out what libvirt did not measure, rather than writing zeros or NaN', () => {
    const record = toRecord(input({wallMs: 2500.4}))
    assert.deepEqual(record, {
      at: '2026-11-23T10:00:00.000Z',
      vm: 'mig1',
      from: 'h2',
      to: 'h1',
      mode: 'live',
      memory_mib: 256,
      concurrent: 1,
      wall_ms: 2500,
    })
    assert.ok(!('bandwidth_mibs' in toRecord(input(fromJobinfo('memory_bps: 0\n', 10)))), 'a zero bandwidth is no measurement')
    assert.ok(!('dirty_rate_mibs' in toRecord(input(fromJobinfo('memory_dirty_rate: n/a\n', 10)))))
  })

  it('names the mode: live, or stop-and-copy', () => {
    assert.equal(toRecord(input({wallMs: 1}, {live: true})).mode, 'live')
    assert.equal(toRecord(input({wallMs: 1}, {live: false})).mode, 'stop-and-copy')
  })

  it('keeps how many migrations ran at once', () => {
    assert.equal(toRecord(input({wallMs: 1}, {concurrent: 4})).concurrent, 4)
  })

  it('stamps the record with the current time when none is given', () => {
    const before = Date.now()
    const {at} = toRecord({vm: 'mig1', from: 'h2', to: 'h1', live: true, memoryMiB: 256, concurrent: 1, result: {wallMs: 1}})
    assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.ok(Date.parse(at) >= before - 1 && Date.parse(at) <= Date.now() + 1)
  })
})

describe('migration history file', () => {
  let saved: string | undefined
  let dir: string

  beforeEach(async () => {
    saved = process.env.VIOLIN_STATE_DIR
    dir = await mkdtemp(join(tmpdir(), 'violin-history-'))
    process.env.VIOLIN_STATE_DIR = join(dir, 'state')
  })

  afterEach(async () => {
    if (saved === undefined) delete process.env.VIOLIN_STATE_DIR
    else process.env.VIOLIN_STATE_DIR = saved
    await rm(dir, {recursive: true, force: true})
  })

  const rec = (vm: string, wall: number): MigrationRecord =>
    toRecord(input({wallMs: wall, totalMs: wall - 5, dataBytes: 1048576 * 3}, {vm}))

  it('lives in the state directory', () => {
    assert.equal(historyPath(), join(dir, 'state', 'migrations.jsonl'))
  })

  it('is empty before any migration', async () => {
    assert.deepEqual(await readMigrations(), [])
  })

  it('reads back what was recorded, in order, across several appends', async () => {
    const first = [rec('a', 100), rec('b', 200)]
    const second = [rec('c', 300)]
    await recordMigrations(first)
    await recordMigrations(second)
    assert.deepEqual(await readMigrations(), [...first, ...second])
  })

  it('writes one JSON object per line', async () => {
    await recordMigrations([rec('a', 100), rec('b', 200)])
    const lines = (await readFile(historyPath(), 'utf8')).split('\n')
    assert.equal(lines.length, 3)
    assert.equal(lines[2], '')
    assert.equal(JSON.parse(lines[0]!).vm, 'a')
    assert.equal(JSON.parse(lines[1]!).vm, 'b')
  })

  it('creates no file for no records', async () => {
    await recordMigrations([])
    assert.ok(!existsSync(historyPath()))
  })

  it('skips blank lines', async () => {
    await recordMigrations([rec('a', 100)])
    await appendFile(historyPath(), '\n   \n')
    await recordMigrations([rec('b', 200)])
    assert.deepEqual(
      (await readMigrations()).map((r) => r.vm),
      ['a', 'b'],
    )
  })

  it('refuses a corrupt line with a ConfigError naming the file, the line and the column', async () => {
    await recordMigrations([rec('a', 100), rec('b', 200)])
    const text = await readFile(historyPath(), 'utf8')
    // a blank line 3 still counts: the bad one is line 4
    await writeFile(historyPath(), `${text}\n{"at": "2026-11-23T10:0\n`)
    await assert.rejects(readMigrations(), (e: unknown) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.file, historyPath())
      assert.deepEqual(e.position, {line: 4, column: 8}, 'where the unterminated string starts')
      assert.equal(e.exitCode, ExitCode.config)
      assert.match(e.message, /migrations\.jsonl:4:8: not valid JSON: /)
      return true
    })
  })
})
