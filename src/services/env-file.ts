import {isAbsolute} from 'node:path'

import {ConfigError} from '../errors.js'
import {type Dataplane, DATAPLANE_CHOICES, type DataplaneChoice, DEFAULT_DATAPLANE, IMAGES_DIR} from '../inventory/environment.js'
import {PLACEMENTS, type Placement} from '../policy/placement.js'
import {parseSizeMiB} from '../units.js'
import {type EnvironmentRequest, uniformVms, type VmRequest} from './environments.js'

const TOP_KEYS = ['name', 'head_site', 'placement', 'hosts', 'defaults', 'vms', 'dataplane', 'auth_data', 'underlay_mtu']
const SHAPE_KEYS = ['vcpus', 'memory', 'max_memory', 'cmdline']
const VM_KEYS = [...SHAPE_KEYS, 'host', 'name', 'role']
const DEFAULT_KEYS = [...SHAPE_KEYS, 'kernel', 'initrd', 'image', 'disk_size']

/**
 * An image given by bare name lives in violin's image directory on every host (where
 * `violin image push` puts it); a path is used as it is.
 */
export function imagePath(image: string): string {
  return image.includes('/') ? image : `${IMAGES_DIR}/${image}`
}

/**
 * Reads an `env define` file: the declarative form of `env create`. `vms` is a count
 * (named NAME-head, NAME-c1, ...) or a list; in a list, the VM with `role: head`, else the
 * first, is the head node. Every mistake names the file and the field.
 */
export async function parseEnvironmentFile(file: string, text: string): Promise<EnvironmentRequest> {
  const {load} = await import('js-yaml')
  let doc: unknown
  try {
    doc = load(text)
  } catch (error) {
    throw new ConfigError(file, undefined, `not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  const fail = (field: string, detail: string): never => {
    throw new ConfigError(file, field, detail)
  }
  const obj = (x: unknown, at: string): Record<string, unknown> => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : fail(at, 'must be a mapping'))
  const known = (o: Record<string, unknown>, keys: string[], at: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(at ? `${at}.${k}` : k, `is not a known key (known: ${keys.join(', ')})`)
  }
  const str = (x: unknown, at: string): string => (typeof x === 'string' && x.length > 0 ? x : fail(at, 'must be a non-empty string'))
  const int = (x: unknown, at: string): number => (Number.isInteger(x) && (x as number) > 0 ? (x as number) : fail(at, 'must be a positive whole number'))
  const size = (x: unknown, at: string): number => {
    try {
      return parseSizeMiB(typeof x === 'number' ? String(x) : str(x, at))
    } catch (error) {
      return fail(at, (error as Error).message)
    }
  }
  const path = (x: unknown, at: string): string => {
    const p = str(x, at)
    return isAbsolute(p) ? p : fail(at, 'must be an absolute path on the hosts')
  }
  const root = obj(doc, '(top level)')
  known(root, TOP_KEYS, '')
  const name = str(root.name, 'name')
  const d = root.defaults === undefined ? {} : obj(root.defaults, 'defaults')
  known(d, DEFAULT_KEYS, 'defaults')
  const shape = (o: Record<string, unknown>, at: string, base?: Omit<VmRequest, 'name' | 'role'>): Omit<VmRequest, 'name' | 'role'> => {
    const memoryMiB = o.memory === undefined ? (base?.memoryMiB ?? 256) : size(o.memory, `${at}.memory`)
    const maxMemoryMiB = o.max_memory === undefined ? Math.max(memoryMiB, base?.maxMemoryMiB ?? memoryMiB) : size(o.max_memory, `${at}.max_memory`)
    if (maxMemoryMiB < memoryMiB) fail(`${at}.max_memory`, `is below memory (${memoryMiB} MiB)`)
    const cmdline = o.cmdline === undefined ? undefined : str(o.cmdline, `${at}.cmdline`)
    return {
      vcpus: o.vcpus === undefined ? (base?.vcpus ?? 1) : int(o.vcpus, `${at}.vcpus`),
      memoryMiB,
      maxMemoryMiB,
      ...(cmdline === undefined ? {} : {cmdline}),
      ...(o.host === undefined ? {} : {host: str(o.host, `${at}.host`)}),
    }
  }
  const defaults = shape({...d, cmdline: undefined, host: undefined}, 'defaults')
  let vms: VmRequest[]
  if (typeof root.vms === 'number') {
    vms = uniformVms(name, int(root.vms, 'vms'), defaults)
  } else if (Array.isArray(root.vms) && root.vms.length > 0) {
    const list = root.vms.map((x, i) => obj(x, `vms[${i}]`))
    const headAt = Math.max(0, list.findIndex((v) => v.role === 'head'))
    vms = list.map((v, i) => {
      const at = `vms[${i}]`
      known(v, VM_KEYS, at)
      if (v.role !== undefined && v.role !== 'head' && v.role !== 'compute') fail(`${at}.role`, 'must be head or compute')
      if (v.role === 'head' && i !== headAt) fail(`${at}.role`, 'only one VM can be the head node')
      return {...shape(v, at, defaults), name: v.name === undefined ? (i === headAt ? `${name}-head` : `${name}-c${i}`) : str(v.name, `${at}.name`), role: i === headAt ? 'head' : 'compute'}
    })
  } else {
    fail('vms', 'must be a count or a non-empty list of VMs')
  }
  const placement = root.placement === undefined ? 'spread' : (str(root.placement, 'placement') as Placement)
  if (!PLACEMENTS.includes(placement)) fail('placement', `must be one of ${PLACEMENTS.join(', ')}`)
  const hosts = root.hosts === undefined ? undefined : Array.isArray(root.hosts) ? root.hosts.map((h, i) => str(h, `hosts[${i}]`)) : fail('hosts', 'must be a list of host names')
  const kernel = d.kernel === undefined ? undefined : path(d.kernel, 'defaults.kernel')
  const initrd = d.initrd === undefined ? undefined : path(d.initrd, 'defaults.initrd')
  if (initrd && !kernel) fail('defaults.initrd', 'needs defaults.kernel')
  const cmdline = d.cmdline === undefined ? undefined : str(d.cmdline, 'defaults.cmdline')
  if (!kernel && d.image === undefined) fail('defaults', 'needs kernel (with initrd) or image: something to boot')
  if (!kernel) {
    if (cmdline !== undefined) fail('defaults.cmdline', 'needs defaults.kernel (a VM booting from its image has its own command line)')
    const at = vms!.findIndex((v) => v.cmdline !== undefined)
    if (at >= 0) fail(`vms[${at}].cmdline`, 'needs defaults.kernel (a VM booting from its image has its own command line)')
  }
  if (d.image !== undefined && d.disk_size !== undefined) fail('defaults.disk_size', 'cannot go with image: a VM has either the shared read-only image or a private disk')
  const choice = root.dataplane === undefined ? DEFAULT_DATAPLANE : (str(root.dataplane, 'dataplane') as DataplaneChoice)
  if (!DATAPLANE_CHOICES.includes(choice)) fail('dataplane', `must be one of ${DATAPLANE_CHOICES.join(', ')}`)
  const dataplane = choice === 'none' ? undefined : (choice as Dataplane)
  if (root.auth_data !== undefined && typeof root.auth_data !== 'boolean') fail('auth_data', 'must be true or false')
  if (root.auth_data === true && dataplane !== 'udp') fail('auth_data', 'needs dataplane: udp (a kernel VXLAN device cannot check signatures)')
  const mtu = root.underlay_mtu
  if (mtu !== undefined && !(Number.isInteger(mtu) && (mtu as number) >= 1280 && (mtu as number) <= 65_535)) fail('underlay_mtu', 'must be a whole number from 1280 to 65535')
  if (mtu !== undefined && !dataplane) fail('underlay_mtu', 'needs a dataplane (vxlan or udp), not none')
  return {
    name,
    placement,
    ...(dataplane ? {dataplane} : {}),
    ...(root.auth_data === true ? {authData: true} : {}),
    ...(mtu === undefined ? {} : {underlayMtu: mtu as number}),
    vms: vms!,
    ...(root.head_site === undefined ? {} : {headSite: str(root.head_site, 'head_site')}),
    ...(hosts ? {hosts} : {}),
    ...(kernel ? {boot: {kernel, ...(initrd ? {initrd} : {}), ...(cmdline ? {cmdline} : {})}} : {}),
    ...(d.image === undefined ? {} : {image: imagePath(str(d.image, 'defaults.image'))}),
    ...(d.disk_size === undefined ? {} : {diskMiB: size(d.disk_size, 'defaults.disk_size')}),
  }
}
