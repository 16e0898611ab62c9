import {strict as assert} from 'node:assert'
import {join} from 'node:path'

import {EXAMPLE, tempHome} from '../helpers/cli.js'
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

  it('a spinner still draws on a terminal of 100 columns (the guard is the width, not the terminal)', async () => {
    const run = onTerminal(['usage', '--connect', `sim:${EXAMPLE}`, '--interval', '1'], 100, join(home.dir, 'usage-100.txt'), home.env)
    const code = await within(20_000, 'usage', run.exited, () => run.kill())
    assert.equal(code, 0)
    assert.match(run.screen(), /Polling 5 host\(s\)\.\.\./)
  })
})
