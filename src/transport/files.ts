import {ViolinError} from '../errors.js'
import type {Transport} from './transport.js'

/** Small file operations on a host, through its transport (argv only, paths never parsed by a shell). */

export async function makeDirs(t: Transport, ...dirs: string[]): Promise<void> {
  await t.run(['mkdir', '-p', '--', ...dirs])
}

/** Size in bytes, or undefined when the path is not a readable regular file. */
export async function fileSize(t: Transport, path: string): Promise<number | undefined> {
  const r = await t.run(['stat', '-L', '-c', '%s %F', '--', path], {allowFailure: true})
  if (r.exitCode !== 0) return undefined
  const [size, ...type] = r.stdout.trim().split(' ')
  return type.join(' ') === 'regular file' || type.join(' ') === 'regular empty file' ? Number(size) : undefined
}

export async function sha256(t: Transport, path: string): Promise<string | undefined> {
  const r = await t.run(['sha256sum', '--', path], {allowFailure: true, timeoutMs: 600_000})
  return r.exitCode === 0 ? r.stdout.trim().split(/\s+/)[0] : undefined
}

export async function removeFiles(t: Transport, paths: readonly string[]): Promise<void> {
  if (paths.length > 0) await t.run(['rm', '-f', '--', ...paths])
}

export async function renameFile(t: Transport, from: string, to: string): Promise<void> {
  await t.run(['mv', '-f', '--', from, to])
}

/** qemu-img's virtual size and format of a disk image on the host. */
export async function imageInfo(t: Transport, path: string): Promise<{virtualSize: number; format: string}> {
  const r = await t.run(['qemu-img', 'info', '--output=json', '-U', '--', path], {allowFailure: true})
  if (r.exitCode !== 0) throw new ViolinError(`host "${t.host}": qemu-img info ${path}: ${r.stderr.trim()}`)
  const info = JSON.parse(r.stdout) as {'virtual-size': number; format: string}
  return {virtualSize: info['virtual-size'], format: info.format}
}

export async function createImage(t: Transport, path: string, format: string, bytes: number): Promise<void> {
  await t.run(['qemu-img', 'create', '-q', '-f', format, '--', path, String(bytes)])
}
