import {accessSync, constants} from 'node:fs'

/**
 * The one policy for tests that need the real machine (root, sshd, virsh...):
 * when they cannot run they are skipped with the reason printed, unless
 * VIOLIN_REQUIRE_INTEGRATION=1 (CI on a machine that must run them): then they fail.
 *
 * `check` returns undefined when the suite can run, else the reason it cannot.
 * Call it first thing in a `before` hook:
 *
 *   before(function () { requireIntegration(this, 'sshd', sshdUnavailable) })
 */
export function requireIntegration(ctx: Mocha.Context, what: string, check: () => string | undefined): void {
  const reason = check()
  if (reason === undefined) return
  const message = `${what} integration tests cannot run: ${reason}`
  if (process.env.VIOLIN_REQUIRE_INTEGRATION === '1') throw new Error(`${message} (VIOLIN_REQUIRE_INTEGRATION=1)`)
  console.log(`      skipped: ${message} (set VIOLIN_REQUIRE_INTEGRATION=1 to make this a failure)`)
  ctx.skip()
}

/** Undefined when `file` exists and is executable, else why not. */
export function missingBinary(file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK)
    return undefined
  } catch {
    return `${file} is not installed`
  }
}

/** Several checks in order; the first reason wins. */
export function allOf(...checks: Array<() => string | undefined>): () => string | undefined {
  return () => {
    for (const check of checks) {
      const reason = check()
      if (reason !== undefined) return reason
    }
    return undefined
  }
}

export const isRoot = (): string | undefined =>
  process.getuid?.() === 0 ? undefined : 'needs root (sshd must run as root to log in as root)'
