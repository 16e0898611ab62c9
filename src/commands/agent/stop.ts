import * as Flags from '@oclif/core/flags'
import {setTimeout as sleep} from 'node:timers/promises'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ViolinError} from '../../errors.js'
import {agentDirFlag, MAX_SECONDS} from '../../flags.js'

export default class AgentStop extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Stop this host's agent (its VMs on the udp data plane lose their network until it runs again)."
  static override description =
    'Sends SIGTERM to the agent of DIR (with --sampler: its usage sampler) and waits for it to leave its meshes and exit. Its state file stays: the next agent brings the same switches back. Exit 0 also when no agent was running; 1 when it did not stop within --wait seconds.'
  static override examples = ['<%= config.bin %> agent stop']
  static override flags = {
    dir: agentDirFlag,
    sampler: Flags.boolean({summary: 'Stop the usage sampler (violin agent --store) instead of the switch agent.'}),
    wait: Flags.integer({summary: 'Seconds to wait for it to exit.', default: 10, min: 1, max: MAX_SECONDS}),
  }

  async run() {
    const {flags} = await this.parse(AgentStop)
    this.quiet = flags.quiet
    const {agentPaths} = await import('../../agent/paths.js')
    const {livePid} = await import('../../agent/run.js')
    const {samplerPaths} = await import('../../agent/sampler.js')
    const paths = flags.sampler ? samplerPaths(flags.dir) : agentPaths(flags.dir)
    const what = flags.sampler ? 'sampler' : 'agent'
    const pid = livePid(paths.pid)
    if (pid === undefined) {
      this.note(`no ${what} running`)
      return {stopped: false, pid: null}
    }
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + flags.wait * 1000
    while (livePid(paths.pid) === pid && Date.now() < deadline) await sleep(50)
    if (livePid(paths.pid) === pid)
      throw new ViolinError(`the ${what} (pid ${pid}) is still running after ${flags.wait} s`, undefined, `kill -KILL ${pid}`)
    this.note(`${what} stopped (pid ${pid})`)
    return {stopped: true, pid}
  }
}
