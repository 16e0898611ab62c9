import type {VmMigrationState} from '../hypervisor/driver.js'
import type {MigrationRecord} from '../monitor/migration-history.js'
import {median} from '../predict/calibration.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'

/** Where a VM's dirty rate came from, best first. */
export type DirtyRateSource = 'measured' | 'last-migration' | 'history' | 'none'

/** What decides a VM's migration time, as measured before planning it. */
export interface VmStateReading extends VmMigrationState {
  vm: string
  host: string
  dirtyRateFrom: DirtyRateSource
  /** When its host was read (ISO time); a rate from the history is as old as the migration that recorded it. */
  measuredAt: string
}

/**
 * Each VM's memory in use and dirty rate, measured by its host's hypervisor over `seconds`
 * (every VM of a host at once, every host at once). A rate the hypervisor cannot measure
 * comes from the VM's last recorded migration, then the median of every recorded one, and
 * says so; none at all is said as `none`. A host that does not answer is an error naming it.
 */
export async function measureVmStates(
  session: Session,
  /** The VMs to measure on each host (undefined: every VM running there). */
  which: Map<string, string[] | undefined>,
  seconds: number,
  options: {history?: readonly MigrationRecord[]; signal?: AbortSignal; now?: () => Date} = {},
): Promise<Map<string, VmStateReading>> {
  const hosts = [...which.keys()].map((h) => session.host(h))
  const outcomes = await fanout(hosts, async (host) => {
    const driver = await session.driver(host)
    const asked = which.get(host.name)
    const state: Map<string, VmMigrationState> = driver.measureMigrationState
      ? await driver.measureMigrationState(asked, seconds, options.signal)
      : new Map()
    // Every VM asked about gets a reading, measured or not; asked for all, the running ones the driver found.
    const names =
      asked ??
      (driver.measureMigrationState ? [...state.keys()] : (await driver.listVms()).filter((v) => v.state === 'running').map((v) => v.name))
    return {names, state, at: (options.now ?? (() => new Date()))().toISOString()}
  })
  // The driver's own error names the host and carries its exit status.
  for (const o of outcomes) if (!o.ok) throw o.error
  const history = options.history ?? []
  const siteRate = median(history.filter((r) => r.dirty_rate_mibs !== undefined).map((r) => r.dirty_rate_mibs!))
  const out = new Map<string, VmStateReading>()
  for (const o of outcomes) {
    if (!o.ok) continue
    for (const vm of o.value.names) {
      const measured = o.value.state.get(vm) ?? {}
      const reading: VmStateReading = {vm, host: o.host, ...measured, dirtyRateFrom: 'measured', measuredAt: o.value.at}
      if (measured.dirtyRateMiBs === undefined) {
        const last = [...history].reverse().find((r) => r.vm === vm && r.dirty_rate_mibs !== undefined)
        if (last) Object.assign(reading, {dirtyRateMiBs: last.dirty_rate_mibs, dirtyRateFrom: 'last-migration'})
        else if (siteRate !== undefined) Object.assign(reading, {dirtyRateMiBs: siteRate, dirtyRateFrom: 'history'})
        else reading.dirtyRateFrom = 'none'
      }
      out.set(vm, reading)
    }
  }
  return out
}
