import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {fileError} from '../schema/error.js'
import {parseJson} from '../schema/json.js'
import {configDir, stateDir} from './dirs.js'
import {FileStore} from './file-store.js'
import type {Store} from './store.js'
import {parseStoreUrl, type StoreLocation} from './url.js'

export const DEFAULT_STORE_TIMEOUT_MS = 10_000

/** The store URL in force: VIOLIN_STORE, else "store" in $VIOLIN_HOME/config.json, else the files. */
export function storeLocation(): {location: StoreLocation; from: string} {
  const env = process.env.VIOLIN_STORE?.trim()
  if (env) return {location: parseStoreUrl(env, 'VIOLIN_STORE'), from: 'VIOLIN_STORE'}
  const configFile = join(configDir(), 'config.json')
  if (existsSync(configFile)) {
    const {value: config, source} = parseJson(configFile, readFileSync(configFile, 'utf8'))
    const store = (config as {store?: unknown} | null)?.store
    if (store !== undefined) {
      if (typeof store !== 'string') throw fileError(source, ['store'], 'a store URL such as etcd://127.0.0.1:2379/violin', store)
      return {location: parseStoreUrl(store, `${configFile}: store`), from: configFile}
    }
  }
  return {location: {kind: 'file', configDir: configDir(), stateDir: stateDir()}, from: 'default'}
}

export function storeTimeoutMs(): number {
  const s = Number(process.env.VIOLIN_STORE_TIMEOUT)
  return Number.isFinite(s) && s > 0 ? s * 1000 : DEFAULT_STORE_TIMEOUT_MS
}

/** Opens a store; etcd's client (gRPC) is loaded only when an etcd store is in use. */
export async function openStoreAt(location: StoreLocation): Promise<Store> {
  if (location.kind === 'file') return new FileStore(location.configDir, location.stateDir)
  const {EtcdStore} = await import('./etcd-store.js')
  return EtcdStore.open(location, storeTimeoutMs())
}

let current: {key: string; store: Promise<Store>} | undefined

/**
 * This process's store, as VIOLIN_STORE (or the config) names it now; an etcd client is
 * opened once and kept until closeStore() at the command's end.
 */
export function openStore(): Promise<Store> {
  const {location} = storeLocation()
  const key = JSON.stringify(location)
  if (current?.key === key) return current.store
  if (location.kind === 'file') return openStoreAt(location)
  void closeStore()
  current = {key, store: openStoreAt(location)}
  current.store.catch(() => {
    if (current?.key === key) current = undefined
  })
  return current.store
}

export async function closeStore(): Promise<void> {
  const open = current
  current = undefined
  if (open) await (await open.store.catch(() => undefined))?.close()
}
