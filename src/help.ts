import {Help} from '@oclif/core/help'

import {commandNotFound} from './hooks/command-not-found.js'

/** oclif's help, but `violin help hots` and `violin host lst -h` answer as an unknown command does. */
export default class ViolinHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv)
    } catch (error) {
      const unknown = /^Command (.+) not found\.$/s.exec((error as Error).message)
      if (!unknown) throw error
      commandNotFound(this.config, unknown[1]!, argv)
    }
  }
}
