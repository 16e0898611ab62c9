import {strict as assert} from 'node:assert'
import {existsSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CommandFailedError, TimeoutError, ViolinError} from '../../src/errors.js'
import {LocalTransport} from '../../src/transport/local.js'
import {missingBinary, requireIntegration} from '../helpers/integration.js'

const HOSTILE = [
  "x'; touch /tmp/owned; '",
  '$(touch /tmp/owned)',
  '`id`',
  'a; rm -rf / #',
  'a && b || c | d > e < f',
  '"double" \'single\' \\back\\slash',
  '*',
  '--help',
  'line one\nline two',
  'tab\there',
  'naïve ☃',
  '',
]

describe('LocalTransport', () => {
  const local = new LocalTransport('here')

  it('runs argv and returns stdout, stderr and the exit code', async () => {
    const r = await local.run(['sh', '-c', 'echo out; echo err >&2'])
    assert.deepEqual(r, {stdout: 'out\n', stderr: 'err\n', exitCode: 0})
  })

  it('passes every argument to the program as is, with no shell in between', async () => {
    for (const arg of HOSTILE) {
      const r = await local.run(['printf', '[%s]', arg])
      assert.equal(r.stdout, `[${arg}]`, JSON.stringify(arg))
    }
  })

  it('never lets an argument run as code', async () => {
    const marker = join(tmpdir(), `violin-owned-local-${process.pid}-${Date.now()}`)
    try {
      await local.run(['echo', `x'; touch ${marker}; '`, `$(touch ${marker})`, `\`touch ${marker}\``])
      await local.run(['sh', '-c', 'true', `$(touch ${marker})`])
      assert.equal(existsSync(marker), false)
    } finally {
      rmSync(marker, {force: true})
    }
  })

  it('feeds stdin when given', async () => {
    const r = await local.run(['cat'], {stdin: 'from stdin\n'})
    assert.equal(r.stdout, 'from stdin\n')
  })

  it('succeeds when the program exits without reading the stdin it was given', async () => {
    const r = await local.run(['true'], {stdin: 'x'.repeat(1 << 20)})
    assert.deepEqual(r, {stdout: '', stderr: '', exitCode: 0})
  })

  it("runs the program in violin's environment with LC_ALL=C, so tools print untranslated", async () => {
    process.env.VIOLIN_TEST_MARK = 'kept'
    try {
      const r = await local.run(['sh', '-c', 'echo "$LC_ALL $VIOLIN_TEST_MARK"'])
      assert.equal(r.stdout, 'C kept\n')
    } finally {
      delete process.env.VIOLIN_TEST_MARK
    }
  })

  it('reports a program killed by a signal as a ViolinError naming the signal, not as an exit status', async () => {
    await assert.rejects(local.run(['sh', '-c', 'kill -TERM $$']), (error: unknown) => {
      assert.ok(error instanceof ViolinError, String(error))
      assert.ok(!(error instanceof CommandFailedError), String(error))
      assert.match(error.message, /^host "here": cannot run sh: killed by SIGTERM$/)
      return true
    })
  })

  it('kills a command that outlives its timeout with TimeoutError', async () => {
    const started = Date.now()
    await assert.rejects(local.run(['sleep', '5'], {timeoutMs: 300}), (error: unknown) => {
      assert.ok(error instanceof TimeoutError, String(error))
      assert.equal(error.ms, 300)
      assert.equal(error.host, 'here')
      assert.match(error.message, /sleep 5.*timed out after 300 ms/)
      return true
    })
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
  })

  it('uses the default timeout given to the constructor', async () => {
    await assert.rejects(new LocalTransport('here', 200).run(['sleep', '5']), TimeoutError)
  })

  it('reports a missing program as a ViolinError naming it, not as an exit status', async () => {
    await assert.rejects(local.run(['violin-no-such-binary-xyz', 'arg']), (error: unknown) => {
      assert.ok(error instanceof ViolinError, String(error))
      assert.ok(!(error instanceof CommandFailedError), 'a missing program is not a command that failed')
      assert.match(error.message, /host "here": cannot run violin-no-such-binary-xyz: not found on PATH \(is it installed\?\)/)
      return true
    })
  })

  it('turns a non-zero exit into CommandFailedError with the code and the tail of stderr', async () => {
    await assert.rejects(local.run(['sh', '-c', 'echo first >&2; echo second >&2; echo last >&2; exit 7']), (error: unknown) => {
      assert.ok(error instanceof CommandFailedError, String(error))
      assert.equal(error.code, 7)
      assert.equal(error.host, 'here')
      assert.equal(error.stderrTail, 'first | second | last')
      assert.match(error.message, /exited 7: first \| second \| last/)
      return true
    })
  })

  it('returns a non-zero exit with allowFailure', async () => {
    const r = await local.run(['sh', '-c', 'echo nope >&2; exit 3'], {allowFailure: true})
    assert.equal(r.exitCode, 3)
    assert.equal(r.stderr, 'nope\n')
  })

  it('refuses an empty argv', async () => {
    await assert.rejects(local.run([]), /empty argv/)
  })

  it('runs the real virsh test driver', async function () {
    requireIntegration(this, 'virsh', () => missingBinary('/usr/bin/virsh'))
    const r = await local.run(['virsh', '-c', 'test:///default', 'list', '--all'])
    assert.match(r.stdout, /^\s*1\s+test\s+running$/m)
  })
})
