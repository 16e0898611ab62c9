import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../../base-command.js'
import {ConfigError, ExitCode, UsageError, ViolinError} from '../../errors.js'
import {agentDirFlag} from '../../flags.js'
import {type StopRequest, stopOnSignals} from '../../services/signals.js'

export default class Agent extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = "Run this host's agent: the userspace switches of the udp data plane, or (--store) its usage sampler."
  static override description =
    `The agent hosts this host's switch daemons (one peer socket on UDP 4790 and one control socket on UDP 4791 shared by every environment, one UDP port per VM) and answers the CLI on a Unix socket, DIR/agent.sock (root only), which violin reaches through an SSH channel. It writes DIR/agent.pid and keeps its switches in DIR/state.json: started again, it rebuilds them and rejoins their meshes. violin switch start starts it over SSH when it is not running (with --detach). In the foreground it logs to stderr and stops on SIGTERM or SIGINT, leaving every mesh; a second signal forces it out (exit 130 or 143). With --detach it runs in the background, logging to DIR/agent.log, and the command returns once the agent answers (exit 0 also when one was already running). Exit 1 when it cannot start (another agent holds DIR, a port is taken); exit 3 when its state file is damaged (FILE:LINE:COL names the field; the file is left as it is).

With --store URL --host NAME it is the host's usage sampler instead, a process of its own beside the switch agent (DIR/sampler.pid, DIR/sampler.log, no socket; stopping it never touches the VMs' network): every --sample-interval it samples this host through the local driver (libvirt at --connect, default qemu:///system, or xl) and writes its last two samples to the shared store under a key bound to its lease of three intervals, where usage and adapt read them for hosts marked to report so (host add --agent-store; violin agent start sets it up over SSH). A sample the hypervisor refuses is written as the error, which usage shows; a store that does not answer is logged (with the time, on stderr) and tried again the next interval. The store must be etcd (etcd:// or etcds://; --credentials FILE: VIOLIN_ETCD_USER, VIOLIN_ETCD_PASSWORD, and VIOLIN_ETCD_CA/CERT/KEY lines, mode 600). With --detach it returns once its first sample is in the store; exit 1 when the store refuses it.`
  static override examples = [
    '<%= config.bin %> agent --address 10.0.0.11',
    '<%= config.bin %> agent --address 10.0.0.11 --detach',
    '<%= config.bin %> agent stop',
    '<%= config.bin %> agent --store etcd://10.0.0.1:2379/violin --host e1 --detach',
    '<%= config.bin %> agent --store etcd://10.0.0.1:2379/violin --host e1 --connect test:///default --sample-interval 2',
  ]
  static override flags = {
    address: Flags.string({
      summary: 'The underlay address other hosts reach this one at (default: the one in the state file).',
      helpValue: 'IP',
      exclusive: ['store'],
    }),
    dir: agentDirFlag,
    'data-port': Flags.integer({summary: 'UDP port of the data plane (VXLAN-framed).', default: 4790, min: 1, max: 65535}),
    'control-port': Flags.integer({summary: 'UDP port of the control plane.', default: 4791, min: 1, max: 65535}),
    hello: Flags.integer({
      summary: 'Milliseconds between hellos to peers; a peer silent 3.5 times that is dropped.',
      default: 1000,
      min: 50,
      max: 60_000,
    }),
    detach: Flags.boolean({
      summary: 'Run in the background; return once the agent answers (the sampler: once its first sample is in the store).',
    }),
    store: Flags.string({
      summary: "Be the usage sampler: write this host's samples to this etcd store.",
      helpValue: 'URL',
      dependsOn: ['host'],
      helpGroup: 'SAMPLER',
    }),
    host: Flags.string({
      summary: 'With --store: the name of this host in the inventory.',
      helpValue: 'NAME',
      dependsOn: ['store'],
      helpGroup: 'SAMPLER',
    }),
    'sample-interval': Flags.integer({
      summary: 'With --store: seconds between samples; the sample lives three of them.',
      default: 10,
      min: 1,
      max: 3600,
      helpValue: 'SECONDS',
      helpGroup: 'SAMPLER',
    }),
    driver: Flags.option({
      options: ['libvirt', 'xl'] as const,
      summary: 'With --store: the local hypervisor driver.',
      default: 'libvirt' as const,
      helpGroup: 'SAMPLER',
    })(),
    connect: Flags.string({
      summary: 'With --store: the libvirt URI to sample (default qemu:///system).',
      helpValue: 'URI',
      helpGroup: 'SAMPLER',
    }),
    nic: Flags.string({
      summary: "With --store: the NIC whose traffic is the host's network load (default: the default route's).",
      helpValue: 'DEV',
      helpGroup: 'SAMPLER',
    }),
    credentials: Flags.string({
      summary: 'With --store: a file (mode 600) of VIOLIN_ETCD_* lines: the etcd user, password and TLS files.',
      helpValue: 'FILE',
      helpGroup: 'SAMPLER',
    }),
  }

  async run() {
    const {flags} = await this.parse(Agent)
    this.quiet = flags.quiet
    const {agentPaths} = await import('../../agent/paths.js')
    if (flags.store) return this.sampler(flags as typeof flags & {store: string; host: string})
    const paths = agentPaths(flags.dir)
    if (flags.detach) {
      const {localHello, spawnDetached} = await import('../../agent/detach.js')
      const running = await localHello(paths)
      if (running) {
        if (flags.address && running.self.address !== flags.address)
          throw new ViolinError(
            `an agent is already running in ${paths.dir} (pid ${running.pid}) with address ${running.self.address}, not ${flags.address}`,
            undefined,
            `violin agent stop --dir ${paths.dir}`,
          )
        this.note(`agent already running (pid ${running.pid})`)
        return {started: false, ...running}
      }
      const args = [
        '--dir',
        flags.dir,
        '--data-port',
        String(flags['data-port']),
        '--control-port',
        String(flags['control-port']),
        '--hello',
        String(flags.hello),
      ]
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
      if (error instanceof ConfigError) throw error
      throw new ViolinError(error instanceof AgentRunningError ? `${error.message}; stop it first` : error.message)
    })
    await untilSignalled(log, 'leaving the meshes and stopping', () => running.stop())
    return {stopped: true}
  }

  private async sampler(flags: {
    store: string
    host: string
    dir: string
    detach: boolean
    'sample-interval': number
    driver: 'libvirt' | 'xl'
    connect?: string
    nic?: string
    credentials?: string
  }) {
    const {HOST_NAME} = await import('../../inventory/host.js')
    if (!HOST_NAME.test(flags.host))
      throw new UsageError(
        `--host ${JSON.stringify(flags.host)} is not a host name`,
        'use letters, digits, dot, dash and underscore, as in violin host add',
      )
    const {samplerPaths, SamplerRunningError, startSampler} = await import('../../agent/sampler.js')
    const paths = samplerPaths(flags.dir)
    if (flags.detach) {
      const {livePid} = await import('../../agent/run.js')
      const running = livePid(paths.pid)
      if (running !== undefined)
        throw new ViolinError(
          `a sampler is already running in ${flags.dir} (pid ${running})`,
          undefined,
          `violin agent stop --sampler --dir ${flags.dir}`,
        )
      const {spawnSamplerDetached} = await import('../../agent/detach.js')
      const args = [
        '--store',
        flags.store,
        '--host',
        flags.host,
        '--dir',
        flags.dir,
        '--sample-interval',
        String(flags['sample-interval']),
        '--driver',
        flags.driver,
      ]
      if (flags.connect) args.push('--connect', flags.connect)
      if (flags.nic) args.push('--nic', flags.nic)
      if (flags.credentials) args.push('--credentials', flags.credentials)
      const pid = await spawnSamplerDetached(args, flags.dir).catch((error: Error & {status?: number}) => {
        // The sampler's own exit status says why (5: the store did not answer; 3: configuration).
        const code = Object.values(ExitCode).find((c) => c === error.status && c !== ExitCode.ok)
        throw new ViolinError(error.message, code)
      })
      this.note(`sampler started (pid ${pid}), log ${paths.log}`)
      return {started: true, pid, host: flags.host}
    }
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
    const running = await startSampler({
      dir: flags.dir,
      storeUrl: flags.store,
      host: flags.host,
      intervalMs: flags['sample-interval'] * 1000,
      driver: flags.driver,
      uri: flags.connect,
      nic: flags.nic,
      credentials: flags.credentials,
      log,
    }).catch((error: Error) => {
      if (error instanceof ViolinError) throw error
      throw new ViolinError(error instanceof SamplerRunningError ? `${error.message}; stop it first` : error.message)
    })
    await untilSignalled(log, 'stopping the sampler', () => running.stop())
    return {stopped: true}
  }
}

/** Runs until SIGINT/SIGTERM, then `stop()` (logged as `doing`); a second signal exits at once. */
async function untilSignalled(log: (line: string) => void, doing: string, stop: () => Promise<void>): Promise<void> {
  let request: StopRequest | undefined
  await new Promise<void>((resolve) => {
    request = stopOnSignals({
      onFirst: (signal) => {
        log(`${signal}: ${doing}`)
        stop().then(resolve, resolve)
      },
      onForce: (_signal, code) => {
        log('second signal: exiting now')
        process.exit(code)
      },
    })
  })
  request?.dispose()
}
