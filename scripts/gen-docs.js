#!/usr/bin/env node
/**
 * Generates violin's man pages (man/) and shell completions (completions/) from
 * oclif.manifest.json, so that --help, the man pages and TAB completion say the same
 * thing. Run by `npm run build` after `oclif manifest`.
 *
 *   node scripts/gen-docs.js          write man/ and completions/
 *   node scripts/gen-docs.js --check  write nothing; exit 1 naming every stale file
 *   --dir DIR                         the man/ and completions/ of DIR, not of the project
 *
 * man/: ronn-style markdown per command, turned into roff by marked-man. No build date:
 * the same manifest gives the same bytes.
 * completions/: bash, zsh and fish scripts from one table of what each argument and flag
 * takes (scripts/completions/), for the production plugin set (no dev plugins).
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {bashCompletion} from './completions/bash.js'
import {fishCompletion} from './completions/fish.js'
import {commandTree, completionSpec} from './completions/spec.js'
import {zshCompletion} from './completions/zsh.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const BIN = 'violin'

/**
 * violin's exit statuses. The codes must equal ExitCode in src/errors.ts
 * (test/docs.test.ts checks it); the meanings are what violin(1) prints.
 */
export const EXIT_STATUS = [
  {key: 'ok', code: 0, short: 'success', meaning: 'Success.'},
  {key: 'failure', code: 1, short: 'failure', meaning: 'Failure: a command on a host failed, or `host sync --exit-code` found drift.'},
  {key: 'usage', code: 2, short: 'usage error', meaning: 'Usage error: a bad flag, argument or size.'},
  {key: 'config', code: 3, short: 'config error', meaning: 'Config error (a bad file): a file violin reads (env file, scenario, sim cluster, inventory, history, calibration...) is malformed, said as FILE:LINE:COL: FIELD: expected ..., found .... The file is never overwritten.'},
  {key: 'notFound', code: 4, short: 'not found', meaning: 'Not found: an unknown host or VM.'},
  {key: 'unreachable', code: 5, short: 'unreachable or timed out', meaning: "Unreachable: a host could not be reached, it timed out, or its hypervisor did not answer (libvirtd stopped, a wrong URI, no permission; no Xen); or the shared store (etcd) did not answer, refused TLS or the credentials, or lost its quorum."},
  {key: 'refused', code: 6, short: 'refused', meaning: 'Refused: SSH authentication failed, or the host key is unknown or changed.'},
  {key: 'partial', code: 7, short: 'partial', meaning: "Partial: some hosts (or their hypervisors) did not answer; the others' results were printed."},
  {key: 'locked', code: 8, short: 'locked', meaning: 'Locked: another adaptation pass (violin adapt) holds the lock; its PID (with a shared store, its machine and PID) is in the message.'},
]

/**
 * virsh verb -> violin verb, and the difference in one phrase: violin(1) prints it as FOR
 * VIRSH USERS, README.md as "For virsh users" (test/docs.test.ts keeps the two equal).
 */
export const VIRSH_VERBS = [
  ['list --all', 'list --all', 'every host at once; a Host and a Site column'],
  ['dominfo DOM', 'dominfo VM', 'finds the host the VM is on; -H HOST narrows'],
  ['start DOM', 'start VM', 'an xl VM starts from the config violin keeps'],
  ['shutdown DOM', 'shutdown VM [--wait [--timeout S]]', 'can wait until off (default 60 s; virsh has no --wait)'],
  ['reboot DOM', 'reboot VM', "violin's own VMs (destroy on reboot) are shut down and started again, libvirt and xl"],
  ['destroy DOM', 'destroy VM', 'same: hard power-off, nothing deleted'],
  ['suspend / resume DOM', 'suspend / resume VM', 'same (xl pause / unpause)'],
  ['define FILE', 'define FILE -H HOST', 'needs the host when there are several'],
  ['undefine DOM [--remove-all-storage]', 'undefine VM [--remove-files]', "refuses a running VM; removes violin's own files, never shared images"],
  ['dumpxml DOM', 'dumpxml VM', 'for xl, the xl.cfg violin keeps'],
  ['console DOM', 'console VM', 'over the host\'s SSH; Ctrl-] leaves, as in virsh'],
  ['autostart [--disable] DOM', 'autostart VM [--disable]', 'xl: a link in /etc/xen/auto (xendomains)'],
  ['setmem / schedinfo / migrate', 'setmem / schedinfo / migrate', 'setmem checks the balloon got there'],
  ['start / shutdown / destroy / undefine, domain by domain', 'env start / shutdown / destroy / undefine ENV', 'the same verbs for every VM of an environment; env undefine deletes it'],
]

/** Defaults that the ENVIRONMENT section prints; test/docs.test.ts checks them against src/. */
export const DEFAULTS = {connectTimeoutSec: 10, commandTimeoutSec: 30, maxParallel: 32, storeTimeoutSec: 10}

const ENVIRONMENT = [
  ['VIOLIN_HOME', 'The directory that holds `inventory.json` (default: `~/.config/violin`, following `XDG_CONFIG_HOME`).'],
  ['VIOLIN_CONNECT', 'The target of `--connect` when the flag is not given: `sim:`*FILE* or a libvirt URI.'],
  ['VIOLIN_KNOWN_HOSTS', 'The known_hosts file SSH host keys are checked against and recorded in (default: `~/.ssh/known_hosts`).'],
  ['VIOLIN_CONNECT_TIMEOUT', `Seconds to wait for an SSH connection to a host (default: ${DEFAULTS.connectTimeoutSec}).`],
  ['VIOLIN_COMMAND_TIMEOUT', `Seconds to wait for one command on a host (default: ${DEFAULTS.commandTimeoutSec}).`],
  ['VIOLIN_MAX_PARALLEL', `How many hosts are polled at once (default: ${DEFAULTS.maxParallel}).`],
  ['VIOLIN_STORE', 'A shared store instead of the files: `etcd://`*HOST*`:`*PORT*`[,`*HOST*`:`*PORT*`...]/`*PREFIX*, or `etcds://` for TLS (also `store` in `$VIOLIN_HOME/config.json`). Every key lives under *PREFIX*. See **violin-store-status**(1).'],
  ['VIOLIN_ETCD_CA, VIOLIN_ETCD_CERT, VIOLIN_ETCD_KEY', 'Files for `etcds://`: the CA that signed the members\' certificates, and a client certificate and its key.'],
  ['VIOLIN_ETCD_USER, VIOLIN_ETCD_PASSWORD', 'Password auth for an etcd store (the user may also be in the URL: `etcd://`*USER*`@`...).'],
  ['VIOLIN_NO_CODE_CACHE', 'With any value, violin neither reads nor writes its code cache (see FILES): every start compiles its code anew.'],
  ['VIOLIN_STORE_TIMEOUT', `Seconds an etcd store has to answer before the command fails with exit status 5 (default: ${DEFAULTS.storeTimeoutSec}).`],
  ['SSH_AUTH_SOCK', 'The ssh-agent whose keys violin authenticates with, unless the host has an `--identity` file; without an agent, `~/.ssh/id_*` are tried.'],
  ['VIOLIN_DEBUG', 'When set, an unexpected error also prints its stack trace.'],
  ['VIOLIN_REQUIRE_INTEGRATION', "Tests only: with `1`, violin's integration tests fail instead of being skipped when the machine cannot run them."],
]

const GLOBAL = 'GLOBAL'

// ---------------------------------------------------------------------------------------
// helpers

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`${relative(ROOT, file)}: ${error.message}${file.endsWith('oclif.manifest.json') ? ' (run `npm run build`, or `oclif manifest`, first)' : ''}`)
  }
}

/** `<%= config.bin %>` and `<%= command.id %>` as oclif's help expands them. */
function expand(text, id) {
  return String(text)
    .replaceAll(/<%=\s*config\.bin\s*%>/g, BIN)
    .replaceAll(/<%=\s*command\.id\s*%>/g, id.replaceAll(':', ' '))
}

/** Plain text for markdown: nothing in it is markup. */
function md(text) {
  return String(text)
    .replaceAll(/[\\`*_[\]<>|]/g, '\\$&')
    .replaceAll(/^(\s*)([#+-]|\d+\.)(?=\s)/gm, '$1\\$2')
}

const words = (id) => id.replaceAll(':', ' ')
const pageName = (id) => `${BIN}-${id.replaceAll(':', '-')}`
const isGlobal = (flag) => flag.helpGroup === GLOBAL

function visibleCommands(manifest) {
  return Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The placeholder of an option flag's value: helpValue, its options, or its NAME. */
function valueOf(flag) {
  if (flag.type !== 'option') return ''
  if (flag.helpValue) return [flag.helpValue].flat().map((v) => `*${md(v.replace(/^<(.*)>$/, '$1'))}*`).join(' ')
  if (flag.options?.length) return flag.options.map((o) => `\`${o}\``).join('|')
  return `*${md(flag.name.toUpperCase().replaceAll('-', '_'))}*`
}

function flagSynopsis(flag) {
  const name = flag.char ? `-${flag.char}` : `--${flag.allowNo ? '[no-]' : ''}${flag.name}`
  const value = valueOf(flag)
  // a no-break space: roff never splits a flag from its value
  return `\`${name}\`${value ? `&nbsp;${value}` : ''}`
}

function argsSynopsis(command) {
  const args = Object.values(command.args ?? {}).filter((a) => !a.hidden)
  return args.map((a, i) => {
    const name = `*${md(a.name.toUpperCase())}*`
    const more = command.strict === false && i === args.length - 1 ? '...' : ''
    return a.required ? `${name}${more}` : `\\[${name}${more}\\]`
  })
}

/** `violin host add` NAME --site SITE ... [--ssh SSH | --local] [global options] */
function synopsis(command) {
  const flags = Object.values(command.flags ?? {}).filter((f) => !f.hidden && !isGlobal(f))
  const parts = [`\`${BIN} ${words(command.id)}\``, ...argsSynopsis(command)]
  for (const f of flags.filter((f) => f.required)) parts.push(flagSynopsis(f))
  const placed = new Set()
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
function flagItem(flag) {
  const names = [flag.char ? `\`-${flag.char}\`` : undefined, `\`--${flag.name}\``, flag.allowNo ? `\`--no-${flag.name}\`` : undefined].filter(Boolean).join(', ')
  const value = valueOf(flag)
  const text = [flag.summary, flag.description && flag.description !== flag.summary ? flag.description : undefined]
    .filter(Boolean)
    .map((t) => md(expand(t, '')).replaceAll(/\s*\n\s*/g, ' '))
    .join(' ')
  const notes = []
  if (flag.required) notes.push('Required.')
  if (flag.options?.length && flag.helpValue) notes.push(`One of: ${flag.options.map((o) => `\`${o}\``).join(', ')}.`)
  if (flag.default !== undefined && flag.default !== false && !(Array.isArray(flag.default) && flag.default.length === 0)) {
    notes.push(`Default: \`${[flag.default].flat().join(',')}\`.`)
  }
  if (flag.multiple) notes.push('Repeatable.')
  if (flag.dependsOn?.length) notes.push(`Only with ${flag.dependsOn.map((n) => `\`--${n}\``).join(', ')}.`)
  if (flag.exclusive?.length) notes.push(`Not with ${flag.exclusive.map((n) => `\`--${n}\``).join(', ')}.`)
  if (flag.env) notes.push(`Environment: \`${flag.env}\`.`)
  return [`* ${names}${value ? ` ${value}` : ''}`, `  ${text || 'See DESCRIPTION.'}`, ...(notes.length ? [`  ${notes.join(' ')}`] : [])].join('\n')
}

/** The global flags, as the base command declares them (read from every command). */
function globalFlags(commands) {
  const found = new Map()
  for (const c of commands) for (const f of Object.values(c.flags ?? {})) if (isGlobal(f) && !f.hidden && !found.has(f.name)) found.set(f.name, f)
  // --json (oclif's) last, after violin's own
  return [...found.values()].sort((a, b) => (a.name === 'json') - (b.name === 'json'))
}

const helpItem = '* `--help`\n  Print the help of the command, the text of its page, and exit.'

function paragraphs(text, id) {
  return expand(text, id)
    .split(/\n\s*\n/)
    .map((p) => md(p.trim()))
    .filter(Boolean)
    .join('\n\n')
}

// ---------------------------------------------------------------------------------------
// man pages

function commandPage(command, all) {
  const id = command.id
  const flags = Object.values(command.flags ?? {}).filter((f) => !f.hidden)
  const own = flags.filter((f) => !isGlobal(f))
  const globals = flags.filter(isGlobal).sort((a, b) => (a.name === 'json') - (b.name === 'json'))
  const args = Object.values(command.args ?? {}).filter((a) => !a.hidden)
  const summary = expand(command.summary ?? command.description?.split('\n')[0] ?? '', id)
  const out = []

  out.push(`# ${pageName(id)}(1) -- ${md(summary.replace(/\.$/, ''))}`, '')
  out.push('## SYNOPSIS', '', synopsis(command), '')

  out.push('## DESCRIPTION', '', md(summary))
  if (command.description && command.description !== command.summary) out.push('', paragraphs(command.description, id))
  if (command.aliases?.length) out.push('', `Also called: ${command.aliases.map((a) => `\`${BIN} ${words(a)}\``).join(', ')}.`)
  out.push('')

  if (args.length) {
    out.push('## ARGUMENTS', '')
    for (const a of args) out.push(`* *${md(a.name.toUpperCase())}*`, `  ${md(expand(a.description ?? '', id))}${a.required ? '' : ' (optional)'}`)
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
      const {command: line, description} = typeof e === 'string' ? {command: e} : e
      if (description) out.push(md(expand(description, id)), '')
      out.push('```', ...expand(line, id).split('\n').map((l) => `$ ${l}`), '```', '')
    }
  }

  out.push('## EXIT STATUS', '')
  out.push(`${EXIT_STATUS.map((s) => `**${s.code}** ${s.short}`).join(', ')}. See **${BIN}**(1).`, '')

  const siblings = id.includes(':') ? all.filter((c) => c.id !== id && c.id.split(':').slice(0, -1).join(':') === id.split(':').slice(0, -1).join(':')) : []
  out.push('## SEE ALSO', '', [`**${BIN}**(1)`, ...siblings.map((c) => `**${pageName(c.id)}**(1)`)].join(', '), '')
  return out.join('\n')
}

function mainPage(pkg, commands, examples) {
  const topics = pkg.oclif?.topics ?? {}
  const hasHelp = commands.some((c) => c.id === 'help')
  const topLevel = commands.filter((c) => !c.id.includes(':'))
  const topicNames = [...new Set(commands.filter((c) => c.id.includes(':')).map((c) => c.id.split(':').slice(0, -1).join(':')))].sort()
  const item = (c) => [`* \`${BIN} ${words(c.id)}\` ${argsSynopsis(c).join(' ')}`.trimEnd(), `  ${md(expand(c.summary ?? '', c.id))} See **${pageName(c.id)}**(1).`].join('\n')
  const out = []

  out.push(`# ${BIN}(1) -- ${md(pkg.description.split(':')[0])}`, '')
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
    if (topics[t]?.description) out.push(`${md(topics[t].description.replace(/\.?$/, '.'))}`, '')
    for (const c of commands.filter((c) => c.id.startsWith(`${t}:`) && !c.id.slice(t.length + 1).includes(':'))) out.push(item(c))
    out.push('')
  }

  out.push('## FOR VIRSH USERS', '', `The single-VM verbs are virsh's, on every host violin manages (libvirt, xl and sim), each with \`--json\`; a VM is found on whichever host has it.`, '')
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
    `  The inventory: hosts, their sites and drivers, and the VMs recorded on them. A malformed inventory is an error (exit status 3) and is never overwritten.`,
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

  out.push('## SEE ALSO', '', [...commands.map((c) => `**${pageName(c.id)}**(1)`), '**virsh**(1)', '**xl**(1)'].join(', '), '')
  return out.join('\n')
}

/** marked + marked-man: the same `marked` module instance that marked-man extends. */
async function loadMarkedMan() {
  const markedManFile = require.resolve('marked-man')
  const {default: markedMan} = await import(pathToFileURL(markedManFile).href)
  const markedPkg = createRequire(markedManFile).resolve('marked/package.json')
  const {module: esm} = JSON.parse(readFileSync(markedPkg, 'utf8'))
  const {Marked} = await import(pathToFileURL(join(dirname(markedPkg), esm)).href)
  return new Marked(markedMan)
}

/** ronn-style markdown -> roff, without a date (marked-man insists on one: we drop it). */
function toRoff(marked, markdown, version) {
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

async function manPages(pkg, manifest, files) {
  const marked = await loadMarkedMan()
  const commands = visibleCommands(manifest)
  const examplesDir = join(ROOT, 'examples')
  const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `examples/${f}`) : []
  files.set(`man/${BIN}.1`, toRoff(marked, mainPage(pkg, commands, examples), pkg.version))
  for (const c of commands) files.set(`man/${pageName(c.id)}.1`, toRoff(marked, commandPage(c, commands), pkg.version))
}

// ---------------------------------------------------------------------------------------
// completions

/** violin's commands as installed: its own and its core plugins' (help), no dev plugins. */
async function loadConfig() {
  const {Config} = await import('@oclif/core')
  return Config.load({root: ROOT, devPlugins: false, userPlugins: false, jitPlugins: false})
}

async function completions(files) {
  const config = await loadConfig()
  const commands = completionSpec(config)
  const tree = commandTree(commands, config.topics)
  files.set(`completions/bash/${BIN}`, bashCompletion(commands, tree))
  files.set(`completions/zsh/_${BIN}`, zshCompletion(commands, tree))
  files.set(`completions/fish/${BIN}.fish`, fishCompletion(commands, tree))
}

// ---------------------------------------------------------------------------------------

/** Every generated file, by path relative to the project root. */
export async function generate() {
  const pkg = readJson(join(ROOT, 'package.json'))
  const manifest = readJson(join(ROOT, 'oclif.manifest.json'))
  if (manifest.version !== pkg.version) throw new Error(`oclif.manifest.json is for version ${manifest.version}, package.json says ${pkg.version}: run \`npm run build\``)
  const files = new Map()
  await manPages(pkg, manifest, files)
  await completions(files)
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Files under man/ and completions/ of `root` now (dotfiles aside), relative to it. */
function existing(root) {
  const out = []
  const walk = (dir) => {
    if (!existsSync(join(root, dir))) return
    for (const e of readdirSync(join(root, dir), {withFileTypes: true})) {
      if (e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(`${dir}/${e.name}`)
      else out.push(`${dir}/${e.name}`)
    }
  }
  walk('man')
  walk('completions')
  return out.sort()
}

async function main(argv) {
  const at = argv.indexOf('--dir')
  if (at >= 0 && !argv[at + 1]) throw new Error('--dir needs a directory')
  const root = at >= 0 ? resolve(argv[at + 1]) : ROOT
  const files = await generate()
  const present = existing(root)
  if (argv.includes('--check')) {
    const stale = []
    for (const [path, content] of files) {
      const file = join(root, path)
      if (!existsSync(file)) stale.push(`${path} (missing)`)
      else if (readFileSync(file, 'utf8') !== content) stale.push(`${path} (differs)`)
    }
    for (const path of present) if (!files.has(path)) stale.push(`${path} (not generated any more)`)
    if (stale.length) {
      console.error(`gen-docs: ${stale.length} stale file(s):\n${stale.map((s) => `  ${s}`).join('\n')}\nRegenerate them with: npm run build`)
      process.exitCode = 1
    } else {
      console.log(`gen-docs: ${files.size} files up to date`)
    }
    return
  }
  for (const [path, content] of files) {
    const file = join(root, path)
    mkdirSync(dirname(file), {recursive: true})
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) writeFileSync(file, content)
  }
  // pages of commands that are gone
  for (const path of present) if (!files.has(path) && /^man\/violin(-[\w-]+)?\.1$/.test(path)) rmSync(join(root, path))
  console.log(`gen-docs: wrote ${[...new Set([...files.keys()].map((p) => p.split('/')[0]))].join(', ')} (${files.size} files)`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main(process.argv.slice(2))
  } catch (error) {
    console.error(`gen-docs: ${error.message}`)
    process.exitCode = 2
  }
}
