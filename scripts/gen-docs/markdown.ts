/** The ronn-style markdown the man pages are written in: escaping, synopses, flag lists. */
import {BIN, byCodeUnit, type ManifestCommand, type ManifestFlag} from './input.js'

const GLOBAL = 'GLOBAL'

/** `<%= config.bin %>` and `<%= command.id %>` as oclif's help expands them. */
export function expand(text: string, id: string): string {
  return String(text)
    .replaceAll(/<%=\s*config\.bin\s*%>/g, BIN)
    .replaceAll(/<%=\s*command\.id\s*%>/g, id.replaceAll(':', ' '))
}

/** Plain text for markdown: nothing in it is markup. */
export function md(text: string): string {
  return String(text)
    .replaceAll(/[\\`*_[\]<>|]/g, '\\$&')
    .replaceAll(/^(\s*)([#+-]|\d+\.)(?=\s)/gm, '$1\\$2')
}

export const words = (id: string) => id.replaceAll(':', ' ')
export const pageName = (id: string) => `${BIN}-${id.replaceAll(':', '-')}`
export const isGlobal = (flag: ManifestFlag) => flag.helpGroup === GLOBAL
/** --json (oclif's) after violin's own global flags. */
export const jsonLast = (a: ManifestFlag, b: ManifestFlag) => Number(a.name === 'json') - Number(b.name === 'json')

export function visibleCommands(commands: Record<string, ManifestCommand>): ManifestCommand[] {
  return Object.values(commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => byCodeUnit(a.id, b.id))
}

export const visibleFlags = (command: ManifestCommand) => Object.values(command.flags ?? {}).filter((f) => !f.hidden)
export const visibleArgs = (command: ManifestCommand) => Object.values(command.args ?? {}).filter((a) => !a.hidden)

/** The placeholder of an option flag's value: helpValue, its options, or its NAME. */
function flagValue(flag: ManifestFlag): string {
  if (flag.type !== 'option') return ''
  if (flag.helpValue)
    return [flag.helpValue]
      .flat()
      .map((v) => `*${md(v.replace(/^<(.*)>$/, '$1'))}*`)
      .join(' ')
  if (flag.options?.length) return flag.options.map((o) => `\`${o}\``).join('|')
  return `*${md(flag.name.toUpperCase().replaceAll('-', '_'))}*`
}

function flagSynopsis(flag: ManifestFlag): string {
  const name = flag.char ? `-${flag.char}` : `--${flag.allowNo ? '[no-]' : ''}${flag.name}`
  const value = flagValue(flag)
  // a no-break space: roff never splits a flag from its value
  return `\`${name}\`${value ? `&nbsp;${value}` : ''}`
}

export function argsSynopsis(command: ManifestCommand): string[] {
  const args = visibleArgs(command)
  return args.map((a, i) => {
    const name = `*${md(a.name.toUpperCase())}*`
    const more = command.strict === false && i === args.length - 1 ? '...' : ''
    return a.required ? `${name}${more}` : `\\[${name}${more}\\]`
  })
}

/** `violin host add` NAME --site SITE ... [--ssh SSH | --local] [global options] */
export function synopsis(command: ManifestCommand): string {
  const flags = visibleFlags(command).filter((f) => !isGlobal(f))
  const parts = [`\`${BIN} ${words(command.id)}\``, ...argsSynopsis(command)]
  for (const f of flags.filter((f) => f.required)) parts.push(flagSynopsis(f))
  const placed = new Set<string>()
  for (const f of flags.filter((f) => !f.required)) {
    if (placed.has(f.name)) continue
    const group = [f, ...flags.filter((g) => g !== f && !g.required && !placed.has(g.name) && (f.exclusive ?? []).includes(g.name))]
    for (const g of group) placed.add(g.name)
    parts.push(`\\[${group.map(flagSynopsis).join(' | ')}\\]${f.multiple ? '...' : ''}`)
  }
  parts.push('\\[*global options*\\]')
  return parts.join(' ')
}

/** One flag as a list item: its names and value, then what it does and its constraints. */
export function flagItem(flag: ManifestFlag): string {
  const names = [flag.char ? `\`-${flag.char}\`` : undefined, `\`--${flag.name}\``, flag.allowNo ? `\`--no-${flag.name}\`` : undefined]
    .filter(Boolean)
    .join(', ')
  const value = flagValue(flag)
  const text = [flag.summary, flag.description && flag.description !== flag.summary ? flag.description : undefined]
    .filter((t): t is string => Boolean(t))
    .map((t) => md(expand(t, '')).replaceAll(/\s*\n\s*/g, ' '))
    .join(' ')
  const notes: string[] = []
  if (flag.required) notes.push('Required.')
  if (flag.options?.length && flag.helpValue) notes.push(`One of: ${flag.options.map((o) => `\`${o}\``).join(', ')}.`)
  if (flag.default !== undefined && flag.default !== false && !(Array.isArray(flag.default) && flag.default.length === 0)) {
    notes.push(`Default: \`${[flag.default].flat().join(',')}\`.`)
  }
  if (flag.multiple) notes.push('Repeatable.')
  if (flag.dependsOn?.length) notes.push(`Only with ${flag.dependsOn.map((n) => `\`--${n}\``).join(', ')}.`)
  if (flag.exclusive?.length) notes.push(`Not with ${flag.exclusive.map((n) => `\`--${n}\``).join(', ')}.`)
  if (flag.env) notes.push(`Environment: \`${flag.env}\`.`)
  return [
    `* ${names}${value ? ` ${value}` : ''}`,
    `  ${text || 'See DESCRIPTION.'}`,
    ...(notes.length ? [`  ${notes.join(' ')}`] : []),
  ].join('\n')
}

/** The global flags, as the base command declares them (read from every command). */
export function globalFlags(commands: ManifestCommand[]): ManifestFlag[] {
  const found = new Map<string, ManifestFlag>()
  for (const c of commands)
    for (const f of Object.values(c.flags ?? {})) if (isGlobal(f) && !f.hidden && !found.has(f.name)) found.set(f.name, f)
  return [...found.values()].sort(jsonLast)
}

export const helpItem = '* `--help`\n  Print the help of the command, the text of its page, and exit.'

export function paragraphs(text: string, id: string): string {
  return expand(text, id)
    .split(/\n\s*\n/)
    .map((p) => md(p.trim()))
    .filter(Boolean)
    .join('\n\n')
}
