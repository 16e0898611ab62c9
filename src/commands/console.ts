import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {attachConsole} from '../services/vm-lifecycle.js'

export default class Console extends ViolinCommand {
  static override summary = "Attach to a VM's serial console, like virsh console; Ctrl-] leaves."
  static override description =
    "Runs virsh console --force (xl: xl console) on the VM's host, over SSH on a pseudo-terminal or locally on this terminal, with the keyboard in raw mode. Ctrl-] leaves, as in virsh and xl. Needs a terminal: without one on stdin it exits 2. SIGTERM detaches too. Simulated VMs have no console."
  static override examples = ['<%= config.bin %> console web1', '<%= config.bin %> console web1 -H east1']
  static override args = {vm: Args.string({description: 'VM name', required: true})}
  static override flags = {...vmHostFlag}

  async run() {
    const {args, flags} = await this.parse(Console)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const stop = new AbortController()
    const onTerm = () => stop.abort()
    process.once('SIGTERM', onTerm)
    try {
      return await attachConsole(session, args.vm, {hosts: flags.host}, {terminal: Boolean(process.stdin.isTTY), signal: stop.signal})
    } finally {
      process.off('SIGTERM', onTerm)
    }
  }
}
