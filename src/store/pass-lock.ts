import * as fs from 'node:fs'
import {join} from 'node:path'

import {makeDirs} from '../files.js'
import {PassLockedError} from '../errors.js'
import {stateDir} from './dirs.js'

/**
 * proper-lockfile takes its lock with mkdir and would leave the holder's PID to be written
 * after it: a pass arriving in between (or while the holder releases) would see a lock that
 * names no one. Here the lock is a file that holds the PID from the instant it exists: the
 * PID is written to a private file first, then hard-linked to the lock's name (link fails
 * with EEXIST when the lock is held, as mkdir does), and a release unlinks it at once.
 * proper-lockfile keeps doing the rest: refreshing the lock's mtime, judging it stale.
 */
let staging = 0

function pidLockFs(pid: number): typeof fs {
  const take = (lockPath: string, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    const staged = `${lockPath}.${pid}.${++staging}.tmp`
    try {
      fs.writeFileSync(staged, `${pid}\n`)
    } catch (error) {
      callback(error as NodeJS.ErrnoException)
      return
    }
    fs.link(staged, lockPath, (error) => {
      fs.rm(staged, {force: true}, () => callback(error))
    })
  }
  // A lock left by an older violin is a directory: rmdir it then.
  const drop = (lockPath: string, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    fs.unlink(lockPath, (error) => {
      if (error && (error.code === 'EISDIR' || error.code === 'EPERM')) fs.rmdir(lockPath, callback)
      else callback(error)
    })
  }
  const dropSync = (lockPath: string): void => {
    try {
      fs.unlinkSync(lockPath)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EISDIR' || code === 'EPERM') fs.rmdirSync(lockPath)
      else throw error
    }
  }
  return {...fs, mkdir: take, rmdir: drop, rmdirSync: dropSync} as unknown as typeof fs
}

/** The PID a lock file names: undefined when it names none, 'gone' when the lock is no longer there. */
function holderOf(lockPath: string): number | 'gone' | undefined {
  try {
    const pid = Number(fs.readFileSync(lockPath, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined
  }
}

/**
 * One adaptation pass at a time per state directory (a cron pass and a foreground loop
 * would otherwise plan against each other's moves). The lock is proper-lockfile's
 * (refreshed while held, stale after 30 s if the holder died); the lock file `adapt.lock`
 * holds the holder's PID, so a second pass can always name it.
 */
export async function lockPass(dir = stateDir()): Promise<() => Promise<void>> {
  // CommonJS: its functions are properties of the default export (the bundle in dist/ has no other)
  const {lock} = (await import('proper-lockfile')).default
  makeDirs(dir)
  const file = join(dir, 'adapt')
  const lockPath = `${file}.lock`
  fs.writeFileSync(file, '', {flag: 'a'})
  for (let attempt = 1; ; attempt++) {
    try {
      return await lock(file, {stale: 30_000, update: 5_000, retries: 0, lockfilePath: lockPath, fs: pidLockFs(process.pid)})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      const holder = holderOf(lockPath)
      // Released between the two looks: the lock is free, take it.
      if (holder === 'gone' && attempt < 5) continue
      throw new PassLockedError(holder === 'gone' ? undefined : holder, lockPath)
    }
  }
}
