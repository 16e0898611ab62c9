import {type Dataplane, DEFAULT_DATAPLANE, imagePath} from '../inventory/environment-record.js'
import {check, fileError} from '../schema/check.js'
import {envFileSchema} from '../schema/env-file.js'
import {parseYaml} from '../schema/yaml.js'
import {type EnvironmentRequest, uniformVms, type VmRequest} from './env-request.js'

type Shape = Omit<VmRequest, 'name' | 'role'>

/**
 * Reads an `env define` file: the declarative form of `env create`. `vms` is a count
 * (named NAME-head, NAME-c1, ...) or a list; in a list, the VM with `role: head`, else the
 * first, is the head node. Every mistake is `FILE:LINE:COL: FIELD: expected ..., found ...`
 * (src/schema/env-file.ts has the schema; what it cannot say, across fields, is checked here).
 */
export async function parseEnvironmentFile(file: string, text: string): Promise<EnvironmentRequest> {
  const {value, source} = parseYaml(file, text)
  const root = check(envFileSchema, value, source)
  const fail = (path: Array<string | number>, expected: string, found: unknown, shown?: string): never => {
    throw fileError(source, path, expected, found, {found: shown})
  }
  const {name} = root
  const d: NonNullable<typeof root.defaults> = root.defaults ?? {}
  const shape = (
    o: {vcpus?: number; memory?: number; max_memory?: number; cmdline?: string; host?: string},
    at: Array<string | number>,
    base?: Shape,
  ): Shape => {
    const memoryMiB = o.memory ?? base?.memoryMiB ?? 256
    const maxMemoryMiB = o.max_memory ?? Math.max(memoryMiB, base?.maxMemoryMiB ?? memoryMiB)
    if (maxMemoryMiB < memoryMiB) fail([...at, 'max_memory'], `at least memory (${memoryMiB} MiB)`, maxMemoryMiB, `${maxMemoryMiB} MiB`)
    return {
      vcpus: o.vcpus ?? base?.vcpus ?? 1,
      memoryMiB,
      maxMemoryMiB,
      ...(o.cmdline === undefined ? {} : {cmdline: o.cmdline}),
      ...(o.host === undefined ? {} : {host: o.host}),
    }
  }
  const defaults = shape({vcpus: d.vcpus, memory: d.memory, max_memory: d.max_memory}, ['defaults'])
  let vms: VmRequest[]
  if (typeof root.vms === 'number') {
    vms = uniformVms(name, root.vms, defaults)
  } else {
    const list = root.vms
    const headAt = Math.max(
      0,
      list.findIndex((v) => v.role === 'head'),
    )
    vms = list.map((v, i) => {
      if (v.role === 'head' && i !== headAt)
        fail(['vms', i, 'role'], `compute: only one VM can be the head node (vms[${headAt}] is)`, v.role)
      return {
        ...shape(v, ['vms', i], defaults),
        name: v.name ?? (i === headAt ? `${name}-head` : `${name}-c${i}`),
        role: i === headAt ? 'head' : 'compute',
      }
    })
  }
  if (d.initrd && !d.kernel) fail(['defaults', 'initrd'], 'defaults.kernel beside it (an initrd needs a kernel)', d.initrd)
  if (!d.kernel && d.image === undefined) fail(['defaults'], 'kernel (with initrd) or image: something to boot', root.defaults)
  if (!d.kernel) {
    const needsKernel = 'no cmdline without defaults.kernel (a VM booting from its image has its own command line)'
    if (d.cmdline !== undefined) fail(['defaults', 'cmdline'], needsKernel, d.cmdline)
    const at = vms.findIndex((v) => v.cmdline !== undefined)
    if (at >= 0) fail(['vms', at, 'cmdline'], needsKernel, vms[at]!.cmdline)
  }
  if (d.image !== undefined && d.disk_size !== undefined)
    fail(
      ['defaults', 'disk_size'],
      'no disk_size beside image (a VM has either the shared read-only image or a private disk)',
      d.disk_size,
      `${d.disk_size} MiB`,
    )
  const choice = root.dataplane ?? DEFAULT_DATAPLANE
  const dataplane = choice === 'none' ? undefined : (choice as Dataplane)
  if (root.auth_data === true && dataplane !== 'udp')
    fail(['auth_data'], 'false unless dataplane: udp (a kernel VXLAN device cannot check signatures)', true)
  const mtu = root.underlay_mtu
  if (mtu !== undefined && !dataplane) fail(['underlay_mtu'], 'no underlay_mtu with dataplane: none (it is the MTU of a dataplane)', mtu)
  return {
    name,
    placement: root.placement ?? 'spread',
    ...(dataplane ? {dataplane} : {}),
    ...(root.auth_data === true ? {authData: true} : {}),
    ...(mtu === undefined ? {} : {underlayMtu: mtu}),
    vms,
    ...(root.head_site === undefined ? {} : {headSite: root.head_site}),
    ...(root.hosts ? {hosts: root.hosts} : {}),
    ...(d.kernel ? {boot: {kernel: d.kernel, ...(d.initrd ? {initrd: d.initrd} : {}), ...(d.cmdline ? {cmdline: d.cmdline} : {})}} : {}),
    ...(d.image === undefined ? {} : {image: imagePath(d.image)}),
    ...(d.disk_size === undefined ? {} : {diskMiB: d.disk_size}),
  }
}
