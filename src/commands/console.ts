import * as Args from '@oclif/core/args'

import {ViolinCommand} from '../base-command.js'
import {vmHostFlag} from '../flags.js'
import {stopOnSignals} from '../services/signals.js'
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
    // SIGTERM alone detaches: on the raw keyboard Ctrl-C is a keystroke for the VM.
    const stop = stopOnSignals({signals: ['SIGTERM']})
    try {
      return await attachConsole(session, args.vm, {hosts: flags.host}, {terminal: Boolean(process.stdin.isTTY), signal: stop.signal})
    } finally {
      stop.dispose()
    }
  }
}
