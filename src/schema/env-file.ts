/** The `env define` file, as a schema: its JSON Schema is `violin schema env-file`. */
import * as v from 'valibot'

import {DATAPLANE_CHOICES, ROLES} from '../inventory/environment-record.js'
import {PLACEMENTS} from '../policy/placement.js'
import {absolutePath, expecting, flag, list, mapping, number, oneOf, positiveWhole, size, text} from './fields.js'

const shape = {
  vcpus: v.optional(positiveWhole()),
  memory: v.optional(size()),
  max_memory: v.optional(size()),
  cmdline: v.optional(text()),
}

export const envVmSchema = mapping({
  ...shape,
  host: v.optional(text('a host name')),
  name: v.optional(text('a VM name')),
  role: v.optional(oneOf(ROLES)),
})

export const envDefaultsSchema = mapping({
  ...shape,
  kernel: v.optional(absolutePath()),
  initrd: v.optional(absolutePath()),
  image: v.optional(text('an image name (in /var/lib/violin/images) or a path')),
  disk_size: v.optional(size()),
})

const VMS = 'a count or a non-empty list of VMs'

export const envFileSchema = v.pipe(
  mapping({
    name: text('a name for the environment'),
    head_site: v.optional(text('a site name')),
    placement: v.optional(oneOf(PLACEMENTS)),
    hosts: v.optional(list(text('a host name'), 'a list of host names')),
    defaults: v.optional(envDefaultsSchema),
    vms: expecting(v.union([positiveWhole(VMS), list(envVmSchema, VMS, 1)], VMS), VMS),
    dataplane: v.optional(oneOf(DATAPLANE_CHOICES)),
    auth_data: v.optional(flag()),
    underlay_mtu: v.optional(number('a whole number from 1280 to 65535', {min: 1280, max: 65_535, whole: true})),
  }),
  v.title('violin env define file'),
  v.description('An environment for `violin env define --file`: a head node and compute nodes, created together.'),
)

export type EnvFile = v.InferOutput<typeof envFileSchema>
