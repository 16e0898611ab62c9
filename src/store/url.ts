import {UsageError} from '../errors.js'

/** Where violin keeps what it knows: files on this machine, or an etcd cluster. */
export type StoreLocation =
  | {kind: 'file'; configDir: string; stateDir: string}
  | {kind: 'etcd'; tls: boolean; endpoints: string[]; prefix: string; user?: string; password?: string}

export type EtcdLocation = Extract<StoreLocation, {kind: 'etcd'}>

const ENDPOINT = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?):\d{1,5}$/i
const PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/

/**
 * Parses `etcd://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/PREFIX`, `etcds://...` (TLS) or
 * `file:///DIR` (inventory in DIR, state in DIR/state, as VIOLIN_HOME lays them out).
 * `what` names where the URL came from, for the error.
 */
export function parseStoreUrl(url: string, what = 'VIOLIN_STORE'): StoreLocation {
  const bad = (detail: string): never => {
    throw new UsageError(`${what}: ${detail}`, 'etcd://127.0.0.1:2379/violin, etcds://HOST:PORT,HOST:PORT/violin (TLS) or file:///DIR')
  }
  const file = /^file:\/\/(\/.*)$/.exec(url)
  if (file) {
    const dir = decodeURIComponent(file[1]!).replace(/\/+$/, '') || '/'
    return {kind: 'file', configDir: dir, stateDir: `${dir === '/' ? '' : dir}/state`}
  }
  const m = /^(etcds?):\/\/(?:([^@/]*)@)?([^/]*)(?:\/(.*))?$/.exec(url)
  if (!m) return bad(`"${url.length > 80 ? `${url.slice(0, 77)}...` : url}" is not a store URL`)
  const [, scheme, auth, hosts, path] = m
  const endpoints = hosts!.split(',').filter(Boolean)
  if (endpoints.length === 0) bad('names no etcd endpoint (HOST:PORT)')
  for (const e of endpoints) {
    if (!ENDPOINT.test(e) || Number(e.slice(e.lastIndexOf(':') + 1)) > 65_535 || Number(e.slice(e.lastIndexOf(':') + 1)) < 1)
      bad(`"${e}" is not HOST:PORT`)
  }
  const prefix = (path ?? '').replace(/\/+$/, '')
  if (!prefix) bad('names no key prefix: add /PREFIX (every key violin writes lives under it)')
  if (!PREFIX.test(prefix) || prefix.split('/').some((w) => w === '.' || w === '..'))
    bad(`prefix "${prefix}" may hold only letters, digits, ".", "_", "-" and "/" between words`)
  const location: StoreLocation = {kind: 'etcd', tls: scheme === 'etcds', endpoints, prefix}
  if (auth) {
    const colon = auth.indexOf(':')
    location.user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon))
    if (colon >= 0) location.password = decodeURIComponent(auth.slice(colon + 1))
  }
  return location
}

/** The URL as shown to a person: never the password. */
export function displayUrl(location: StoreLocation): string {
  if (location.kind === 'file') return `file://${location.configDir}`
  const user = location.user ? `${encodeURIComponent(location.user)}@` : ''
  return `${location.tls ? 'etcds' : 'etcd'}://${user}${location.endpoints.join(',')}/${location.prefix}`
}
