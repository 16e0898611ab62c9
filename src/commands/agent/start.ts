import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {UsageError} from '../../errors.js'

export default class AgentStart extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Start a host's usage sampler over SSH, and take its usage from the shared store from then on."
  static override description =
    `Runs violin agent --detach --store URL --host HOST on the host (through its --agent-command, default violin), where URL is this machine's etcd store (VIOLIN_STORE) without its credentials, and marks the host in the inventory (agent.store): usage and adapt then read its samples from the store instead of polling it over SSH, and report it unreachable when its sampler has not written for three intervals.

With etcd auth on (a user in the store URL, or VIOLIN_ETCD_USER), it first makes an etcd role and user violin-agent-HOST, with a new random password, that may read and write only that host's sample key (PREFIX/samples/HOST): a compromised host cannot speak for another. The credentials go over SSH on stdin into DIR/sampler.credentials (mode 600) on the host, never on a command line. With etcds://, the host must hold the CA (and client certificate and key) at the paths VIOLIN_ETCD_CA, VIOLIN_ETCD_CERT and VIOLIN_ETCD_KEY name on this machine. A sampler already running there is stopped first (its password changes). Exit 3 with a file store: agents need a shared one.`
  static override examples = ['<%= config.bin %> agent start -H e1', '<%= config.bin %> agent start -H e1 -H e2 --sample-interval 5']
  static override flags = {
    host: Flags.string({char: 'H', summary: 'The host (repeatable).', required: true, multiple: true, helpValue: 'HOST'}),
    'sample-interval': Flags.integer({
      summary: 'Seconds between samples; a sample lives three of them.',
      default: 10,
      min: 1,
      max: 3600,
      helpValue: 'SECONDS',
    }),
  }

  async run() {
    const {flags} = await this.parse(AgentStart)
    this.quiet = flags.quiet
    const session = await this.openSession({})
    const hosts = session.select({hosts: flags.host})
    if (new Set(flags.host).size !== flags.host.length) throw new UsageError('a host is named twice')
    const {startHostSampler} = await import('../../services/agents.js')
    const started = []
    // One at a time: each changes the inventory and, with auth, etcd's users.
    for (const h of hosts) {
      const s = await startHostSampler(session, h, flags['sample-interval'])
      this.note(
        `${h.name}: sampler started${s.pid ? ` (pid ${s.pid})` : ''}, every ${s.intervalSec} s into ${s.store}${s.user ? ` as etcd user ${s.user}` : ''}`,
      )
      started.push(s)
    }
    return started
  }
}
