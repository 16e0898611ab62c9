import * as Flags from '@oclif/core/flags'

import {ViolinCommand} from '../base-command.js'
import {formatFlags, selectionFlags} from '../flags.js'
import {listingJson} from '../render/json-rows.js'
import {type VmListing, listVms} from '../services/vms.js'
import {csvRowsAt} from '../render/output.js'

export default class List extends ViolinCommand {
  static override summary = 'List the VMs of every host, like virsh list.'
  static override description =
    "Asks every selected host at once. Hosts that do not answer, or whose hypervisor does not (libvirtd stopped, a wrong URI, no Xen), are named on stderr and in --json's failed while the others are still listed, and the exit status is 7 (5 when none answered)."
  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list --all --site east',
    '<%= config.bin %> list --connect sim:examples/two-sites.yaml --format csv',
    '<%= config.bin %> list --name   # bare names, for scripts',
  ]

  static override flags = {
    ...selectionFlags,
    ...formatFlags,
    all: Flags.boolean({char: 'a', summary: 'Include VMs that are shut off.'}),
    name: Flags.boolean({summary: 'Print only VM names, one a line.', exclusive: ['format', 'json']}),
  }

  async run(): Promise<VmListing> {
    const {flags} = await this.parse(List)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const progress = await this.progress('Asking the hosts...')
    const listing = await listVms(session, {hosts: flags.host, site: flags.site}, flags.all).finally(() => progress.stop())
    for (const f of listing.failed) this.warnHost(f.host, new Error(f.error))
    if (flags.name && !this.jsonEnabled()) for (const vm of listing.vms) this.log(vm.name)
    else
      await this.render(
        flags.format,
        listingJson(listing),
        listing.vms,
        [
          {header: 'Host', get: (r) => r.host},
          {header: 'Site', get: (r) => r.site},
          {header: 'Id', get: (r) => r.id, align: 'right'},
          {header: 'Name', get: (r) => r.name},
          {header: 'State', get: (r) => r.state},
        ],
        csvRowsAt('vms'),
      )
    this.exitForHosts(listing.asked, listing.failed)
    return listingJson(listing)
  }
}
