import {resolve} from 'node:path'

import {validateDoc} from '../inventory/inventory.js'
import {readVmNames} from './vm-names.js'
import {storeLocation} from '../store/open.js'
import {DOCS, type Store} from '../store/store.js'

/** What a shell may ask to complete: names violin knows without asking any host. */
export const NAME_KINDS = ['host', 'site', 'env', 'vm', 'rule'] as const
export type NameKind = (typeof NAME_KINDS)[number]

/**
 * An etcd store has this long to answer a TAB (the whole answer, not each exchange); a
 * store that does not answer gives no names, as a TAB must never hang the prompt.
 */
export const COMPLETION_STORE_TIMEOUT_MS = 1500

/** Names a shell can print on one line and match as they are: no blanks, no control characters. */
const PRINTABLE = /^[^\s\p{Cc}]+$/u

/**
 * The names of one kind, from what violin keeps locally: the inventory (hosts, sites, rules,
 * environments and their VMs, the VMs `host sync --write` recorded), the usage history
 * (VMs an adaptation pass saw), the VM names this machine's last listing of each host
 * found (./vm-names.ts), and simulated clusters (the --connect sim:FILE target and the
 * inventory's sim hosts, read from their files). Never asks a host: VMs not recorded
 * anywhere are not offered. Sorted, each once; throws when the store cannot be read.
 *
 * connect: the --connect target typed on the line, else VIOLIN_CONNECT.
 */
export async function completionNames(kind: NameKind, connect = process.env.VIOLIN_CONNECT): Promise<string[]> {
  const names = new Set<string>()
  const target = connect?.trim() ?? ''
  /** Hosts whose recorded VM names count: the inventory's, and a libvirt URI target. */
  const listedHosts: string[] = []
  if (target.startsWith('sim:')) await addSim(names, kind, resolve(target.slice(4)))
  else if (/^[a-z0-9+]+:\/\//i.test(target)) {
    // a libvirt URI is one host, named as `violin --connect URI` names it
    const host = /^[^:]+:\/\/(?:[^@/]*@)?([^/:?]*)/.exec(target)?.[1] || 'localhost'
    if (kind === 'host') names.add(host)
    if (kind === 'site') names.add('default')
    listedHosts.push(host)
  }

  const store = await openQuickStore()
  try {
    const inventory = validateDoc(store.where(DOCS.inventory), (await store.read(DOCS.inventory)) ?? {})
    const hosts = Object.values(inventory.hosts ?? {})
    const environments = Object.values(inventory.environments ?? {})
    if (kind === 'host') for (const h of hosts) names.add(h.name)
    if (kind === 'site') for (const h of hosts) names.add(h.site)
    if (kind === 'env') for (const e of environments) names.add(e.name)
    if (kind === 'rule') for (const r of Object.values(inventory.rules ?? {})) names.add(r.name)
    if (kind === 'vm') {
      for (const vm of Object.keys(inventory.vms ?? {})) names.add(vm)
      for (const e of environments) for (const vm of e.vms) names.add(vm.name)
      // only a help: a history that cannot be read takes nothing else away
      const history = await store.read(DOCS.history).catch(() => undefined)
      if (history?.vms && typeof history.vms === 'object') for (const vm of Object.keys(history.vms)) names.add(vm)
      for (const h of hosts) if (h.driver === 'sim' && h.uri) await addSim(names, kind, resolve(h.uri), h.name)
      const recorded = await readVmNames()
      for (const host of [...listedHosts, ...hosts.map((h) => h.name)]) for (const vm of recorded[host] ?? []) names.add(vm)
    }
  } finally {
    await store.close()
  }
  return [...names].filter((n) => PRINTABLE.test(n)).sort()
}

/** The store, as every command opens it, but with a short deadline for etcd. */
async function openQuickStore(): Promise<Store> {
  const {location} = storeLocation()
  if (location.kind === 'file') {
    const {FileStore} = await import('../store/file-store.js')
    return new FileStore(location.configDir, location.stateDir)
  }
  const {EtcdStore} = await import('../store/etcd-store.js')
  return EtcdStore.open(location, COMPLETION_STORE_TIMEOUT_MS)
}

/** Names from a simulated cluster or scenario file; onHost: only that host's VMs. */
async function addSim(names: Set<string>, kind: NameKind, file: string, onHost?: string): Promise<void> {
  if (kind === 'env' || kind === 'rule') return
  // loaded only for a sim target: the YAML reader and the simulator stay out of other TABs
  const {readSimFile} = await import('../sim/read.js')
  const text = readSimFile(file)
  if (/^environments\s*:/m.test(text)) {
    // a scenario: its hosts are fixed, its VMs come and go as it runs
    if (kind === 'vm') return
    const {parseScenario} = await import('../sim/scenario.js')
    for (const h of parseScenario(file, text).hosts) names.add(kind === 'host' ? h.name : h.site)
    return
  }
  const {SimCluster} = await import('../sim/cluster.js')
  const cluster = SimCluster.parse(file, text)
  if (kind === 'host') for (const h of cluster.hosts) names.add(h.name)
  if (kind === 'site') for (const h of cluster.hosts) names.add(h.site)
  if (kind === 'vm') for (const vm of cluster.vms) if (onHost === undefined || vm.host === onHost) names.add(vm.name)
}
