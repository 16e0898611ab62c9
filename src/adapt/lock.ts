import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {PassLockedError} from '../errors.js'
import {stateDir} from '../inventory/store.js'

/**
 * One adaptation pass at a time per state directory (a cron pass and a foreground loop
 * would otherwise plan against each other's moves). The lock is proper-lockfile's (a
 * directory, refreshed while held, stale after 30 s if the holder died); the holder's PID
 * sits next to it so the second pass can name it.
 */
export async function lockPass(dir = stateDir()): Promise<() => Promise<void>> {
  const {lock} = await import('proper-lockfile')
  mkdirSync(dir, {recursive: true})
  const file = join(dir, 'adapt')
  const pidFile = join(dir, 'adapt.pid')
  writeFileSync(file, '', {flag: 'a'})
  let release: () => Promise<void>
  try {
    release = await lock(file, {stale: 30_000, update: 5_000, retries: 0, lockfilePath: `${file}.lock`})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
    let holder: number | undefined
    try {
      holder = Number(readFileSync(pidFile, 'utf8').trim()) || undefined
    } catch {}
    throw new PassLockedError(holder, `${file}.lock`)
  }
  writeFileSync(pidFile, `${process.pid}\n`)
  return async () => {
    rmSync(pidFile, {force: true})
    await release()
  }
}
