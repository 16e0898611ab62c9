import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {runCommand} from '@oclif/test'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const EXAMPLE = join(ROOT, 'examples', 'two-sites.yaml')

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
  /** stdout parsed as JSON, when it is JSON. */
  json?: any
}

/** Runs one violin command in-process through oclif's runCommand, with its exit status. */
export async function violin(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const saved: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.exitCode = undefined
  try {
    const {stdout, stderr, error} = await runCommand(args, {root: ROOT})
    const exitCode = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit ?? Number(process.exitCode ?? 0)
    let json: unknown
    try {
      json = JSON.parse(stdout)
    } catch {}
    return {stdout, stderr, exitCode, json}
  } finally {
    process.exitCode = undefined
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** A fresh VIOLIN_HOME for one test; remove() when done. */
export function tempHome(): {dir: string; env: Record<string, string>; remove(): void} {
  const dir = mkdtempSync(join(tmpdir(), 'violin-home-'))
  return {dir, env: {VIOLIN_HOME: dir, VIOLIN_CONNECT: undefined as unknown as string}, remove: () => rmSync(dir, {recursive: true, force: true})}
}

/**
 * Runs the built binary (bin/run.js) in a child process: argv reaches it untouched
 * (runCommand re-splits its arguments on spaces) and the exit status is the real one.
 */
export async function violinProcess(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  const {execa} = await import('execa')
  const r = await execa(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {reject: false, cwd, env: {...env, FORCE_COLOR: '0'}, extendEnv: true, stdin: 'ignore'})
  let json: unknown
  try {
    json = JSON.parse(String(r.stdout))
  } catch {}
  return {stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1, json}
}

let loadedConfig: import('@oclif/core').Config | undefined

/**
 * Like violin(), but argv reaches the command exactly as given (runCommand joins and
 * re-splits it, which mangles values with spaces, quotes or newlines), and the oclif
 * config is loaded once: for tests that run hundreds of commands.
 */
export async function violinArgv(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const {Config, run} = await import('@oclif/core')
  const {captureOutput} = await import('@oclif/test')
  loadedConfig ??= await Config.load({root: ROOT})
  const saved: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.exitCode = undefined
  try {
    const {stdout, stderr, error} = await captureOutput(() => run(args, loadedConfig))
    const exitCode = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit ?? Number(process.exitCode ?? 0)
    let json: unknown
    try {
      json = JSON.parse(stdout)
    } catch {}
    return {stdout, stderr, exitCode, json}
  } finally {
    process.exitCode = undefined
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}
