/** The tables violin(1) prints, which test/docs.test.ts holds against src/ and README.md. */

/**
 * violin's exit statuses. The codes must equal ExitCode in src/errors.ts
 * (test/docs.test.ts checks it); the meanings are what violin(1) prints.
 */
export const EXIT_STATUS = [
  {key: 'ok', code: 0, short: 'success', meaning: 'Success.'},
  {key: 'failure', code: 1, short: 'failure', meaning: 'Failure: a command on a host failed, or `host sync --exit-code` found drift.'},
  {key: 'usage', code: 2, short: 'usage error', meaning: 'Usage error: a bad flag, argument or size.'},
  {
    key: 'config',
    code: 3,
    short: 'config error',
    meaning:
      'Config error (a bad file): a file violin reads (env file, scenario, sim cluster, inventory, history, calibration...) is malformed, said as FILE:LINE:COL: FIELD: expected ..., found .... The file is never overwritten.',
  },
  {key: 'notFound', code: 4, short: 'not found', meaning: 'Not found: an unknown host or VM.'},
  {
    key: 'unreachable',
    code: 5,
    short: 'unreachable or timed out',
    meaning:
      'Unreachable: a host could not be reached, it timed out, or its hypervisor did not answer (libvirtd stopped, a wrong URI, no permission; no Xen); or the shared store (etcd) did not answer, refused TLS or the credentials, or lost its quorum.',
  },
  {key: 'refused', code: 6, short: 'refused', meaning: 'Refused: SSH authentication failed, or the host key is unknown or changed.'},
  {
    key: 'partial',
    code: 7,
    short: 'partial',
    meaning: "Partial: some hosts (or their hypervisors) did not answer; the others' results were printed.",
  },
  {
    key: 'locked',
    code: 8,
    short: 'locked',
    meaning:
      'Locked: another adaptation pass (violin adapt) holds the lock; its PID (with a shared store, its machine and PID) is in the message.',
  },
]

/**
 * virsh verb -> violin verb, and the difference in one phrase: violin(1) prints it as FOR
 * VIRSH USERS, README.md as "For virsh users" (test/docs.test.ts keeps the two equal).
 */
export const VIRSH_VERBS: Array<[virsh: string, violin: string, difference: string]> = [
  ['list --all', 'list --all', 'every host at once; a Host and a Site column'],
  ['dominfo DOM', 'dominfo VM', 'finds the host the VM is on; -H HOST narrows'],
  ['start DOM', 'start VM', 'an xl VM starts from the config violin keeps'],
  ['shutdown DOM', 'shutdown VM [--wait [--timeout S]]', 'can wait until off (default 60 s; virsh has no --wait)'],
  ['reboot DOM', 'reboot VM', "violin's own VMs (destroy on reboot) are shut down and started again, libvirt and xl"],
  ['destroy DOM', 'destroy VM', 'same: hard power-off, nothing deleted'],
  ['suspend / resume DOM', 'suspend / resume VM', 'same (xl pause / unpause)'],
  ['define FILE', 'define FILE -H HOST', 'needs the host when there are several'],
  [
    'undefine DOM [--remove-all-storage]',
    'undefine VM [--remove-files]',
    "refuses a running VM; removes violin's own files, never shared images",
  ],
  ['dumpxml DOM', 'dumpxml VM', 'for xl, the xl.cfg violin keeps'],
  ['console DOM', 'console VM', "over the host's SSH; Ctrl-] leaves, as in virsh"],
  ['autostart [--disable] DOM', 'autostart VM [--disable]', 'xl: a link in /etc/xen/auto (xendomains)'],
  ['setmem / schedinfo / migrate', 'setmem / schedinfo / migrate', 'setmem checks the balloon got there'],
  [
    'start / shutdown / destroy / undefine, domain by domain',
    'env start / shutdown / destroy / undefine ENV',
    'the same verbs for every VM of an environment; env undefine deletes it',
  ],
]

/** Defaults that the ENVIRONMENT section prints; test/docs.test.ts checks them against src/. */
export const DEFAULTS = {connectTimeoutSec: 10, commandTimeoutSec: 30, maxParallel: 32, storeTimeoutSec: 10}

/** The ENVIRONMENT section of violin(1): variable, what it does. */
export const ENVIRONMENT: Array<[name: string, text: string]> = [
  ['VIOLIN_HOME', 'The directory that holds `inventory.json` (default: `~/.config/violin`, following `XDG_CONFIG_HOME`).'],
  ['VIOLIN_CONNECT', 'The target of `--connect` when the flag is not given: `sim:`*FILE* or a libvirt URI.'],
  ['VIOLIN_KNOWN_HOSTS', 'The known_hosts file SSH host keys are checked against and recorded in (default: `~/.ssh/known_hosts`).'],
  ['VIOLIN_CONNECT_TIMEOUT', `Seconds to wait for an SSH connection to a host (default: ${DEFAULTS.connectTimeoutSec}).`],
  ['VIOLIN_COMMAND_TIMEOUT', `Seconds to wait for one command on a host (default: ${DEFAULTS.commandTimeoutSec}).`],
  ['VIOLIN_MAX_PARALLEL', `How many hosts are polled at once (default: ${DEFAULTS.maxParallel}).`],
  [
    'VIOLIN_STORE',
    'A shared store instead of the files: `etcd://`*HOST*`:`*PORT*`[,`*HOST*`:`*PORT*`...]/`*PREFIX*, or `etcds://` for TLS (also `store` in `$VIOLIN_HOME/config.json`). Every key lives under *PREFIX*. See **violin-store-status**(1).',
  ],
  [
    'VIOLIN_ETCD_CA, VIOLIN_ETCD_CERT, VIOLIN_ETCD_KEY',
    "Files for `etcds://`: the CA that signed the members' certificates, and a client certificate and its key.",
  ],
  ['VIOLIN_ETCD_USER, VIOLIN_ETCD_PASSWORD', 'Password auth for an etcd store (the user may also be in the URL: `etcd://`*USER*`@`...).'],
  [
    'VIOLIN_NO_CODE_CACHE',
    'With any value, violin neither reads nor writes its code cache (see FILES): every start compiles its code anew.',
  ],
  [
    'VIOLIN_STORE_TIMEOUT',
    `Seconds an etcd store has to answer before the command fails with exit status 5 (default: ${DEFAULTS.storeTimeoutSec}).`,
  ],
  [
    'SSH_AUTH_SOCK',
    'The ssh-agent whose keys violin authenticates with, unless the host has an `--identity` file; without an agent, `~/.ssh/id_*` are tried.',
  ],
  ['VIOLIN_DEBUG', 'When set, an unexpected error also prints its stack trace.'],
  [
    'VIOLIN_REQUIRE_INTEGRATION',
    "Tests only: with `1`, violin's integration tests fail instead of being skipped when the machine cannot run them.",
  ],
]
