import {readFileSync} from 'node:fs'
import {arch, platform} from 'node:os'
import isWsl from 'is-wsl'

/**
 * The line `violin --version` prints, as oclif's Config#userAgent makes it (name/version
 * platform-arch node-version, "wsl" for a Linux under WSL as oclif says it), read from
 * package.json alone: bin/run.js answers --version with it without loading oclif.
 * test/cli/version.test.ts holds it equal to oclif's.
 */
export function userAgent(root: URL): string {
  const {name, version} = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {name: string; version?: string}
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${name}/${version ?? '0.0.0'} ${isWsl ? 'wsl' : platform()}-${cpu} node-${process.version}`
}
