/**
 * bash: not @oclif/plugin-autocomplete's script. Its function joins every word typed so far
 * into the command id, so a flag after an argument (`violin setmem web1 --li<TAB>`)
 * completes nothing, and it never completes flag values. This one walks the words only as
 * far as they name a topic or command, then completes subcommands, flags, a flag's value
 * or an argument by what it takes (completion-spec.ts). Plain bash 4 (no
 * bash-completion helpers).
 */
import type {CommandTree, CompletionCommand, Value} from './completion-spec.js'
import {BIN} from './input.js'
import {cacheSeconds, safe} from './shell.js'

const caseArm = (pattern: string, body: string) => `        ${pattern}) ${body} ;;`
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** What a value takes, as __violin_flag_values and __violin_args print it: words, or @KIND. */
const valueWords = (value: Value) => ('values' in value ? value.values.map(safe).join(' ') : `@${value.kind}`)

export function bashCompletion(commands: CompletionCommand[], tree: CommandTree): string {
  const subArms = [...tree.entries()].map(([parent, kids]) =>
    caseArm(parent === '' ? "''" : safe(parent), `echo '${[...kids.keys()].sort(byId).map(safe).join(' ')}'`),
  )

  const flagArms = [caseArm("''", "echo '--help --version'")]
  const argArms: string[] = []
  // what it takes -> case patterns, by command
  const valueGroups = new Map<string, Map<string, string[]>>()
  for (const c of commands) {
    const names: string[] = []
    for (const f of c.flags) {
      names.push(`--${f.name}`)
      if (f.allowNo) names.push(`--no-${f.name}`)
      if (!f.value) continue
      const words = valueWords(f.value)
      if (!valueGroups.has(words)) valueGroups.set(words, new Map())
      const byCommand = valueGroups.get(words)!
      if (!byCommand.has(c.id)) byCommand.set(c.id, [])
      for (const n of [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]) byCommand.get(c.id)!.push(`${safe(c.id)}\\ ${safe(n)}`)
    }
    names.push('--help')
    flagArms.push(caseArm(safe(c.id), `echo '${names.map(safe).join(' ')}'`))
    if (c.args.length > 0)
      argArms.push(caseArm(safe(c.id), `echo '${c.args.map((a) => `@${a.kind}`).join(' ')}${c.repeatsLast ? '...' : ''}'`))
  }
  const valueArms = [...valueGroups.entries()].map(([words, byCommand]) =>
    caseArm([...byCommand.values()].map((p) => p.join('|')).join('|\\\n        '), `echo '${words}'`),
  )

  return `# bash completion for ${BIN}                                   -*- shell-script -*-
# Generated from oclif.manifest.json by scripts/gen-docs/: do not edit.
# Install as /usr/share/bash-completion/completions/${BIN}, or source it from ~/.bashrc.
#
# Names of hosts, sites, environments and VMs come from \`${BIN} __complete KIND\`, which
# reads only what violin keeps on this machine or in its store (never a host over SSH);
# each answer is kept ${cacheSeconds} seconds per shell, for the same VIOLIN_* settings and directory.

# The words that may follow a topic or command ($1: its id, words joined by ':').
__${BIN}_subcommands()
{
    case $1 in
${subArms.join('\n')}
    esac
}

# The flags of a command ($1: its id).
__${BIN}_flags()
{
    case $1 in
${flagArms.join('\n')}
    esac
}

# What the flag $2 of the command $1 takes: its values, or @KIND (see __${BIN}_complete_kind).
# Fails for a flag that takes no value.
__${BIN}_flag_values()
{
    case "$1 $2" in
${valueArms.join('\n')}
        *) return 1 ;;
    esac
}

# What the arguments of the command $1 take, in order, as @KIND words; a last one
# ending in ... repeats.
__${BIN}_args()
{
    case $1 in
${argArms.join('\n')}
    esac
}

# COMPREPLY: the names of kind $1 that start with $cur ($2: a --connect target on the line).
__${BIN}_complete_names()
{
    local key="$1|$2|\${VIOLIN_HOME-}|\${VIOLIN_STORE-}|\${VIOLIN_CONNECT-}|\${VIOLIN_STATE_DIR-}|\${XDG_CONFIG_HOME-}|$PWD" name
    declare -gA __${BIN}_names_cache __${BIN}_names_time
    if [[ -z \${__${BIN}_names_time[$key]-} ]] || ((SECONDS - __${BIN}_names_time[$key] >= ${cacheSeconds})); then
        __${BIN}_names_cache[$key]=$(command ${BIN} __complete "$1" "$2" 2>/dev/null)
        __${BIN}_names_time[$key]=$SECONDS
    fi
    # no compgen -W: it would expand what is in a name
    local IFS=$'\\n'
    for name in \${__${BIN}_names_cache[$key]}; do
        [[ $name == "$cur"* ]] && COMPREPLY+=("$name")
    done
}

# COMPREPLY for a value of kind $1: names, files, directories, or nothing (none).
__${BIN}_complete_kind()
{
    case $1 in
        file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        none) ;;
        *) __${BIN}_complete_names "$1" "$2" ;;
    esac
}

_${BIN}()
{
    local cur=\${COMP_WORDS[COMP_CWORD]} prev= id= i=1 w values n=0 connect= kinds kind
    COMPREPLY=()

    # --flag=value: bash splits the word at '='
    if [[ $cur == = ]]; then
        cur= prev=\${COMP_WORDS[COMP_CWORD-1]}
    elif ((COMP_CWORD > 2)) && [[ \${COMP_WORDS[COMP_CWORD-1]} == = ]]; then
        prev=\${COMP_WORDS[COMP_CWORD-2]}
    elif ((COMP_CWORD > 1)); then
        prev=\${COMP_WORDS[COMP_CWORD-1]}
    fi

    # \`${BIN} help host add\`: the words after help name a command
    [[ \${COMP_WORDS[1]} == help ]] && ((COMP_CWORD > 1)) && i=2

    # the topic or command named by the words before the cursor
    for ((; i < COMP_CWORD; i++)); do
        w=\${COMP_WORDS[i]}
        [[ " $(__${BIN}_subcommands "$id") " == *" $w "* ]] || break
        id=\${id:+$id:}$w
    done

    # the arguments before the cursor (n of them), past flags and their values
    local j
    for ((j = i; j < COMP_CWORD; j++)); do
        w=\${COMP_WORDS[j]}
        if [[ $w == -- ]]; then
            ((n += COMP_CWORD - j - 1))
            break
        elif [[ $w == -?* ]]; then
            if [[ \${COMP_WORDS[j+1]-} == = ]]; then
                ((j += 2))
            elif __${BIN}_flag_values "$id" "$w" >/dev/null; then
                ((j++))
            else
                continue
            fi
            if [[ $w == --connect || $w == -c ]] && ((j < COMP_CWORD)); then
                # sim:FILE: bash splits the word at ':'
                connect=\${COMP_WORDS[j]}
                while [[ \${COMP_WORDS[j+1]-} == : ]] && ((j + 2 < COMP_CWORD)); do
                    connect+=:\${COMP_WORDS[j+2]}
                    ((j += 2))
                done
            fi
        else
            ((n++))
        fi
    done

    if ((i < COMP_CWORD)) && values=$(__${BIN}_flag_values "$id" "$prev"); then
        if [[ $values == @* ]]; then
            __${BIN}_complete_kind "\${values#@}" "$connect"
        else
            COMPREPLY=($(compgen -W "$values" -- "$cur"))
        fi
    elif [[ $cur == -* ]]; then
        [[ \${COMP_WORDS[1]} == help ]] || COMPREPLY=($(compgen -W "$(__${BIN}_flags "$id")" -- "$cur"))
    elif ((i == COMP_CWORD)) && [[ -n $(__${BIN}_subcommands "$id") ]]; then
        COMPREPLY=($(compgen -W "$(__${BIN}_subcommands "$id")" -- "$cur"))
    elif [[ \${COMP_WORDS[1]} != help ]]; then
        kinds=($(__${BIN}_args "$id"))
        if ((n < \${#kinds[@]})); then
            kind=\${kinds[n]}
        elif ((\${#kinds[@]} > 0)) && [[ \${kinds[-1]} == *... ]]; then
            kind=\${kinds[-1]}
        fi
        kind=\${kind%...}
        [[ -n $kind ]] && __${BIN}_complete_kind "\${kind#@}" "$connect"
    fi
    return 0
}

complete -F _${BIN} ${BIN}
`
}
