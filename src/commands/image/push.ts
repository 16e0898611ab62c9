import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {IMAGES_DIR} from '../../inventory/environment-record.js'
import {pushImage} from '../../services/images.js'
import {formatMiB} from '../../units.js'

export default class ImagePush extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Copy a read-only VM image to hosts over SSH, checked by SHA-256.'
  static override description =
    `The image lands at the same path on every host (${IMAGES_DIR}/NAME unless --dir), so VMs that boot from it can live-migrate between hosts and sites that share no storage (their writable state stays in memory). The copy is written under a temporary name, checked, then renamed: a VM never sees half an image. Hosts that already have the same bytes are skipped. Exit 7 when some hosts failed.`
  static override examples = [
    '<%= config.bin %> image push ./debian12.raw e1 e2 w1',
    '<%= config.bin %> image push ./vmlinux e1 w1 --dir /srv/kernels',
  ]
  static override strict = false
  static override args = {
    image: Args.string({description: 'local image file', required: true}),
    host: Args.string({description: 'destination hosts (inventory names)', required: true}),
  }

  static override flags = {dir: Flags.string({summary: 'Directory on the hosts.', default: IMAGES_DIR, helpValue: 'DIR'})}

  async run() {
    const {args, argv, flags} = await this.parse(ImagePush)
    this.quiet = flags.quiet
    const hosts = (argv as string[]).slice(1)
    const session = await this.openSession(flags)
    const progress = await this.progress(`Copying ${args.image} to ${hosts.length} host(s)...`)
    const {sha256, outcomes} = await pushImage(session, args.image, hosts, flags.dir).finally(() => progress.stop())
    for (const o of outcomes) {
      if (o.ok)
        this.note(
          `${o.host}: ${o.value.path} ${o.value.action === 'copied' ? `copied (${formatMiB(o.value.bytes / 1024 ** 2)})` : 'already up to date'}`,
        )
      else this.warnHost(o.host, o.error)
    }
    this.exitForOutcomes(outcomes)
    return {sha256, hosts: outcomes.map((o) => (o.ok ? {...o.value, ok: true} : {host: o.host, ok: false, error: o.error.message}))}
  }
}
