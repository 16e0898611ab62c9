import * as Errors from '@oclif/core/errors'
import type {Hook} from '@oclif/core/hooks'
import type * as Interfaces from '@oclif/core/interfaces'

import {formatJsonIn, oneLine} from '../base-command.js'
import {ExitCode} from '../errors.js'

/** Edit distance (insert, delete, substitute, swap neighbours), for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The command closest to what was typed: oclif's id joins every word before the first
 * flag ("hots list web1" is hots:list:web1), so each leading run of words is tried.
 */
export function closestCommand(typed: string[], commands: string[]): string | undefined {
  let best: {id: string; d: number} | undefined
  for (let n = typed.length; n >= 1; n--) {
    const words = typed.slice(0, n).join(' ')
    for (const id of commands) {
      const d = distance(words, id)
      if (d <= Math.max(2, Math.floor(id.length / 3)) && (!best || d < best.d)) best = {id, d}
    }
  }
  return best?.id
}

/**
 * Says that what was typed is no command, in the user's words, with the closest command,
 * and exits 2 (a JSON error under --json).
 */
export function commandNotFound(config: Interfaces.Config, id: string, argv: readonly string[] = []): never {
  const typed = id.split(':').filter(Boolean)
  const commands = config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
  const closest = closestCommand(typed, commands)
  const message = `"${typed.join(' ')}" is not a ${config.bin} command`
  const hint = closest ? `${config.bin} ${closest}` : `${config.bin} --help`
  if (argv.includes('--json') || formatJsonIn(argv)) {
    process.stdout.write(`${JSON.stringify({error: {type: 'UsageError', message, hint, exit_code: ExitCode.usage}}, null, 2)}\n`)
  } else {
    process.stderr.write(`error: ${oneLine(message)}\nTry: ${oneLine(hint)}\n`)
  }
  throw new Errors.ExitError(ExitCode.usage)
}

/** `violin hots list`: oclif would say "command hots:list not found". */
const hook: Hook<'command_not_found'> = async (options) => {
  commandNotFound(options.config, options.id, options.argv)
}

export default hook
