/**
 * Generates violin's man pages (man/) and shell completions (completions/) from the oclif
 * manifest, so that --help, the man pages and TAB completion say the same thing. Run by
 * `npm run build` after `oclif manifest`.
 *
 *   node --import tsx scripts/gen-docs/index.ts          write man/ and completions/
 *   node --import tsx scripts/gen-docs/index.ts --check  write nothing; exit 1 naming every stale file
 *   --dir DIR                                            the man/ and completions/ of DIR, not of the project
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {completions} from './completions.js'
import {ROOT, byCodeUnit, readInput} from './input.js'
import {manPages} from './man.js'

/** Every generated file, by path relative to the project root. */
export async function generate(): Promise<Map<string, string>> {
  const input = await readInput()
  const files = new Map([...(await manPages(input)), ...completions(input)])
  return new Map([...files.entries()].sort(([a], [b]) => byCodeUnit(a, b)))
}

/** Files under man/ and completions/ of `root` now (dotfiles aside), relative to it. */
function existing(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
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

function check(root: string, files: Map<string, string>, present: string[]): void {
  const stale: string[] = []
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
}

function write(root: string, files: Map<string, string>, present: string[]): void {
  for (const [path, content] of files) {
    const file = join(root, path)
    mkdirSync(dirname(file), {recursive: true})
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) writeFileSync(file, content)
  }
  // pages of commands that are gone
  for (const path of present) if (!files.has(path) && /^man\/violin(-[\w-]+)?\.1$/.test(path)) rmSync(join(root, path))
  console.log(`gen-docs: wrote ${[...new Set([...files.keys()].map((p) => p.split('/')[0]))].join(', ')} (${files.size} files)`)
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--dir')
  const dir = at >= 0 ? argv[at + 1] : undefined
  if (at >= 0 && !dir) throw new Error('--dir needs a directory')
  const root = dir ? resolve(dir) : ROOT
  const files = await generate()
  const present = existing(root)
  if (argv.includes('--check')) check(root, files, present)
  else write(root, files, present)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main(process.argv.slice(2))
  } catch (error) {
    console.error(`gen-docs: ${(error as Error).message}`)
    process.exitCode = 2
  }
}
