import {Flags} from '@oclif/core'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ViolinError} from '../../errors.js'
import {agentDirFlag} from '../../flags.js'
import {type StopRequest, stopOnSignals} from '../../services/signals.js'

export default class Agent extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Run this host's agent: the userspace switches of the udp data plane."
  static override description = `The agent hosts this host's switch daemons (one peer socket on UDP 4790 and one control socket on UDP 4791 shared by every environment, one UDP port per VM) and answers the CLI on a Unix socket, DIR/agent.sock (root only), which violin reaches through an SSH channel. It writes DIR/agent.pid and keeps its switches in DIR/state.json: started again, it rebuilds them and rejoins their meshes. violin switch start starts it over SSH when it is not running (with --detach). In the foreground it logs to stderr and stops on SIGTERM or SIGINT, leaving every mesh; a second signal forces it out (exit 130 or 143). With --detach it runs in the background, logging to DIR/agent.log, and the command returns once the agent answers (exit 0 also when one was already running). Exit 1 when it cannot start (another agent holds DIR, a port is taken, the state file is damaged).`
  static override examples = [
    '<%= config.bin %> agent --address 10.0.0.11',
    '<%= config.bin %> agent --address 10.0.0.11 --detach',
    '<%= config.bin %> agent stop',
  ]
  static override flags = {
    address: Flags.string({summary: 'The underlay address other hosts reach this one at (default: the one in the state file).', helpValue: 'IP'}),
    dir: agentDirFlag,
    'data-port': Flags.integer({summary: 'UDP port of the data plane (VXLAN-framed).', default: 4790, min: 1, max: 65535}),
    'control-port': Flags.integer({summary: 'UDP port of the control plane.', default: 4791, min: 1, max: 65535}),
    hello: Flags.integer({summary: 'Milliseconds between hellos to peers; a peer silent 3.5 times that is dropped.', default: 1000, min: 50, max: 60_000}),
    detach: Flags.boolean({summary: 'Run in the background; return once the agent answers.'}),
  }

  async run() {
    const {flags} = await this.parse(Agent)
    this.quiet = flags.quiet
    const {agentPaths} = await import('../../agent/paths.js')
    const paths = agentPaths(flags.dir)
    if (flags.detach) {
      const {localHello, spawnDetached} = await import('../../agent/detach.js')
      const running = await localHello(paths)
      if (running) {
        if (flags.address && running.self.address !== flags.address) throw new ViolinError(`an agent is already running in ${paths.dir} (pid ${running.pid}) with address ${running.self.address}, not ${flags.address}`, undefined, `violin agent stop --dir ${paths.dir}`)
        this.note(`agent already running (pid ${running.pid})`)
        return {started: false, ...running}
      }
      const args = ['--dir', flags.dir, '--data-port', String(flags['data-port']), '--control-port', String(flags['control-port']), '--hello', String(flags.hello)]
      if (flags.address) args.push('--address', flags.address)
      const hello = await spawnDetached(args, flags.dir).catch((error: Error) => {
        throw new ViolinError(error.message)
      })
      this.note(`agent started (pid ${hello.pid}), log ${paths.log}`)
      return {started: true, ...hello}
    }
    const {AgentRunningError, startAgent} = await import('../../agent/run.js')
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
    const running = await startAgent({
      dir: flags.dir,
      address: flags.address,
      dataPort: flags['data-port'],
      controlPort: flags['control-port'],
      helloMs: flags.hello,
      version: this.config.version,
      log,
    }).catch((error: Error) => {
      throw new ViolinError(error instanceof AgentRunningError ? `${error.message}; stop it first` : error.message)
    })
    let stop: StopRequest | undefined
    await new Promise<void>((resolve) => {
      stop = stopOnSignals(
        (signal) => {
          log(`${signal}: leaving the meshes and stopping`)
          running.stop().then(resolve, resolve)
        },
        (code) => {
          log('second signal: exiting now')
          process.exit(code)
        },
      )
    })
    stop?.dispose()
    return {stopped: true}
  }
}
