import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {MAX_COUNT, vmShapeFlags} from '../../flags.js'
import {imagePath} from '../../inventory/environment-record.js'
import {type EnvironmentRequest, uniformVms} from '../../services/env-request.js'
import {parseSizeMiB} from '../../units.js'

export default class EnvCreate extends EnvCommand {
  static override summary = 'Create an environment: a head node and compute nodes, placed where they fit, defined and started.'
  static override description =
    "VMs are named NAME-head, NAME-c1, NAME-c2... The head node goes to --head-site (default: the site with the most free cores); compute nodes go to the head's site when they fit there, else to other sites. A host's room is its cores and memory minus what its VMs (running or not) hold. When the environment does not fit, nothing is created and the message says what each host has left. If a VM cannot be defined, the whole create is undone. For libvirt hosts the domain type is the host's --domain-type (kvm where the host offers it, else qemu)."
  static override examples = [
    '<%= config.bin %> env create lab --vms 4 --head-site east --kernel /srv/vmlinux --initrd /srv/initrd.gz --memory 512M --max-memory 1G',
    '<%= config.bin %> env create web --vms 3 --image debian12.raw --placement pack',
    '<%= config.bin %> env create scratch --vms 2 --kernel /srv/vmlinux --disk-size 2G --dry-run',
    '<%= config.bin %> env create iso --vms 2 --kernel /srv/vmlinux --dataplane none   # no Ethernet of its own',
  ]

  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {
    vms: Flags.integer({summary: 'How many VMs, the head node included.', required: true, min: 1, max: MAX_COUNT, helpValue: 'N'}),
    'head-site': Flags.string({summary: 'The site of the head node (it never leaves it).', helpValue: 'SITE'}),
    ...vmShapeFlags,
    host: Flags.string({char: 'H', summary: 'Only place VMs on this host (repeat for several).', multiple: true, helpValue: 'HOST'}),
    start: Flags.boolean({summary: 'Start the VMs once defined.', default: true, allowNo: true}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Show where the VMs would go; change nothing.'}),
  }

  async run() {
    const {args, flags} = await this.parse(EnvCreate)
    this.quiet = flags.quiet
    const memoryMiB = parseSizeMiB(flags.memory)
    const request: EnvironmentRequest = {
      name: args.name,
      placement: flags.placement,
      vms: uniformVms(args.name, flags.vms, {
        vcpus: flags.vcpus,
        memoryMiB,
        maxMemoryMiB: flags['max-memory'] ? parseSizeMiB(flags['max-memory']) : memoryMiB,
      }),
      ...(flags['head-site'] ? {headSite: flags['head-site']} : {}),
      ...(flags.host ? {hosts: flags.host} : {}),
      ...(flags.kernel
        ? {
            boot: {
              kernel: flags.kernel,
              ...(flags.initrd ? {initrd: flags.initrd} : {}),
              ...(flags.cmdline ? {cmdline: flags.cmdline} : {}),
            },
          }
        : {}),
      ...(flags.image ? {image: imagePath(flags.image)} : {}),
      ...(flags['disk-size'] ? {diskMiB: parseSizeMiB(flags['disk-size'])} : {}),
      ...(flags.dataplane === 'none' ? {} : {dataplane: flags.dataplane}),
      ...(flags['auth-data'] ? {authData: true} : {}),
      ...(flags['underlay-mtu'] ? {underlayMtu: flags['underlay-mtu']} : {}),
    }
    const session = await this.openSession(flags)
    return this.create(session, request, {dryRun: flags['dry-run'], start: flags.start})
  }
}
