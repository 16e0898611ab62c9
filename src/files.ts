import {randomBytes} from 'node:crypto'
import {mkdir, open, rename, rm, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'

import {UsageError} from './errors.js'

/**
 * Writes a temp file beside the real one, flushes it, then renames it over: a crash leaves
 * the old file or the new one, never half of either.
 */
export async function writeFileAtomic(path: string, text: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
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
    throw new UsageError(`${flag}: cannot write ${path.length > 120 ? path.slice(0, 117) + '...' : path}: ${error.code ?? error.message}`, 'name a file in a directory you can write to')
  })
}
