import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {runCommand} from '@oclif/test'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// The tests run the built CLI (dist/), as users do. Left alone, oclif in a test process
// (NODE_ENV=test while @oclif/test captures) looks for each hook's TypeScript source by
// tsconfig.json's rootDir, finds none (it is src/, not .), and prints a warning with a
// stack into the very stderr the tests read.
// oclif's settings module keeps the object it found: set the key on that one.
const oclifSettings = ((globalThis as {oclif?: Record<string, unknown>}).oclif ??= {})
oclifSettings.enableAutoTranspile = false
export const EXAMPLE = join(ROOT, 'examples', 'two-sites.yaml')

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number
  /** stdout parsed as JSON, when it is JSON. */
  json?: any
}

/**
 * Runs `capture` with `env` set in process.env (undefined removes a variable), then
 * restores it; the command's exit status and its stdout parsed as JSON when it is JSON.
 */
async function inProcess(
  env: Record<string, string | undefined>,
  capture: () => Promise<{stdout: string; stderr: string; error?: unknown}>,
): Promise<CliResult> {
  const saved: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.exitCode = undefined
  try {
    const {stdout, stderr, error} = await capture()
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

/** Runs one violin command in-process through oclif's runCommand, with its exit status. */
export function violin(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return inProcess(env, () => runCommand(args, {root: ROOT}))
}

/** A fresh VIOLIN_HOME for one test; remove() when done. */
export function tempHome(): {dir: string; env: Record<string, string>; remove(): void} {
  const dir = mkdtempSync(join(tmpdir(), 'violin-home-'))
  return {
    dir,
    env: {VIOLIN_HOME: dir, VIOLIN_CONNECT: undefined as unknown as string},
    remove: () => rmSync(dir, {recursive: true, force: true}),
  }
}

/**
 * Runs the built binary (bin/run.js) in a child process: argv reaches it untouched
 * (runCommand re-splits its arguments on spaces) and the exit status is the real one.
 */
export async function violinProcess(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  const {execa} = await import('execa')
  const r = await execa(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {
    reject: false,
    cwd,
    env: {...env, FORCE_COLOR: '0'},
    extendEnv: true,
    stdin: 'ignore',
  })
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
  const config = loadedConfig
  return inProcess(env, () => captureOutput(() => run(args, config)))
}
