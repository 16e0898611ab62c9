import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {loadHelpClass} from '@oclif/core/help'

import {ViolinCommand, withoutConnect} from '../base-command.js'
import {UsageError} from '../errors.js'

/**
 * `violin help [COMMAND...]`: the text --help prints. Violin's own rather than
 * @oclif/plugin-help's, so that the CLI is one CommonJS file (scripts/bundle.js) and its
 * errors are violin's (one line, the JSON envelope under --json).
 */
export default class HelpCommand extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Print the help of violin or of a command.'
  static override examples = ['<%= config.bin %> help host add', '<%= config.bin %> help --nested-commands']
  static override args = {command: Args.string({description: 'The command, one word after another (host add).', required: false})}
  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', summary: 'List the commands of every topic, not only the top level.'}),
  }

  static override strict = false

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(HelpCommand)
    if (this.jsonEnabled()) throw new UsageError('violin help prints text, not JSON', 'drop --json')
    const Help = await loadHelpClass(this.config)
    await new Help(this.config, {all: flags['nested-commands']}).showHelp(argv as string[])
  }
}
