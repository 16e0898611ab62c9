import {createHash, createHmac} from 'node:crypto'

/** One usable line of an OpenSSH known_hosts file (plain or hashed host patterns). */
export interface KnownHostEntry {
  patterns: string[]
  hashed?: {salt: Buffer; hash: Buffer}
  keyType: string
  key: Buffer
  marker?: '@revoked' | '@cert-authority'
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    let marker: KnownHostEntry['marker']
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker']
    const [hosts, keyType, keyB64] = fields
    if (!hosts || !keyType || !keyB64) continue
    const key = Buffer.from(keyB64, 'base64')
    if (key.length === 0) continue
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|')
      if (!salt || !hash) continue
      entries.push({patterns: [], hashed: {salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64')}, keyType, key, marker})
    } else {
      entries.push({patterns: hosts.split(','), keyType, key, marker})
    }
  }
  return entries
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    'i',
  )
  return re.test(name)
}

function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const mac = createHmac('sha1', entry.hashed.salt).update(name).digest()
    return mac.equals(entry.hashed.hash)
  }
  let matched = false
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false
    } else if (globMatch(p, name)) matched = true
  }
  return matched
}

/** The plain (non-CA) keys known for a host; a revoked key is reported separately. */
export function keysFor(entries: KnownHostEntry[], name: string): {keys: KnownHostEntry[]; revoked: KnownHostEntry[]} {
  const matching = entries.filter((e) => entryMatches(e, name))
  return {
    keys: matching.filter((e) => e.marker === undefined),
    revoked: matching.filter((e) => e.marker === '@revoked'),
  }
}

/** OpenSSH's `SHA256:...` fingerprint of a public key blob. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

/** The key type written inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function blobKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown'
  const len = key.readUInt32BE(0)
  return key.subarray(4, 4 + len).toString('latin1')
}

export function knownHostsLine(name: string, key: Buffer): string {
  return `${name} ${blobKeyType(key)} ${key.toString('base64')}\n`
}

/** Host key algorithms to offer so the server presents a key type we already know. */
export function hostKeyAlgorithmsFor(keyTypes: string[]): string[] {
  const algos: string[] = []
  for (const t of keyTypes) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa')
    else algos.push(t)
  }
  return [...new Set(algos)]
}
