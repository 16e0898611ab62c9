import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/**
 * In a describe block: VIOLIN_STATE_DIR is a fresh temporary directory for its tests (what
 * migrations and passes record goes there, not to the user's state dir), removed and put
 * back as it was after them.
 */
export function useTempStateDir(): void {
  const saved = process.env.VIOLIN_STATE_DIR
  before(() => {
    process.env.VIOLIN_STATE_DIR = mkdtempSync(join(tmpdir(), 'violin-state-'))
  })
  after(() => {
    rmSync(process.env.VIOLIN_STATE_DIR!, {recursive: true, force: true})
    if (saved === undefined) delete process.env.VIOLIN_STATE_DIR
    else process.env.VIOLIN_STATE_DIR = saved
  })
}
