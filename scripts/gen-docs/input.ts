/**
 * What every job reads, read once by index.ts: package.json, oclif.manifest.json (the man
 * pages) and oclif's Config (the completions: the commands as installed, and the topics).
 */
import {readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = 'violin'

/** A flag as oclif.manifest.json keeps it: only what the jobs read. */
export interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  char?: string
  summary?: string
  description?: string
  helpGroup?: string
  helpValue?: string | string[]
  options?: readonly string[]
  default?: unknown
  min?: number
  max?: number
  multiple?: boolean
  allowNo?: boolean
  required?: boolean
  hidden?: boolean
  dependsOn?: string[]
  exclusive?: string[]
  env?: string
}

export interface ManifestArg {
  name: string
  description?: string
  required?: boolean
  hidden?: boolean
}

export type Example = string | {command: string; description?: string}

export interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  strict?: boolean
  aliases?: string[]
  examples?: Example[]
  args?: Record<string, ManifestArg>
  flags?: Record<string, ManifestFlag>
}

export interface Topic {
  name: string
  description?: string
}

export interface Input {
  pkg: {version: string; description: string; oclif?: {topics?: Record<string, {description?: string}>}}
  manifest: {version: string; commands: Record<string, ManifestCommand>}
  /** Every command of the installed plugins, hidden ones included. */
  installed: ManifestCommand[]
  topics: Topic[]
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (error) {
    const hint = file.endsWith('oclif.manifest.json') ? ' (run `npm run build`, or `oclif manifest`, first)' : ''
    throw new Error(`${relative(ROOT, file)}: ${(error as Error).message}${hint}`)
  }
}

export async function readInput(): Promise<Input> {
  const pkg = readJson<Input['pkg']>(join(ROOT, 'package.json'))
  const manifest = readJson<Input['manifest']>(join(ROOT, 'oclif.manifest.json'))
  if (manifest.version !== pkg.version)
    throw new Error(`oclif.manifest.json is for version ${manifest.version}, package.json says ${pkg.version}: run \`npm run build\``)
  // violin's commands as installed: no dev, user or just-in-time plugins
  const config = await Config.load({root: ROOT, devPlugins: false, userPlugins: false, jitPlugins: false})
  // oclif's Command.Cached types each flag as a union of loose shapes; the manifest's JSON is what is read
  const installed = config.getPluginsList().flatMap((p) => p.commands) as unknown as ManifestCommand[]
  return {pkg, manifest, installed, topics: config.topics}
}

/** Sorts ids (and file paths) by code unit, as the generated files always have. */
export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
