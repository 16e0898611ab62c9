import assert from 'node:assert/strict'

import {ExitCode, UsageError} from '../src/errors.js'
import {formatMiB, parseSizeMiB, SIZE_PATTERN} from '../src/units.js'

describe('sizes, as virsh writes them', () => {
  it('reads binary and decimal units', () => {
    assert.equal(parseSizeMiB('512M'), 512)
    assert.equal(parseSizeMiB('768MiB'), 768)
    assert.equal(parseSizeMiB('2GiB'), 2048)
    assert.equal(parseSizeMiB('2G'), 2048)
    assert.equal(parseSizeMiB('1.5G'), 1536)
    assert.ok(Math.abs(parseSizeMiB('1000MB') - 953.67) < 0.01)
  })

  it('reads a bare number as MiB, in every command alike (not KiB as virsh setmem does)', () => {
    assert.equal(parseSizeMiB('1024'), 1024)
    assert.equal(parseSizeMiB('1.5'), 1.5)
    assert.equal(parseSizeMiB('1048576'), 1024 * 1024)
  })

  it('refuses words, negatives and zero with a usage error', () => {
    for (const bad of ['lots', '-5M', '0', '12 parsecs', '']) {
      assert.throws(
        () => parseSizeMiB(bad),
        (e: unknown) => e instanceof UsageError && e.exitCode === ExitCode.usage,
        bad,
      )
    }
  })

  it('prints whole GiB as GiB and the rest as MiB', () => {
    assert.equal(formatMiB(2048), '2 GiB')
    assert.equal(formatMiB(768), '768 MiB')
    assert.equal(formatMiB(undefined), '-')
  })
})

describe('the size grammar of files and their JSON Schema', () => {
  it('SIZE_PATTERN takes exactly the sizes parseSizeMiB reads, in any case', () => {
    for (const unit of [
      '',
      'b',
      'B',
      'k',
      'K',
      'KB',
      'kib',
      'KiB',
      'm',
      'M',
      'mb',
      'MB',
      'MiB',
      'mib',
      'g',
      'G',
      'GB',
      'GiB',
      't',
      'TB',
      'TiB',
      'p',
      'PB',
      'PiB',
      'x',
      'mibs',
      'iB',
      'gi',
    ]) {
      for (const text of [`1${unit}`, `1.5 ${unit}`]) {
        let reads = true
        try {
          parseSizeMiB(text)
        } catch {
          reads = false
        }
        assert.equal(SIZE_PATTERN.test(text), reads, text)
      }
    }
  })
})
