import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {writeFileAtomic} from '../files.js'
import {stateDir} from '../store/dirs.js'

/**
 * The VM names each host had when this machine last listed its VMs (`list`, and every
 * VM verb that looks its VM up), so TAB can offer them without asking the hosts. As stale
 * as that listing: a VM created elsewhere since is missing, one deleted since is offered.
 * One small file in the state dir (names only), written whole and atomically; losing it
 * loses nothing but completions.
 */
export function vmNamesPath(): string {
  return join(stateDir(), 'vm-names.json')
}

/** Host -> its VM names, as last recorded; empty when there is no file or it cannot be read. */
export async function readVmNames(): Promise<Record<string, string[]>> {
  try {
    const doc = JSON.parse(await readFile(vmNamesPath(), 'utf8')) as {hosts?: unknown}
    const hosts = doc?.hosts
    if (!hosts || typeof hosts !== 'object') return {}
    const out: Record<string, string[]> = Object.create(null)
    for (const [host, names] of Object.entries(hosts))
      if (Array.isArray(names)) out[host] = names.filter((n): n is string => typeof n === 'string')
    return out
  } catch {
    return {}
  }
}

/**
 * Records what a listing found on the hosts that answered; other hosts keep their last
 * names. Never fails the command that listed: a file that cannot be written is left as it is.
 */
export async function rememberVmNames(listed: ReadonlyMap<string, readonly string[]>): Promise<void> {
  if (listed.size === 0) return
  try {
    const hosts = await readVmNames()
    const before = JSON.stringify(hosts)
    for (const [host, names] of listed) hosts[host] = [...new Set(names)].sort()
    // most listings find what the last one did: no write then
    if (JSON.stringify(hosts) !== before) await writeFileAtomic(vmNamesPath(), `${JSON.stringify({version: 1, hosts})}\n`)
  } catch {}
}
