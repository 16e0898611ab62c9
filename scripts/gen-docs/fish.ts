/**
 * fish: `complete` lines per subcommand, flag and argument, guarded by conditions that
 * walk the words as the bash and zsh scripts do (completion-spec.ts says what
 * each flag and argument takes). File names only where a file is taken.
 */
import type {CommandTree, CompletionCommand, Kind, Value} from './completion-spec.js'
import {BIN} from './input.js'
import {cacheSeconds, safe} from './shell.js'

/** A word in fish's single quotes. */
const q = (text: string) => `'${String(text).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

function valueOptions(value: Value): string {
  if ('values' in value) return `-x -a ${q(value.values.map(safe).join(' '))}`
  if (value.kind === 'file') return '-r -F'
  if (value.kind === 'dir') return `-x -a '(__fish_complete_directories (commandline -ct))'`
  if (value.kind === 'none') return '-x'
  return `-x -a '(__${BIN}_names ${value.kind})'`
}

function argOptions(kind: Kind): string | undefined {
  if (kind === 'file') return '-F'
  if (kind === 'dir') return `-a '(__fish_complete_directories (commandline -ct))'`
  if (kind === 'none') return undefined
  return `-a '(__${BIN}_names ${kind})'`
}

export function fishCompletion(commands: CompletionCommand[], tree: CommandTree): string {
  const c = `complete -c ${BIN}`
  const lines: string[] = []
  for (const [parent, kids] of tree) {
    for (const [word, summary] of [...kids.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`${c} -n ${q(`__${BIN}_can_name ${parent}`)} -a ${safe(word)} -d ${q(summary)}`)
    }
  }
  lines.push(`${c} -n ${q(`__${BIN}_is ''`)} -l help -d 'Show help'`, `${c} -n ${q(`__${BIN}_is ''`)} -l version -d 'Show the version'`)
  const valueFlagArms: string[] = []
  for (const command of commands) {
    const is = `-n ${q(`__${BIN}_is ${safe(command.id)}`)}`
    const takesValue: string[] = []
    for (const f of command.flags) {
      const names = `${f.char ? `-s ${safe(f.char)} ` : ''}-l ${safe(f.name)}`
      lines.push(`${c} ${is} ${names}${f.value ? ` ${valueOptions(f.value)}` : ''} -d ${q(f.summary)}`)
      if (f.allowNo) lines.push(`${c} ${is} -l no-${safe(f.name)} -d ${q(f.summary)}`)
      if (f.value) takesValue.push(...(f.char ? [`-${f.char}`] : []), `--${f.name}`)
    }
    lines.push(`${c} ${is} -l help -d 'Show help for command'`)
    command.args.forEach((a, i) => {
      const options = argOptions(a.kind)
      const position = command.repeatsLast && i === command.args.length - 1 ? `${i + 1}+` : String(i + 1)
      if (options) lines.push(`${c} -n ${q(`__${BIN}_arg ${safe(command.id)} ${position}`)} ${options}`)
    })
    if (takesValue.length) valueFlagArms.push(`        case ${safe(command.id)}\n            echo ${takesValue.map(safe).join(' ')}`)
  }

  const subArms = [...tree.entries()].map(
    ([parent, kids]) =>
      `        case ${parent === '' ? "''" : safe(parent)}\n            echo ${[...kids.keys()].sort().map(safe).join(' ')}`,
  )

  return `# fish completion for ${BIN}. Generated from oclif.manifest.json by scripts/gen-docs/: do not edit.
# Install as ~/.config/fish/completions/${BIN}.fish, or in /usr/share/fish/vendor_completions.d/.
#
# Names of hosts, sites, environments and VMs come from \`${BIN} __complete KIND\`, which
# reads only what violin keeps on this machine or in its store (never a host over SSH);
# each answer is kept ${cacheSeconds} seconds per shell, for the same VIOLIN_* settings and directory.

# The words that may follow a topic or command ($argv[1]: its id, words joined by ':').
function __${BIN}_subcommands
    switch "$argv[1]"
${subArms.join('\n')}
    end
end

# The flags of a command ($argv[1]) that take a value.
function __${BIN}_value_flags
    switch "$argv[1]"
${valueFlagArms.join('\n')}
    end
end

# Where the cursor is: sets __${BIN}_at to the topic or command the words before it name,
# the number of arguments typed after it (past flags and their values), whether the line
# asks for help, and the --connect target on the line. Computed once per command line.
function __${BIN}_where
    set -l line (commandline -pc)
    test "$line" = "$__${BIN}_where_line"; and return
    set -g __${BIN}_where_line $line
    set -l words (commandline -opc)
    set -e words[1]
    set -l help 0
    if test "$words[1]" = help
        set help 1
        set -e words[1]
    end
    set -l id ''
    while set -q words[1]; and contains -- $words[1] (string split ' ' -- (__${BIN}_subcommands $id))
        set id (string join : -- (string split -n : -- $id) $words[1])
        set -e words[1]
    end
    set -l n 0
    set -l target ''
    set -l value_flags (string split ' ' -- (__${BIN}_value_flags $id))
    while set -q words[1]
        set -l w $words[1]
        set -e words[1]
        if test "$w" = --
            set n (math $n + (count $words))
            break
        else if string match -qr -- '^--connect=' $w
            set target (string replace -- '--connect=' '' $w)
        else if string match -qr -- '^-.' $w
            if contains -- $w $value_flags; and set -q words[1]
                contains -- $w --connect -c; and set target $words[1]
                set -e words[1]
            end
        else
            set n (math $n + 1)
        end
    end
    set -g __${BIN}_at $id $n $help $target
end

# True when the next word may be a subcommand of $argv[1] (the top: no argument).
function __${BIN}_can_name
    __${BIN}_where
    test "$__${BIN}_at[1]" = "$argv[1]"; and test $__${BIN}_at[2] -eq 0
end

# True when the words before the cursor name the command $argv[1].
function __${BIN}_is
    __${BIN}_where
    test "$__${BIN}_at[1]" = "$argv[1]"; and test $__${BIN}_at[3] -eq 0
end

# True when the next word is argument $argv[2] of the command $argv[1] (N+: N or later).
function __${BIN}_arg
    __${BIN}_is $argv[1]; or return
    set -l n (math $__${BIN}_at[2] + 1)
    set -l want (string replace '+' '' -- $argv[2])
    test $n -eq $want; or begin
        string match -q -- '*+' $argv[2]; and test $n -gt $want
    end
end

# The names of kind $argv[1] (host, site, env, vm, rule), for the --connect target on the line if any.
function __${BIN}_names
    __${BIN}_where
    set -l kind $argv[1]
    set -l target "$__${BIN}_at[4]"
    set -l key "$kind|$target|$VIOLIN_HOME|$VIOLIN_STORE|$VIOLIN_CONNECT|$VIOLIN_STATE_DIR|$XDG_CONFIG_HOME|$PWD"
    set -l now (date +%s)
    set -l var __${BIN}_names_$kind
    set -l cached $$var
    if test "$cached[1]" != "$key"; or test (math $now - $cached[2]) -ge ${cacheSeconds}
        set cached $key $now (command ${BIN} __complete $kind "$target" 2>/dev/null)
        set -g $var $cached
    end
    string join \\n -- $cached[3..-1]
end

# no file names unless a flag or argument takes a file
${c} -f
${lines.join('\n')}
`
}
