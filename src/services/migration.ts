import {dirname} from 'node:path'

import {NotFoundError, UsageError, ViolinError} from '../errors.js'
import type {MigrateOptions, MigrationResult, VmInfo, VmMigrationState} from '../hypervisor/driver.js'
import {migrationUri} from '../hypervisor/libvirt/uri.js'
import {consoleLogPath, VM_FILES_DIR} from '../inventory/environment-record.js'
import {DEFAULT_LIBVIRT_URI} from '../inventory/host.js'
import {recordMigrations, toRecord} from '../monitor/migration-history.js'
import {createImage, fileSize, imageInfo, makeDirs, removeFiles} from '../transport/files.js'
import type {Selection, Session} from './session.js'
import {switchAfterLeaving, switchBeforeLanding} from './switch-service.js'
import {type Located, locateVm} from './vms.js'

export interface MigrationPlan {
  name: string
  from: string
  to: string
  destinationUri: string
  live: boolean
  /** Only the shut-off VM's definition moves (migrate --offline). */
  offline: boolean
  copyStorage: boolean
  peerToPeer: boolean
  /** The migration finishes even if violin dies during it (the adaptation loop's moves). */
  outliveClient?: boolean
  bandwidthMiBs?: number
  timeoutSec?: number
  autoConverge?: boolean
  postCopy?: boolean
  memoryMiB: number
  /** Writable disks copied with --copy-storage-all; created empty on the destination first. */
  copiedDisks: Array<{path: string; format: string; bytes: number}>
}

export type PlannedMigration = Located & {plan: MigrationPlan}

/**
 * Checks a move before anything happens: the destination has room, the head node of an
 * environment stays in its site, and every file the VM runs from is reachable there.
 * Sites share no storage: a read-only image or kernel must already be on the destination
 * (violin image push), a writable disk moves only with --copy-storage-all.
 */
export async function planMigration(
  session: Session,
  name: string,
  to: string,
  options: MigrateOptions & {offline?: boolean},
  selection: Selection,
): Promise<PlannedMigration> {
  const dest = session.host(to)
  const {located, info} = await locateWithInfo(session, name, selection)
  const source = located.host
  if (source.name === dest.name) throw new UsageError(`VM "${name}" is already on host "${dest.name}"`)
  if (source.driver !== dest.driver) throw new UsageError(`cannot migrate between a ${source.driver} host and a ${dest.driver} host`)
  const env = session.inventory?.environmentOf(name)
  const head = env?.vms.find((v) => v.name === name && v.role === 'head')
  if (env && head && dest.site !== env.headSite) {
    throw new UsageError(
      `VM "${name}" is the head node of environment "${env.name}" and stays in site "${env.headSite}"; host "${dest.name}" is in "${dest.site}"`,
    )
  }
  const offline = Boolean(options.offline)
  if (!offline && info.state === 'shutoff') {
    throw new UsageError(
      `VM "${name}" is shut off: ${options.live ? 'a live migration' : 'a migration'} moves a running VM`,
      `violin migrate ${name} ${dest.name} --offline   (moves its definition only)`,
    )
  }
  if (offline && info.state !== 'shutoff') {
    throw new UsageError(
      `VM "${name}" is ${info.state}: --offline moves only a shut-off VM's definition`,
      `violin migrate ${name} ${dest.name} --live`,
    )
  }
  const destInfo: {freeMemoryMiB?: number} = offline ? {} : await (await session.driver(dest)).hostInfo()
  if (destInfo.freeMemoryMiB !== undefined && destInfo.freeMemoryMiB < info.memoryMiB) {
    throw new ViolinError(`host "${dest.name}" has ${Math.floor(destInfo.freeMemoryMiB)} MiB free; "${name}" needs ${info.memoryMiB} MiB`)
  }
  const copiedDisks: MigrationPlan['copiedDisks'] = []
  if (source.driver !== 'sim') {
    const files = await located.driver.vmFiles(name)
    const src = session.transport(source)
    const dst = session.transport(dest)
    const shared = [files.kernel, files.initrd, ...files.disks.filter((d) => d.readOnly).map((d) => d.path)].filter((p): p is string =>
      Boolean(p),
    )
    for (const path of shared) {
      const [here, there] = await Promise.all([fileSize(src, path), fileSize(dst, path)])
      if (there === undefined) {
        throw new ViolinError(
          `VM "${name}" runs from ${path}, which host "${dest.name}" does not have`,
          undefined,
          `copy it there first: violin image push ${path} ${dest.name} --dir ${dirname(path)}`,
        )
      }
      if (here !== undefined && here !== there) {
        throw new ViolinError(
          `VM "${name}" runs from ${path}, and host "${dest.name}" has a different file there (${there} bytes, not ${here})`,
          undefined,
          `violin image push ${path} ${dest.name} --dir ${dirname(path)}`,
        )
      }
    }
    for (const disk of files.disks.filter((d) => !d.readOnly)) {
      const there = await fileSize(dst, disk.path)
      if (!options.copyStorage) {
        if (there === undefined) {
          throw new ViolinError(
            `VM "${name}" has a writable disk ${disk.path} on host "${source.name}" that host "${dest.name}" cannot reach (sites share no storage)`,
            undefined,
            offline
              ? `an offline move copies no disk: copy ${disk.path} to host "${dest.name}" first`
              : `violin migrate ${name} ${dest.name} --copy-storage-all`,
          )
        }
      } else {
        if (there !== undefined)
          throw new ViolinError(
            `host "${dest.name}" already has ${disk.path}; copying the disk would overwrite it`,
            undefined,
            'move or remove that file first',
          )
        const image = await imageInfo(src, disk.path)
        copiedDisks.push({path: disk.path, format: image.format, bytes: image.virtualSize})
      }
    }
  }
  const ssh = dest.transport.kind === 'ssh' ? dest.transport : undefined
  const destinationUri =
    dest.driver === 'libvirt'
      ? migrationUri(dest.uri ?? DEFAULT_LIBVIRT_URI, ssh)
      : dest.driver === 'xl'
        ? ssh
          ? `${ssh.user}@${ssh.address}`
          : dest.name
        : dest.name
  return {
    ...located,
    plan: {
      name,
      from: source.name,
      to: dest.name,
      destinationUri,
      memoryMiB: info.memoryMiB,
      live: options.live,
      offline,
      copyStorage: Boolean(options.copyStorage),
      peerToPeer: Boolean(options.peerToPeer),
      ...(options.outliveClient ? {outliveClient: true} : {}),
      ...(options.bandwidthMiBs === undefined ? {} : {bandwidthMiBs: options.bandwidthMiBs}),
      ...(options.timeoutSec === undefined ? {} : {timeoutSec: options.timeoutSec}),
      ...(options.autoConverge ? {autoConverge: true} : {}),
      ...(options.postCopy ? {postCopy: true} : {}),
      copiedDisks,
    },
  }
}

/** Finds the VM and reads it; a shut-off xl VM, which xl does not list, is its stored config on the one --host named. */
async function locateWithInfo(session: Session, name: string, selection: Selection): Promise<{located: Located; info: VmInfo}> {
  try {
    const located = await locateVm(session, name, selection)
    return {located, info: await located.driver.vmInfo(name)}
  } catch (error) {
    const only = selection.hosts?.length === 1 ? session.host(selection.hosts[0]!) : undefined
    const driver = only && (await session.driver(only))
    if (!(error instanceof NotFoundError) || !driver?.storedVmInfo) throw error
    return {located: {host: only!, driver}, info: await driver.storedVmInfo(name)}
  }
}

/**
 * Performs a planned move and keeps the books: the measured result goes into the
 * migration history (for calibration), the inventory follows the VM, and violin's own
 * files for it on the source (console log, a disk that was copied) are removed. When the
 * hypervisor fails, the VM is still on the source (libvirt resumes it there) and the
 * disks violin created on the destination are removed again.
 */
export async function runMigration(
  session: Session,
  planned: PlannedMigration,
  options: {concurrent?: number; switchReady?: boolean; timedFor?: string; state?: VmMigrationState} = {},
): Promise<MigrationResult> {
  const {plan, driver} = planned
  if (plan.offline) return runOfflineMigration(session, planned)
  const source = session.host(plan.from)
  const dest = session.host(plan.to)
  const env = session.inventory?.environmentOf(plan.name)
  const created: string[] = []
  let result: MigrationResult
  let timing: {command?: string; leadMs?: number; gapMs?: number} = {}
  let state: VmMigrationState | undefined
  let startedMs = 0
  // The destination's switch first: the VM's NIC needs its bridge there the moment it lands.
  if (env && !options.switchReady) await switchBeforeLanding(session, env, [{vm: plan.name, host: plan.to}])
  try {
    if (plan.copiedDisks.length > 0) {
      const dst = session.transport(dest)
      await makeDirs(dst, ...new Set(plan.copiedDisks.map((d) => dirname(d.path))))
      for (const disk of plan.copiedDisks) {
        await createImage(dst, disk.path, disk.format, disk.bytes)
        created.push(disk.path)
      }
    }
    // What the VM holds, for the record the calibration learns from (one quick read; a rate only when the caller measured it).
    state =
      options.state ??
      (plan.live && driver.measureMigrationState
        ? (await driver.measureMigrationState([plan.name], 0).catch(() => undefined))?.get(plan.name)
        : undefined)
    // timedFor names a one-shot command (`vacate`) whose lead (start-up and planning, less the
    // time it chose to measure the hosts over) or gap (bookkeeping since the last move ended)
    // is recorded. A long-running loop's would be its waiting.
    startedMs = performance.now()
    const lastEnd = session.lastTimedMigrationEndMs
    if (options.timedFor)
      timing = {
        command: options.timedFor,
        ...(lastEnd === undefined ? {leadMs: Math.max(0, startedMs - session.sleptMs)} : {gapMs: Math.max(0, startedMs - lastEnd)}),
      }
    result = await driver.migrate(
      plan.name,
      {hostName: plan.to, uri: plan.destinationUri},
      {
        live: plan.live,
        copyStorage: plan.copyStorage,
        peerToPeer: plan.peerToPeer,
        outliveClient: plan.outliveClient,
        bandwidthMiBs: plan.bandwidthMiBs,
        timeoutSec: plan.timeoutSec,
        autoConverge: plan.autoConverge,
        postCopy: plan.postCopy,
      },
    )
  } catch (error) {
    if (options.timedFor) session.lastTimedMigrationEndMs = performance.now()
    if (created.length > 0) await removeFiles(session.transport(dest), created).catch(() => undefined)
    throw error
  }
  // The move ended when its wall time did: reading the job's statistics afterwards is the command's own time (the next gap, or the tail).
  if (options.timedFor) session.lastTimedMigrationEndMs = Math.min(performance.now(), startedMs + result.wallMs)
  try {
    await recordMigrations(
      [
        toRecord({
          vm: plan.name,
          from: plan.from,
          to: plan.to,
          live: plan.live,
          memoryMiB: plan.memoryMiB,
          concurrent: options.concurrent ?? 1,
          result,
          ...timing,
          ...(state ? {state} : {}),
        }),
      ],
      await session.store(),
    )
    await session.inventory?.moveEnvironmentVm(plan.name, plan.to)
    if (env && !options.switchReady) await switchAfterLeaving(session, env, [plan.from], [{vm: plan.name, host: plan.to}])
  } catch (error) {
    // The move itself happened: say so, rather than let the bookkeeping pass for a failed migration.
    throw new ViolinError(`"${plan.name}" moved to "${plan.to}", but what follows a move failed: ${(error as Error).message}`)
  }
  if (source.driver !== 'sim') {
    const leftovers = [consoleLogPath(plan.name), ...plan.copiedDisks.map((d) => d.path).filter((p) => p.startsWith(`${VM_FILES_DIR}/`))]
    await removeFiles(session.transport(source), leftovers).catch(() => undefined)
  }
  return result
}

/** Moves a shut-off VM's definition: no switch work (it has no NIC up), no timing for calibration (no memory travels). */
async function runOfflineMigration(session: Session, {plan, driver}: PlannedMigration): Promise<MigrationResult> {
  const started = performance.now()
  await driver.migrateOffline(plan.name, {hostName: plan.to, uri: plan.destinationUri}, await session.driver(session.host(plan.to)))
  try {
    await session.inventory?.moveEnvironmentVm(plan.name, plan.to)
  } catch (error) {
    throw new ViolinError(`"${plan.name}" moved to "${plan.to}", but the inventory could not follow: ${(error as Error).message}`)
  }
  return {wallMs: Math.round(performance.now() - started)}
}
