import * as Args from '@oclif/core/args'
import {Command} from '@oclif/core/command'

import {completionNames, NAME_KINDS, type NameKind} from '../completion/names.js'

/**
 * What the shell completions in completions/ run at a TAB that wants names:
 * `violin __complete KIND [TARGET]` prints the hosts, sites, environments, VMs or rules violin
 * knows locally (see completionNames), one a line; TARGET is a --connect value typed on
 * the line. Any error (an unknown kind, a broken inventory, a store that does not answer)
 * prints nothing and exits 0: a TAB must never put an error into the user's prompt.
 */
export default class Complete extends Command {
  static override hidden = true
  static override strict = false
  static override summary = 'Print names for shell completion: host, site, env, vm or rule.'

  static override args = {
    kind: Args.string({description: `what to name: ${NAME_KINDS.join(', ')}`}),
    target: Args.string({description: 'the --connect target typed on the line'}),
  }

  async run(): Promise<void> {
    // words like flags are no kind nor target: left out, they cannot fail the parse
    const {args} = await this.parse(
      Complete,
      this.argv.filter((word) => !word.startsWith('-')),
    )
    const {kind, target} = args
    if (!NAME_KINDS.includes(kind as NameKind)) return
    let names: string[] = []
    try {
      names = await completionNames(kind as NameKind, target || undefined)
    } catch {
      return
    }
    if (names.length > 0) this.log(names.join('\n'))
  }

  override async catch(): Promise<void> {}
}
