import {join} from 'node:path'

import {ConfigError} from '../errors.js'
import {check, fileError} from '../schema/check.js'
import {calibrationSchema} from '../schema/measurements.js'
import {sourceOf} from '../schema/source.js'
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
    if (error instanceof ConfigError && error.field === undefined)
      throw new ConfigError(error.file, undefined, `${error.detail}: run violin calibrate again to replace it`, error.position)
    throw error
  })
  if (raw === undefined) return undefined
  const source = sourceOf(raw, path)
  if (raw.version === 1)
    throw fileError(
      source,
      ['version'],
      'version 2: run violin calibrate again (version 1 is from an older violin, without the memory term)',
      1,
    )
  const c = check(calibrationSchema, raw, source)
  return c as unknown as Calibration
}

/** Written whole (in files: renamed into place, so a reader never sees half of it); returns where. */
export async function saveCalibration(calibration: Calibration, store?: Store): Promise<string> {
  const s = await storeOf(store)
  await s.update(DOCS.calibration, () => ({value: calibration as unknown as Record<string, unknown>, result: undefined}))
  return s.where(DOCS.calibration)
}
