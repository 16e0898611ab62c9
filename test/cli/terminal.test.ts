import {strict as assert} from 'node:assert'
import {join} from 'node:path'

import {EXAMPLE, ROOT, tempHome} from '../helpers/cli.js'
import {onTerminal, within} from '../helpers/terminal.js'

/** Cursor movements and line clears: what a redrawing spinner writes. */
const cursorCodes = (screen: string) => (screen.match(/\x1b\[(?:\d*[AGK]|\?25[lh])/g) ?? []).length

/**
 * A pseudo-terminal that reports 0 columns (script -c, some docker exec -t): before the fix
 * ora counted its line as endless and cleared lines forever, in a loop no signal could reach.
 */
describe('violin on a terminal that reports 0 columns', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())

  it('list prints the VMs and ends, without endless cursor codes', async () => {
    const run = onTerminal(['list', '--connect', `sim:${EXAMPLE}`], 0, join(home.dir, 'list.txt'), home.env)
    const code = await within(20_000, 'list', run.exited, () => run.kill())
    const screen = run.screen()
    assert.equal(code, 0, screen.slice(0, 2000))
    assert.match(screen, /web-1/)
    assert.ok(screen.length < 20_000, `${screen.length} bytes`)
    assert.ok(cursorCodes(screen) < 20, `${cursorCodes(screen)} cursor codes`)
  })

  it('usage --watch stops on the first SIGTERM after the reading in flight, exit 0', async () => {
    const run = onTerminal(['usage', '--watch', '--interval', '1', '--connect', `sim:${EXAMPLE}`], 0, join(home.dir, 'watch.txt'), home.env)
    try {
      for (let i = 0; i < 100 && !/Usage over/.test(run.screen()); i++) await new Promise((r) => setTimeout(r, 100))
      assert.match(run.screen(), /Usage over/)
      process.kill(run.violinPid(), 'SIGTERM')
      const code = await within(5000, 'usage --watch after SIGTERM', run.exited, () => run.kill())
      const screen = run.screen()
      assert.equal(code, 0, screen.slice(-2000))
      assert.match(screen, /SIGTERM: stopping after this reading/)
      assert.ok(screen.length < 50_000 && cursorCodes(screen) < 20, `${screen.length} bytes, ${cursorCodes(screen)} cursor codes`)
    } finally {
      run.kill()
    }
  })

  it('a spinner still draws on a terminal of 100 columns (the guard is the width, not the terminal)', async () => {
    const run = onTerminal(['usage', '--connect', `sim:${EXAMPLE}`, '--interval', '1'], 100, join(home.dir, 'usage-100.txt'), home.env)
    const code = await within(20_000, 'usage', run.exited, () => run.kill())
    assert.equal(code, 0)
    assert.match(run.screen(), /Polling 5 host\(s\)\.\.\./)
  })
})

describe('a long-running command in a child process (no terminal)', function () {
  this.timeout(30_000)
  let home: ReturnType<typeof tempHome>
  before(() => (home = tempHome()))
  after(() => home.remove())

  it('usage --watch ends on the first SIGTERM with the readings so far and exit 0', async () => {
    const {execa} = await import('execa')
    const child = execa(
      process.execPath,
      [join(ROOT, 'bin/run.js'), 'usage', '--watch', '--interval', '1', '--format', 'csv', '--connect', `sim:${EXAMPLE}`],
      {reject: false, env: {...home.env, FORCE_COLOR: '0'}, stdin: 'ignore'},
    )
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    for (let i = 0; i < 100 && !/web-1/.test(out); i++) await new Promise((r) => setTimeout(r, 100))
    if (!/web-1/.test(out)) child.kill('SIGKILL')
    assert.match(out, /web-1/)
    const signalled = performance.now()
    child.kill('SIGTERM')
    const r = await within(5000, 'usage --watch after SIGTERM', child, () => child.kill('SIGKILL'))
    assert.deepEqual([r.exitCode, r.signal ?? null], [0, null], String(r.stderr))
    assert.ok(performance.now() - signalled < 3000, `${Math.round(performance.now() - signalled)} ms`)
    assert.match(String(r.stderr), /SIGTERM: stopping after this reading \(again to force\)/)
  })
})
