import * as Flags from '@oclif/core/flags'

import {DEFAULT_AGENT_DIR} from './agent/paths.js'
import {UsageError} from './errors.js'
import {DATAPLANE_CHOICES, type DataplaneChoice, DEFAULT_DATAPLANE} from './inventory/environment-record.js'
import {DEFAULT_POLICY_OPTIONS} from './policy/cluster-view.js'
import {PLACEMENTS} from './policy/placement.js'
import {FORMATS, type Format} from './render/table.js'

/*
 * Upper bounds of number flags: above any real use, low enough that a typo is a usage error
 * naming the flag instead of a day-long wait or an array of a trillion VMs.
 */
/** Intervals, timeouts and waits: a day. */
export const MAX_SECONDS = 86_400
/** VMs of an environment, migrations at once or per pass. */
export const MAX_COUNT = 1000
/** Readings of usage --watch. */
export const MAX_READINGS = 1_000_000
/** A migration's bandwidth limit: 1 TiB/s. */
export const MAX_MIBS = 1_048_576
export const MAX_VCPUS = 1024

export const selectionFlags = {
  host: Flags.string({char: 'H', summary: 'Only this host (repeat for several).', multiple: true, helpValue: 'HOST'}),
  site: Flags.string({char: 's', summary: 'Only the hosts of this site.', helpValue: 'SITE'}),
}

export const vmHostFlag = {
  host: Flags.string({
    char: 'H',
    summary: 'The host the VM is on (when the name alone is ambiguous).',
    multiple: true,
    multipleNonGreedy: true,
    helpValue: 'HOST',
  }),
}

export const formatFlags = {
  format: Flags.option({
    options: FORMATS,
    summary: 'Output format: table; csv (raw values, the unit in the header); json (the same as --json); yaml.',
    default: 'table' as Format,
  })(),
  'no-header': Flags.boolean({summary: 'Leave out the header row (table and csv).'}),
}

/** How the VMs of a new environment look and where they go (`env create`). */
export const vmShapeFlags = {
  vcpus: Flags.integer({summary: 'vCPUs per VM.', default: 1, min: 1, max: MAX_VCPUS, helpValue: 'N'}),
  memory: Flags.string({summary: 'Memory per VM: 256M, 1G (a bare number is MiB).', default: '256M', helpValue: 'SIZE'}),
  'max-memory': Flags.string({
    summary: 'What the balloon may grow each VM to (default: --memory; a bare number is MiB).',
    helpValue: 'SIZE',
  }),
  kernel: Flags.string({summary: 'Boot this kernel directly; the file must be on every host.', helpValue: 'PATH'}),
  initrd: Flags.string({summary: 'Initramfs for --kernel.', dependsOn: ['kernel'], helpValue: 'PATH'}),
  cmdline: Flags.string({summary: 'Kernel command line for --kernel.', dependsOn: ['kernel'], helpValue: 'TEXT'}),
  image: Flags.string({
    summary:
      'A read-only root image present on every host: a name in /var/lib/violin/images (violin image push) or a path. With --kernel, that kernel boots and the image is its root disk.',
    helpValue: 'IMAGE',
    exclusive: ['disk-size'],
  }),
  'disk-size': Flags.string({
    summary: 'Give each VM a private writable disk of this size, like 2G (a bare number is MiB; it moves with --copy-storage-all).',
    helpValue: 'SIZE',
  }),
  dataplane: Flags.option({
    options: DATAPLANE_CHOICES,
    summary:
      "The environment's own Ethernet: its switch is started on the VMs' hosts before they are defined, and their NICs join it (vxlan: kernel bridge + VXLAN, no agent; udp: the hosts' agents; none: a NIC on nothing).",
    default: DEFAULT_DATAPLANE as DataplaneChoice,
  })(),
  'underlay-mtu': Flags.integer({
    summary: "The MTU every host's underlay (and the path between them) carries; VMs get 50 bytes less (default 1500: VM MTU 1450).",
    min: 1280,
    max: 65_535,
    helpValue: 'BYTES',
  }),
  'auth-data': Flags.boolean({
    summary: 'On the udp data plane, sign every data frame with the environment key too (a kernel VXLAN peer cannot join then).',
  }),
  placement: Flags.option({options: PLACEMENTS, summary: 'spread: as many hosts as possible; pack: as few.', default: 'spread' as const})(),
}

/** The agent's directory, for every `violin agent` command. */
export const agentDirFlag = Flags.string({
  summary: 'Directory of the socket, PID file, log and state.',
  default: DEFAULT_AGENT_DIR,
  helpValue: 'DIR',
})

/** What every placement rule is to violin, for the help of `violin rule add ...`. */
export const RULES_HONOURED =
  'Rules are kept in the inventory (violin rule list) and honoured by every adaptation policy (violin, idc, sandpiper), by violin vacate, by the placement of violin env create and by violin plan.'

/** The flags every `violin rule add ...` takes. */
export const ruleAddFlags = {
  force: Flags.boolean({
    summary: 'Take VMs the inventory does not know (not created yet, or not recorded by violin host sync --write).',
  }),
}

/** --name of the rule commands that make one rule. */
export const ruleNameFlag = (made: string) =>
  Flags.string({summary: `The rule's name (default: ${made}); letters, digits, . _ -.`, helpValue: 'RULE'})

/** A fraction as 0.8 or 80%. */
async function fraction(input: string, flag: string): Promise<number> {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(input)
  const x = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN
  if (!(x >= 0 && x <= 1))
    throw new UsageError(`--${flag} takes a fraction from 0 to 1 (0.8) or a percentage (80%), not ${JSON.stringify(input)}`)
  return x
}

/** The flags of `violin adapt` and `violin plan` that set thresholds and guards; unset, the config's or the defaults hold. */
export const policyFlags = {
  high: Flags.custom<number>({
    summary: `violin policy: a VM using more of its CPU than this is high-demand [default: ${DEFAULT_POLICY_OPTIONS.high}].`,
    helpValue: 'FRACTION',
    parse: (input) => fraction(input, 'high'),
  })(),
  low: Flags.custom<number>({
    summary: `violin policy: a VM using less than this gives shares and memory back [default: ${DEFAULT_POLICY_OPTIONS.low}].`,
    helpValue: 'FRACTION',
    parse: (input) => fraction(input, 'low'),
  })(),
  'max-migrations': Flags.integer({
    summary: `At most this many migrations per pass (an environment move counts once) [default: ${DEFAULT_POLICY_OPTIONS.maxMigrations}].`,
    min: 0,
    max: MAX_COUNT,
    helpValue: 'N',
  }),
  cooldown: Flags.integer({
    summary: `Seconds after its last move before a VM may move again [default: ${DEFAULT_POLICY_OPTIONS.cooldownMs / 1000}].`,
    min: 0,
    max: MAX_SECONDS,
    helpValue: 'SECONDS',
  }),
  hold: Flags.integer({
    summary: `Samples in a row a host must stay over a threshold before it is acted on [default: ${DEFAULT_POLICY_OPTIONS.holdSamples}].`,
    min: 1,
    max: MAX_COUNT,
    helpValue: 'SAMPLES',
  }),
}
