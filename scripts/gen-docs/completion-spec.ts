/**
 * What each argument and flag of violin takes, for the shell completions: the one table
 * the bash, zsh and fish scripts are generated from.
 *
 * A value's kind is one of
 *   host, site, env, vm, rule  names violin knows locally, printed by `violin __complete KIND`
 *                        (src/commands/__complete.ts) when TAB is pressed
 *   file, dir            the shell's own file (or directory) completion
 *   none                 typed by hand (a number, a size, a URL): no file names offered
 * or, for a flag with fixed options, {values: [...]}.
 *
 * The kind comes from the command's definition: a flag's options, its type (integers take
 * nothing), its help value (HOST, FILE, SECONDS...), else the tables below. A flag or
 * argument no rule covers stops the build, naming it, so a new one is never offered
 * file names by mistake.
 */

import {byCodeUnit, type ManifestArg, type ManifestCommand, type ManifestFlag, type Topic} from './input.js'

export const NAME_KINDS = ['host', 'site', 'env', 'vm', 'rule'] as const
export type Kind = (typeof NAME_KINDS)[number] | 'file' | 'dir' | 'none'
/** What a flag's value takes: a kind, or one of fixed words. */
export type Value = {kind: Kind} | {values: string[]}

export interface CompletionFlag {
  name: string
  char?: string
  summary: string
  multiple: boolean
  allowNo: boolean
  /** undefined: a switch */
  value?: Value
}

export interface CompletionCommand {
  id: string
  summary: string
  args: Array<{name: string; kind: Kind}>
  /** The last argument repeats (a command that is not strict). */
  repeatsLast: boolean
  flags: CompletionFlag[]
}

/** A topic or command id ('' the top) -> each word that may follow it -> its summary. */
export type CommandTree = Map<string, Map<string, string>>

/** A flag's value by its helpValue. */
const BY_HELP_VALUE: Record<string, Kind> = {
  HOST: 'host',
  SITE: 'site',
  ENV: 'env',
  VM: 'vm',
  FILE: 'file',
  'FILE.svg': 'file',
  PATH: 'file',
  IMAGE: 'file',
  DIR: 'dir',
  N: 'none',
  SECONDS: 'none',
  SIZE: 'none',
  BYTES: 'none',
  MIBS: 'none',
  RATIO: 'none',
  TIME: 'none',
  TEXT: 'none',
  FRACTION: 'none',
  SAMPLES: 'none',
  DURATION: 'none',
  IP: 'none',
  URL: 'none',
  URI: 'none',
  DEV: 'none',
  TARGET: 'none',
  COMMAND: 'none',
  'P,P...': 'none',
  // a new rule's name (rule add ... --name)
  RULE: 'none',
  // the agent's own name in the inventory (violin agent --store URL --host NAME)
  NAME: 'host',
}

/** A flag's value by its name, when it has no helpValue. */
const BY_FLAG_NAME: Record<string, Kind> = {
  site: 'site',
  identity: 'file',
  // a libvirt URI, or for a sim host its cluster file
  uri: 'file',
  ssh: 'none',
  nic: 'none',
  set: 'none',
  'agent-command': 'none',
}

/** Flags whose value is not what their helpValue suggests, as "command --flag". */
const FLAG_OVERRIDES: Record<string, Kind> = {
  // directories on the hosts, not on this machine
  'image:push --dir': 'none',
  'host:add --agent-dir': 'none',
}

/** An argument's value by its name. */
const BY_ARG_NAME: Record<string, Kind> = {
  vm: 'vm',
  host: 'host',
  hosts: 'host',
  destination: 'host',
  env: 'env',
  file: 'file',
  image: 'file',
  scenario: 'file',
  size: 'none',
}

/** `name`/`names` arguments mean the topic's own kind of thing (host rm NAME, env info NAME)... */
const NAME_ARG_BY_TOPIC: Record<string, Kind> = {host: 'host', env: 'env', rule: 'rule'}
/** ...except where the command makes a new one. */
const ARG_OVERRIDES: Record<string, Kind> = {
  'host:add name': 'none',
  'env:create name': 'none',
  'rule:add:affinity name': 'none',
  'rule:add:anti-affinity name': 'none',
  // the words after help are a command's, completed as such
  'help command': 'none',
  // env-file, scenario or cluster: typed by hand (argument values are not completed yet)
  'schema kind': 'none',
}

function flagValue(id: string, flag: ManifestFlag): Value | undefined {
  if (flag.type !== 'option') return undefined
  if (flag.options?.length) return {values: [...flag.options]}
  const kind =
    FLAG_OVERRIDES[`${id} --${flag.name}`] ??
    (flag.helpValue === undefined && /^integer/.test(flagType(flag)) ? 'none' : undefined) ??
    BY_HELP_VALUE[[flag.helpValue].flat()[0] ?? ''] ??
    (flag.helpValue === undefined ? BY_FLAG_NAME[flag.name] : undefined)
  if (!kind)
    throw new Error(
      `completion: what does --${flag.name}${flag.helpValue ? ` ${flag.helpValue}` : ''} of "${id}" take? Add it to scripts/gen-docs/completion-spec.ts`,
    )
  return {kind}
}

/** oclif's manifest keeps no flag type beyond option/boolean: an integer is known by its min/max or numeric default. */
function flagType(flag: ManifestFlag): 'integer' | 'string' {
  return flag.min !== undefined || flag.max !== undefined || typeof flag.default === 'number' ? 'integer' : 'string'
}

function argKind(id: string, arg: ManifestArg): Kind {
  const topic = id.split(':')[0]!
  const kind =
    ARG_OVERRIDES[`${id} ${arg.name}`] ??
    BY_ARG_NAME[arg.name] ??
    (['name', 'names'].includes(arg.name) ? NAME_ARG_BY_TOPIC[topic] : undefined)
  if (!kind)
    throw new Error(
      `completion: what does the argument ${arg.name.toUpperCase()} of "${id}" take? Add it to scripts/gen-docs/completion-spec.ts`,
    )
  return kind
}

/** One line of help text for a shell's menu. */
function oneLine(text: string | undefined): string {
  return String(text ?? '')
    .replaceAll(/<%=\s*config\.bin\s*%>/g, 'violin')
    .split('\n')[0]!
    .trim()
}

/** Every visible installed command (its aliases too), with what each argument and flag takes. */
export function completionSpec(installed: ManifestCommand[]): CompletionCommand[] {
  const out: CompletionCommand[] = []
  for (const c of installed) {
    if (c.hidden) continue
    const args = Object.values(c.args ?? {}).filter((a) => !a.hidden)
    const flags = Object.values(c.flags ?? {}).filter((f) => !f.hidden)
    for (const id of [c.id, ...(c.aliases ?? [])]) {
      out.push({
        id,
        summary: oneLine(c.summary ?? c.description),
        args: args.map((a) => ({name: a.name, kind: argKind(id, a)})),
        repeatsLast: c.strict === false && args.length > 0,
        flags: flags.map((f) => ({
          name: f.name,
          char: f.char,
          summary: oneLine(f.summary ?? f.description),
          multiple: Boolean(f.multiple),
          allowNo: Boolean(f.allowNo),
          value: flagValue(id, f),
        })),
      })
    }
  }
  return out.sort((a, b) => byCodeUnit(a.id, b.id))
}

/** Topic and command ids -> the words that may follow each (topic:sub...), '' being the top. */
export function commandTree(commands: CompletionCommand[], topics: Topic[]): CommandTree {
  const children: CommandTree = new Map([['', new Map()]])
  const summaries = new Map<string, string>([
    ...topics.map((t): [string, string] => [t.name, oneLine(t.description)]),
    ...commands.map((c): [string, string] => [c.id, c.summary]),
  ])
  for (const id of [...topics.map((t) => t.name), ...commands.map((c) => c.id)]) {
    const parts = id.split(':')
    parts.forEach((part, i) => {
      const parent = parts.slice(0, i).join(':')
      if (!children.has(parent)) children.set(parent, new Map())
      const child = parts.slice(0, i + 1).join(':')
      children.get(parent)!.set(part, summaries.get(child) ?? '')
    })
  }
  return new Map([...children.entries()].filter(([, kids]) => kids.size > 0).sort(([a], [b]) => byCodeUnit(a, b)))
}
