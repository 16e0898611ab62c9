import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import {openStore} from '../store/open.js'
import {stateDir} from '../store/dirs.js'
import {DOCS, type Store} from '../store/store.js'
import type {Calibration} from './calibration.js'

/** The file backend's calibration file. */
export function calibrationPath(): string {
  return join(stateDir(), 'calibration.json')
}

async function storeOf(store?: Store): Promise<Store> {
  return store ?? openStore()
}

/** The stored calibration, undefined when there is none; a damaged one is named, never overwritten here. */
export async function loadCalibration(store?: Store): Promise<Calibration | undefined> {
  const s = await storeOf(store)
  const path = s.where(DOCS.calibration)
  const raw = await s.read(DOCS.calibration).catch((error: unknown) => {
    if (error instanceof ConfigError && error.field === undefined) throw new ConfigError(path, undefined, 'is not JSON: run violin calibrate again to replace it')
    throw error
  })
  if (raw === undefined) return undefined
  const c = raw as Partial<Calibration>
  if ((c?.version as number | undefined) === 1) throw new ConfigError(path, 'version', 'is 1, from an older violin without the memory term: run violin calibrate again to replace it')
  if (c?.version !== 2) throw new ConfigError(path, 'version', `must be 2, got ${JSON.stringify(c?.version)}`)
  if (typeof c.modes !== 'object' || c.modes === null || !Array.isArray(c.data)) throw new ConfigError(path, 'modes', 'is missing: run violin calibrate again to replace it')
  return c as Calibration
}

/** Written whole (in files: renamed into place, so a reader never sees half of it); returns where. */
export async function saveCalibration(calibration: Calibration, store?: Store): Promise<string> {
  const s = await storeOf(store)
  await s.update(DOCS.calibration, () => ({value: calibration as unknown as Record<string, unknown>, result: undefined}))
  return s.where(DOCS.calibration)
}
