import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {basename} from 'node:path'

import {UsageError, ViolinError} from '../errors.js'
import {IMAGES_DIR} from '../inventory/environment-record.js'
import {HOST_NAME} from '../inventory/host.js'
import {fileSize, makeDirs, removeFiles, renameFile, sha256} from '../transport/files.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'

export interface PushResult {
  host: string
  path: string
  /** `copied`, or `unchanged` when the host already had the same bytes. */
  action: 'copied' | 'unchanged'
  bytes: number
}

async function localSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Copies a read-only image to the same path on every host, so VMs booting from it can
 * live-migrate between sites that share no storage. The copy lands under a temporary
 * name, its SHA-256 is checked on the host, and only then is it renamed into place: a
 * VM never sees half an image. A host that already has the same bytes is left alone.
 */
export async function pushImage(
  session: Session,
  localPath: string,
  hostNames: string[],
  dir = IMAGES_DIR,
): Promise<{sha256: string; outcomes: HostOutcome<PushResult>[]}> {
  const info = await stat(localPath).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read image ${localPath}: ${error.code ?? error.message}`)
  })
  if (!info.isFile()) throw new UsageError(`${localPath} is not a regular file`)
  const name = basename(localPath)
  if (!HOST_NAME.test(name)) throw new UsageError(`image file name "${name}" must be letters, digits, dot, dash and underscore`)
  if (!dir.startsWith('/')) throw new UsageError(`--dir must be an absolute path on the hosts, not "${dir}"`)
  const hosts = session.select({hosts: hostNames})
  const digest = await localSha256(localPath)
  const target = `${dir.replace(/\/+$/, '')}/${name}`
  const outcomes = await fanout(hosts, async (host): Promise<PushResult> => {
    if (host.driver === 'sim') throw new UsageError(`host "${host.name}" is simulated: it has no files`)
    const t = session.transport(host)
    if ((await fileSize(t, target)) === info.size && (await sha256(t, target)) === digest)
      return {host: host.name, path: target, action: 'unchanged', bytes: info.size}
    await makeDirs(t, dir)
    const temporary = `${dir}/.${name}.violin-partial`
    try {
      await t.putFile(localPath, temporary)
      const remote = await sha256(t, temporary)
      if (remote !== digest)
        throw new ViolinError(`host "${host.name}": the copy of ${name} has SHA-256 ${remote ?? '(unreadable)'}, not ${digest}`)
      await t.run(['chmod', '0444', '--', temporary])
      await renameFile(t, temporary, target)
    } catch (error) {
      await removeFiles(t, [temporary]).catch(() => undefined)
      throw error
    }
    return {host: host.name, path: target, action: 'copied', bytes: info.size}
  })
  return {sha256: digest, outcomes}
}
