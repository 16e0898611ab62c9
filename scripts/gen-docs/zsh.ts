/**
 * zsh: a #compdef function. Like the bash script it walks the words only as far as they
 * name a topic or command, then hands the rest to _arguments with that command's specs:
 * its flags, what each flag's value and each argument takes (completion-spec.ts).
 * Replaces @oclif/plugin-autocomplete's zsh script, which completed file names for every
 * argument and every flag value (ports and sizes too).
 */
import type {CommandTree, CompletionCommand, Value} from './completion-spec.js'
import {BIN} from './input.js'
import {cacheSeconds, safe} from './shell.js'

/** A word in single quotes. */
const q = (text: string) => `'${String(text).replaceAll("'", `'\\''`)}'`
/** Text inside a spec's [...]: no closing bracket, one line. */
const explanation = (text: string) => String(text).replaceAll('\\', '\\\\').replaceAll(']', '\\]').replaceAll('[', '\\[')

function action(value: Value): string {
  if ('values' in value) return `(${value.values.map(safe).join(' ')})`
  if (value.kind === 'file') return '_files'
  if (value.kind === 'dir') return '_files -/'
  if (value.kind === 'none') return ' '
  return `__${BIN}_names ${value.kind}`
}

function flagSpecs(flag: CompletionCommand['flags'][number]): string[] {
  const names = [...(flag.char ? [`-${flag.char}`] : []), `--${flag.name}`]
  const exclusion = flag.multiple ? '*' : names.length > 1 ? `(${names.join(' ')})` : ''
  const value = flag.value ? `:${safe(flag.name)}:${action(flag.value)}` : ''
  const specs = names.map((n) => q(`${exclusion}${n}[${explanation(flag.summary)}]${value}`))
  if (flag.allowNo) specs.push(q(`--no-${flag.name}[${explanation(flag.summary)}]`))
  return specs
}

function argSpecs(command: CompletionCommand): string[] {
  return command.args.map((a, i) => {
    const position = command.repeatsLast && i === command.args.length - 1 ? '*' : String(i + 1)
    return q(`${position}:${safe(a.name)}:${action({kind: a.kind})}`)
  })
}

const indent = (lines: string[], n: number) => lines.map((l) => `${' '.repeat(n)}${l}`).join('\n')

export function zshCompletion(commands: CompletionCommand[], tree: CommandTree): string {
  const subArms = [...tree.entries()].map(([parent, kids]) => {
    const pairs = [...kids.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, summary]) => q(`${safe(word)}:${summary}`))
    return `    (${parent === '' ? "''" : safe(parent)}) reply=(\n${indent(pairs, 6)}\n    ) ;;`
  })
  const specArms = [`    ('') reply=('--help[Show help]' '--version[Show the version]') ;;`]
  for (const c of commands) {
    const specs = [...c.flags.flatMap(flagSpecs), q('--help[Show help for command]'), ...argSpecs(c)]
    specArms.push(`    (${safe(c.id)}) reply=(\n${indent(specs, 6)}\n    ) ;;`)
  }

  return `#compdef ${BIN}
# zsh completion for ${BIN}. Generated from oclif.manifest.json by scripts/gen-docs/: do not edit.
# Install as _${BIN} in a directory of $fpath, e.g. /usr/share/zsh/vendor-completions.
#
# Names of hosts, sites, environments and VMs come from \`${BIN} __complete KIND\`, which
# reads only what violin keeps on this machine or in its store (never a host over SSH);
# each answer is kept ${cacheSeconds} seconds per shell, for the same VIOLIN_* settings and directory.

# The words that may follow a topic or command ($1: its id, words joined by ':'), as word:summary.
__${BIN}_subcommands() {
  case $1 in
${subArms.join('\n')}
    (*) reply=() ;;
  esac
}

# The _arguments specs of a command ($1: its id): its flags, then its arguments.
__${BIN}_specs() {
  case $1 in
${specArms.join('\n')}
    (*) reply=() ;;
  esac
}

# The names of kind $1 (host, site, env, vm, rule), for the --connect target on the line if any.
# _arguments puts its compadd options before the kind: the kind is the last word.
__${BIN}_names() {
  local kind=\${@[-1]} target=\${opt_args[--connect]:-\${opt_args[-c]}}
  local key="$kind|$target|$VIOLIN_HOME|$VIOLIN_STORE|$VIOLIN_CONNECT|$VIOLIN_STATE_DIR|$XDG_CONFIG_HOME|$PWD"
  typeset -gA __${BIN}_names_cache __${BIN}_names_time
  if [[ -z \${__${BIN}_names_time[$key]} ]] || (( SECONDS - __${BIN}_names_time[$key] >= ${cacheSeconds} )); then
    __${BIN}_names_cache[$key]=$(command ${BIN} __complete "$kind" "$target" 2>/dev/null)
    __${BIN}_names_time[$key]=$SECONDS
  fi
  local -a names expl
  names=(\${(f)__${BIN}_names_cache[$key]})
  _wanted $kind expl $kind compadd -a names
}

_${BIN}() {
  local id= i=2
  local -a reply subs specs
  # \`${BIN} help host add\`: the words after help name a command
  [[ $words[2] == help ]] && (( CURRENT > 2 )) && i=3
  # the topic or command named by the words before the cursor
  while (( i < CURRENT )); do
    __${BIN}_subcommands "$id"
    (( \${reply[(I)\${(b)words[i]}:*]} )) || break
    id=\${id:+$id:}$words[i]
    (( i++ ))
  done
  __${BIN}_subcommands "$id"
  subs=("\${reply[@]}")
  if (( i == CURRENT && $#subs )) && [[ $words[CURRENT] != -* ]]; then
    _describe -t commands '${BIN} command' subs
    return
  fi
  [[ $words[2] == help ]] && return 1
  __${BIN}_specs "$id"
  specs=("\${reply[@]}")
  # the command's own words, as _arguments reads them: the command first
  words=("${BIN} $id" "\${(@)words[i,-1]}")
  (( CURRENT -= i - 2 ))
  _arguments -S "\${specs[@]}"
}

_${BIN} "$@"
`
}
