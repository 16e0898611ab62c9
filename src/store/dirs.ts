import {join} from 'node:path'
import envPaths from 'env-paths'

/** Where violin keeps its config: $VIOLIN_HOME, else the XDG config dir (as conf computes it). */
export function configDir(): string {
  return process.env.VIOLIN_HOME || envPaths('violin', {suffix: ''}).config
}

/** History, calibration data and locks: $VIOLIN_STATE_DIR, else $VIOLIN_HOME/state, else the XDG state dir. */
export function stateDir(): string {
  return (
    process.env.VIOLIN_STATE_DIR ||
    (process.env.VIOLIN_HOME ? join(process.env.VIOLIN_HOME, 'state') : envPaths('violin', {suffix: ''}).log)
  )
}

/**
 * Where simulated runs (sim: targets, sim hosts) keep what they record, apart from the
 * real measurements: their migrations, command timings, history and pass lock.
 */
export function simStateDir(): string {
  return join(stateDir(), 'sim')
}
