import {readFileSync} from 'node:fs'

import {unreadableFile} from '../errors.js'

/** A sim cluster or scenario file's text; one that cannot be read is a ConfigError naming it. */
export function readSimFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw unreadableFile(file, error)
  }
}
