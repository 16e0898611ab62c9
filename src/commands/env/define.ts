import {readFile} from 'node:fs/promises'

import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {unreadableFile} from '../../errors.js'
import {parseEnvironmentFile} from '../../services/env-file.js'

export default class EnvDefine extends EnvCommand {
  static override summary = 'Create an environment from a YAML description (the declarative env create).'
  static override description = `The file:

  name: lab
  head_site: east          # optional
  placement: spread        # or pack
  hosts: [e1, e2, w1]      # optional: only these hosts
  dataplane: udp           # its own Ethernet: vxlan (the default: kernel, no agent), udp (agents), none
  auth_data: false         # optional, udp only: sign data frames too
  underlay_mtu: 1500       # optional: VMs get 50 bytes less
  defaults: {vcpus: 1, memory: 256M, max_memory: 512M, kernel: /srv/vmlinux, initrd: /srv/initrd.gz, cmdline: "console=ttyS0"}
  vms: 3                   # NAME-head, NAME-c1, NAME-c2; or a list:
  # vms:
  #   - {name: lab-head, role: head}
  #   - {name: lab-db, memory: 1G, cmdline: "role=db", host: e2}

A VM's cmdline is appended to the defaults' one. image (a name in /var/lib/violin/images or a path) and disk_size (a private disk per VM) are defaults too. Sizes take units (512M, 2GiB); a bare number is MiB. A mistake is reported in one line, FILE:LINE:COL: FIELD: expected ..., found ... (exit 3), and nothing is created. violin schema env-file prints the file's JSON Schema, for an editor to check it as you type.`

  static override examples = [
    '<%= config.bin %> env define --file lab.yaml',
    '<%= config.bin %> env define --file lab.yaml --dry-run --json',
  ]
  static override flags = {
    file: Flags.string({char: 'f', summary: 'The YAML description.', required: true, helpValue: 'FILE'}),
    start: Flags.boolean({summary: 'Start the VMs once defined.', default: true, allowNo: true}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Show where the VMs would go; change nothing.'}),
  }

  async run() {
    const {flags} = await this.parse(EnvDefine)
    this.quiet = flags.quiet
    const text = await readFile(flags.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw unreadableFile(flags.file, error)
    })
    const request = await parseEnvironmentFile(flags.file, text)
    const session = await this.openSession(flags)
    return this.create(session, request, {dryRun: flags['dry-run'], start: flags.start})
  }
}
