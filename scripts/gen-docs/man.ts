/**
 * man/: ronn-style markdown per command, turned into roff by marked-man. No build date: the
 * same manifest gives the same bytes.
 */
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {BIN, type Input, type ManifestCommand, ROOT} from './input.js'
import {
  argsSynopsis,
  expand,
  flagItem,
  globalFlags,
  helpItem,
  isGlobal,
  jsonLast,
  md,
  pageName,
  paragraphs,
  synopsis,
  visibleArgs,
  visibleCommands,
  visibleFlags,
  words,
} from './markdown.js'
import {ENVIRONMENT, EXIT_STATUS, VIRSH_VERBS} from './tables.js'

const require = createRequire(import.meta.url)

interface Marked {
  parse(markdown: string, options: {date: number; manVersion: string; manual: string}): string
}

function commandPage(command: ManifestCommand, all: ManifestCommand[]): string {
  const id = command.id
  const flags = visibleFlags(command)
  const own = flags.filter((f) => !isGlobal(f))
  const globals = flags.filter(isGlobal).sort(jsonLast)
  const args = visibleArgs(command)
  const summary = expand(command.summary ?? command.description?.split('\n')[0] ?? '', id)
  const out: string[] = []

  out.push(`# ${pageName(id)}(1) -- ${md(summary.replace(/\.$/, ''))}`, '')
  out.push('## SYNOPSIS', '', synopsis(command), '')

  out.push('## DESCRIPTION', '', md(summary))
  if (command.description && command.description !== command.summary) out.push('', paragraphs(command.description, id))
  if (command.aliases?.length) out.push('', `Also called: ${command.aliases.map((a) => `\`${BIN} ${words(a)}\``).join(', ')}.`)
  out.push('')

  if (args.length) {
    out.push('## ARGUMENTS', '')
    for (const a of args)
      out.push(`* *${md(a.name.toUpperCase())}*`, `  ${md(expand(a.description ?? '', id))}${a.required ? '' : ' (optional)'}`)
    out.push('')
  }

  out.push('## OPTIONS', '')
  for (const f of own) out.push(flagItem(f))
  if (own.length === 0) out.push('None but the global options.')
  out.push('', '### Global options', '')
  for (const f of globals) out.push(flagItem(f))
  out.push(helpItem, '')

  const examples = command.examples ?? []
  if (examples.length) {
    out.push('## EXAMPLES', '')
    for (const e of examples) {
      const {command: line, description} = typeof e === 'string' ? {command: e, description: undefined} : e
      if (description) out.push(md(expand(description, id)), '')
      out.push(
        '```',
        ...expand(line, id)
          .split('\n')
          .map((l) => `$ ${l}`),
        '```',
        '',
      )
    }
  }

  out.push('## EXIT STATUS', '')
  out.push(`${EXIT_STATUS.map((s) => `**${s.code}** ${s.short}`).join(', ')}. See **${BIN}**(1).`, '')

  const topicOf = (c: string) => c.split(':').slice(0, -1).join(':')
  const siblings = id.includes(':') ? all.filter((c) => c.id !== id && topicOf(c.id) === topicOf(id)) : []
  out.push('## SEE ALSO', '', [`**${BIN}**(1)`, ...siblings.map((c) => `**${pageName(c.id)}**(1)`)].join(', '), '')
  return out.join('\n')
}

function mainPage(pkg: Input['pkg'], commands: ManifestCommand[], examples: string[]): string {
  const topics = pkg.oclif?.topics ?? {}
  const hasHelp = commands.some((c) => c.id === 'help')
  const topLevel = commands.filter((c) => !c.id.includes(':'))
  const topicNames = [...new Set(commands.filter((c) => c.id.includes(':')).map((c) => c.id.split(':').slice(0, -1).join(':')))].sort()
  const item = (c: ManifestCommand) =>
    [
      `* \`${BIN} ${words(c.id)}\` ${argsSynopsis(c).join(' ')}`.trimEnd(),
      `  ${md(expand(c.summary ?? '', c.id))} See **${pageName(c.id)}**(1).`,
    ].join('\n')
  const out: string[] = []

  out.push(`# ${BIN}(1) -- ${md(pkg.description.split(':')[0]!)}`, '')
  out.push('## SYNOPSIS', '')
  out.push(
    [
      `\`${BIN}\` *command* \\[*arguments*\\] \\[*options*\\]`,
      ...topicNames.map((t) => `\`${BIN} ${words(t)}\` *command* \\[*arguments*\\] \\[*options*\\]`),
      ...(hasHelp ? [`\`${BIN} help\` \\[*command*...\\]`] : []),
      `\`${BIN} --version\``,
    ].join('\n'),
    '',
  )

  out.push('## DESCRIPTION', '')
  out.push(
    `**${BIN}** manages virtual machines spread over many hosts, with the verbs of **virsh**(1). Hosts are registered in an inventory (\`${BIN} host add\`), each with its site and hypervisor driver: libvirt (virsh), Xen (xl) or a simulated cluster. ${BIN} reaches them over SSH, or runs locally, and asks every selected host at once, so one command lists, polls or changes the VMs of a whole site.`,
    '',
    "A host that fails or does not answer is named on stderr while the others' results are still printed, and the exit status says so (7). Results go to stdout, as a table, csv or json (`--format`); progress, warnings and errors go to stderr. With `--json` (the same as `--format json`) every command prints one JSON document, errors included, and keeps its exit status; `usage --watch` and `adapt` in the foreground print one JSON object a line (JSON Lines). Keys are snake_case with the unit in the key (`memory_mib`, `total_ms`), unknown values `null`; docs/json.md in the source lists every command's keys.",
    '',
    '`--connect sim:`*FILE* runs a command against a simulated cluster described in a YAML file instead of the inventory: no hypervisor is needed (see FILES).',
    '',
    `The help of every command, \`${BIN}\` *command* \`--help\`${hasHelp ? ` or \`${BIN} help\` *command*` : ''}, is the text of its page.`,
    '',
  )

  out.push('## COMMANDS', '')
  for (const c of topLevel) out.push(item(c))
  out.push('')
  for (const t of topicNames) {
    out.push(`### ${BIN} ${words(t)}`, '')
    const description = topics[t]?.description
    if (description) out.push(`${md(description.replace(/\.?$/, '.'))}`, '')
    for (const c of commands.filter((c) => c.id.startsWith(`${t}:`) && !c.id.slice(t.length + 1).includes(':'))) out.push(item(c))
    out.push('')
  }

  out.push(
    '## FOR VIRSH USERS',
    '',
    `The single-VM verbs are virsh's, on every host violin manages (libvirt, xl and sim), each with \`--json\`; a VM is found on whichever host has it.`,
    '',
  )
  for (const [virsh, ours, difference] of VIRSH_VERBS) out.push(`* \`virsh ${virsh}\`: \`${BIN} ${ours}\``, `  ${md(difference)}.`)
  out.push('')

  out.push('## GLOBAL OPTIONS', '', 'Every command takes these.', '')
  for (const f of globalFlags(commands)) out.push(flagItem(f))
  out.push(helpItem, `* \`--version\``, `  Print ${BIN}'s version (\`${BIN} --version\` only).`, '')

  out.push('## EXIT STATUS', '')
  for (const s of EXIT_STATUS) out.push(`* **${s.code}**: ${s.meaning}`)
  out.push('')

  out.push('## FILES', '')
  out.push(
    '* `$VIOLIN_HOME/inventory.json`, else `~/.config/violin/inventory.json`',
    `  The inventory: hosts, their sites and drivers, the VMs recorded on them, environments and placement rules. A malformed inventory is an error (exit status 3) and is never overwritten.`,
    '* `$VIOLIN_HOME/state/` (or `$VIOLIN_STATE_DIR`), else `~/.local/state/violin/`',
    '  What violin measured and decided: `migrations.jsonl`, `commands.jsonl`, `actions.jsonl`, `history.json`, `calibration.json`, and `adapt.lock` (the pass lock); `sim/` holds the same for simulated runs. With `VIOLIN_STORE` all of it, and the inventory, lives in etcd instead, but for `vm-names.json`: the VM names each host had when this machine last listed them, for TAB completion.',
    '* `$VIOLIN_HOME/config.json`',
    '  Optional: `{"store": "etcd://..."}` chooses the store as `VIOLIN_STORE` does.',
    '* `~/.ssh/known_hosts`',
    '  SSH host keys, checked like OpenSSH does; `--accept-new-host-key` records a new one. `VIOLIN_KNOWN_HOSTS` names another file.',
    '* `$XDG_CACHE_HOME/violin/`, else `~/.cache/violin/`',
    `  V8's compiled code of ${BIN} (\`code-*.v8\`), written after the first run of each build so that later starts skip compiling. Safe to delete.`,
    '* `examples/*.yaml`',
    `  Simulated clusters for \`--connect sim:\`*FILE*, shipped with ${BIN}${examples.length ? `: ${examples.map((e) => `\`${e}\``).join(', ')}` : ''}. Each file describes its fields.`,
    '',
  )

  out.push('## ENVIRONMENT', '')
  for (const [name, text] of ENVIRONMENT) out.push(`* \`${name}\``, `  ${text}`)
  out.push('')

  out.push(
    '## PAPERS',
    '',
    `Help texts cite the papers ${BIN} implements by these names (docs/papers.md says what comes from which section):`,
    '',
  )
  for (const [name, paper] of papers()) out.push(`* **${name}**`, `  ${paper}`)
  out.push('')

  out.push('## SEE ALSO', '', [...commands.map((c) => `**${pageName(c.id)}**(1)`), '**virsh**(1)', '**xl**(1)'].join(', '), '')
  return out.join('\n')
}

/** The first table of docs/papers.md: each paper's short name, as help texts cite it, and its reference. */
function papers(): Array<[string, string]> {
  const text = readFileSync(join(ROOT, 'docs/papers.md'), 'utf8')
  const table = text.slice(text.indexOf('| short name | paper |'))
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2)
  return rows.map((row) => {
    // "| **JISA 2011** | Paul Ruth, ... |"
    const [name = '', paper = ''] = row.slice(2, -2).split(' | ')
    return [name.replaceAll('**', ''), paper]
  })
}

/** marked + marked-man: the same `marked` module instance that marked-man extends. */
async function loadMarkedMan(): Promise<Marked> {
  const markedManFile = require.resolve('marked-man')
  const {default: markedMan} = await import(pathToFileURL(markedManFile).href)
  const markedPkg = createRequire(markedManFile).resolve('marked/package.json')
  const {module: esm} = JSON.parse(readFileSync(markedPkg, 'utf8')) as {module: string}
  const {Marked} = await import(pathToFileURL(join(dirname(markedPkg), esm)).href)
  return new Marked(markedMan) as Marked
}

/** ronn-style markdown -> roff, without a date (marked-man insists on one: we drop it). */
function toRoff(marked: Marked, markdown: string, version: string): string {
  const roff = marked.parse(markdown, {date: 0, manVersion: `${BIN} ${version}`, manual: 'Violin Manual'})
  const undated = roff.replace(/^(\.TH "[^"]*" "[^"]*") "January 1970"/, '$1 ""')
  if (undated === roff) throw new Error('marked-man: no .TH line with the date to drop; did its output change?')
  return (
    undated
      // no hyphenation, ragged right: command names and flags stay whole
      .replace(/\n/, '\n.nh\n.ad l\n')
      // marked escapes quotes in code spans as HTML; roff wants them as they are
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
  )
}

/** man/violin.1 and a page per visible command, by path. */
export async function manPages({pkg, manifest}: Input): Promise<Map<string, string>> {
  const marked = await loadMarkedMan()
  const commands = visibleCommands(manifest.commands)
  const examplesDir = join(ROOT, 'examples')
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => `examples/${f}`)
    : []
  const files = new Map([[`man/${BIN}.1`, toRoff(marked, mainPage(pkg, commands, examples), pkg.version)]])
  for (const c of commands) files.set(`man/${pageName(c.id)}.1`, toRoff(marked, commandPage(c, commands), pkg.version))
  return files
}
