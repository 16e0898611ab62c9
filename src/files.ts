import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync} from 'node:fs'
import {open, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {UsageError} from './errors.js'

/**
 * mkdir -p: each missing level made once, with `mode`. Not mkdir's recursive option: where
 * mkdir answers ENOENT for a directory whose parent exists (HOME=/proc: /proc/.config),
 * Node 20's loops forever; here that is an error naming the directory.
 */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = []
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d)
    if (dirname(d) === d) break
  }
  for (const d of missing) {
    try {
      mkdirSync(d, {mode})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

/**
 * Writes a temp file beside the real one, flushes it, then renames it over: a crash leaves
 * the old file or the new one, never half of either.
 */
export async function writeFileAtomic(path: string, text: string, mode?: number): Promise<void> {
  makeDirs(dirname(path))
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const file = await open(tmp, 'w', mode)
  try {
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(tmp, path).catch(async (error: unknown) => {
    await rm(tmp, {force: true})
    throw error
  })
}

/** Writes a file the user named with a flag (--plot, --export); failing to is said with the flag, as a usage error. */
export async function writeOutputFile(flag: string, path: string, text: string): Promise<void> {
  await writeFile(path, text).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `${flag}: cannot write ${path.length > 120 ? `${path.slice(0, 117)}...` : path}: ${error.code ?? error.message}`,
      'name a file in a directory you can write to',
    )
  })
}
