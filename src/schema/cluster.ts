/** A simulated cluster file (`--connect sim:FILE`, examples/two-sites.yaml): `violin schema cluster`. */
import * as v from 'valibot'

import {list, mapping, number, oneOf, positiveWhole, size, text} from './fields.js'

const host = mapping({
  name: text('a host name'),
  site: v.optional(text('a site name'), 'default'),
  cores: positiveWhole('a positive whole number of cores'),
  memory: size(),
})

const vm = mapping({
  name: text('a VM name'),
  host: text('a host name'),
  state: v.optional(oneOf(['running', 'paused', 'shutoff'] as const), 'running'),
  vcpus: v.optional(positiveWhole(), 1),
  memory: size(),
  maxMemory: v.optional(size()),
  cpu: v.optional(number('a number from 0 to 1 (its CPU demand)', {min: 0, max: 1}), 0),
  memoryUsed: v.optional(size()),
  net: v.optional(size('the bytes it sends and receives per second, as a size (5MiB)')),
})

export const clusterSchema = v.pipe(
  mapping({
    hosts: list(host, 'a list of hosts'),
    vms: v.optional(list(vm, 'a list of VMs'), []),
    start: v.optional(text('a date like 2026-01-01T00:00:00Z')),
  }),
  v.title('violin simulated cluster'),
  v.description("Hosts and VMs for `violin --connect sim:FILE`: no hypervisor needed; CPU time advances only with violin's clock."),
)
