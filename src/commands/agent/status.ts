import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ViolinError} from '../../errors.js'
import {agentDirFlag} from '../../flags.js'

export default class AgentStatus extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Say whether this host's agent runs, and what it holds."
  static override description =
    'Asks the agent of DIR on its socket: PID, version, start time, its member address and ports, the VNIs of its switches and the datagrams it dropped before any switch saw them. Exit 1 when no agent answers.'
  static override examples = ['<%= config.bin %> agent status', '<%= config.bin %> agent status --json']
  static override flags = {
    dir: agentDirFlag,
  }

  async run() {
    const {flags} = await this.parse(AgentStatus)
    this.quiet = flags.quiet
    const {agentPaths} = await import('../../agent/paths.js')
    const {localHello} = await import('../../agent/detach.js')
    const paths = agentPaths(flags.dir)
    const hello = await localHello(paths)
    if (!hello)
      throw new ViolinError(`no agent answers on ${paths.socket}`, undefined, `violin agent --detach --address ADDRESS --dir ${paths.dir}`)
    if (!this.jsonEnabled()) {
      this.log(`agent ${hello.pid} (violin ${hello.version}) since ${hello.startedAt}`)
      this.log(`member ${hello.self.address} data ${hello.self.dataPort} control ${hello.self.controlPort}`)
      this.log(`switches: ${hello.switches.length > 0 ? hello.switches.map((v) => `VNI ${v}`).join(', ') : 'none'}`)
      const dropped = Object.entries(hello.drops).filter(([, n]) => n > 0)
      if (dropped.length > 0) this.log(`dropped: ${dropped.map(([why, n]) => `${why} ${n}`).join(', ')}`)
    }
    return hello
  }
}
