import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import {writeFileAtomic} from '../files.js'
import {stateDir} from '../inventory/store.js'
import type {Calibration} from './calibration.js'

export function calibrationPath(): string {
  return join(stateDir(), 'calibration.json')
}

/** The stored calibration, undefined when there is none; a damaged file is named, never overwritten here. */
export async function loadCalibration(): Promise<Calibration | undefined> {
  const path = calibrationPath()
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (text === undefined) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ConfigError(path, undefined, 'is not JSON: run violin calibrate again to replace it')
  }
  const c = raw as Partial<Calibration>
  if ((c?.version as number | undefined) === 1) throw new ConfigError(path, 'version', 'is 1, from an older violin without the memory term: run violin calibrate again to replace it')
  if (c?.version !== 2) throw new ConfigError(path, 'version', `must be 2, got ${JSON.stringify(c?.version)}`)
  if (typeof c.modes !== 'object' || c.modes === null || !Array.isArray(c.data)) throw new ConfigError(path, 'modes', 'is missing: run violin calibrate again to replace it')
  return c as Calibration
}

/** Written whole and renamed into place, so a reader never sees half of it. */
export async function saveCalibration(calibration: Calibration): Promise<string> {
  const path = calibrationPath()
  await writeFileAtomic(path, JSON.stringify(calibration, null, 1) + '\n')
  return path
}
