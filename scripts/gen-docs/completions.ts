/** completions/: bash, zsh and fish scripts from one table of what each argument and flag takes. */
import {bashCompletion} from './bash.js'
import {commandTree, completionSpec} from './completion-spec.js'
import {fishCompletion} from './fish.js'
import {BIN, type Input} from './input.js'
import {zshCompletion} from './zsh.js'

export function completions({installed, topics}: Input): Map<string, string> {
  const commands = completionSpec(installed)
  const tree = commandTree(commands, topics)
  return new Map([
    [`completions/bash/${BIN}`, bashCompletion(commands, tree)],
    [`completions/zsh/_${BIN}`, zshCompletion(commands, tree)],
    [`completions/fish/${BIN}.fish`, fishCompletion(commands, tree)],
  ])
}
