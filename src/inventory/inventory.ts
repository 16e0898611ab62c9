import {randomBytes} from 'node:crypto'

import {NotFoundError, UsageError, ViolinError} from '../errors.js'
import {check, fileError} from '../schema/check.js'
import {contradictions, type Rule} from '../policy/rules.js'
import {inventorySchema} from '../schema/inventory.js'
import {parseJson} from '../schema/json.js'
import {sourceOf} from '../schema/source.js'
import {openStore} from '../store/open.js'
import {type Doc, DOCS, type Store} from '../store/store.js'
import {type Dataplane, type EnvironmentRecord, FIRST_VM_PORT, FIRST_VNI, LAST_VM_PORT} from './environment-record.js'
import {checkHostNames, type HostRecord, type VmRecord} from './host.js'

export interface InventoryData {
  version: 1
  hosts: Record<string, HostRecord>
  vms: Record<string, VmRecord>
  environments: Record<string, EnvironmentRecord>
  /** Placement rules, keyed by name (`violin rule add`); written only when there are some. */
  rules: Record<string, Rule>
}

/**
 * A map keyed by names users type: without a prototype, so "__proto__" or "constructor"
 * is a name like any other, not an inherited property (reading it would find Object's).
 */
function byName<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries)
}

export {configDir, simStateDir, stateDir} from '../store/dirs.js'

/**
 * The inventory: hosts, VMs and environments, in the store (inventory.json in the config
 * dir by default; keys under PREFIX/docs/inventory/ in etcd). Every read validates the
 * whole of it; what fails is reported with the field and never written over.
 */
export class Inventory {
  /** The inventory as read at open (or after this process's last write); changes re-read it. */
  private snapshot: InventoryData

  private constructor(
    private readonly store: Store,
    data: Doc | undefined,
  ) {
    this.snapshot = this.validated(data)
  }

  static async open(store?: Store): Promise<Inventory> {
    const s = store ?? (await openStore())
    return new Inventory(s, await s.read(DOCS.inventory))
  }

  /** Where it lives: a path, or the etcd URL and key prefix. */
  get path(): string {
    return this.store.where(DOCS.inventory)
  }

  private validated(data: Doc | undefined): InventoryData {
    if (data === undefined) return {version: 1, hosts: byName(), vms: byName(), environments: byName(), rules: byName()}
    const raw = validateDoc(this.path, data)
    return {
      version: 1,
      hosts: byName(raw.hosts),
      vms: byName(raw.vms),
      environments: byName(raw.environments),
      rules: byName(raw.rules),
    }
  }

  private data(): InventoryData {
    return this.snapshot
  }

  hosts(): HostRecord[] {
    return Object.values(this.data().hosts).sort((a, b) => a.site.localeCompare(b.site) || a.name.localeCompare(b.name))
  }

  host(name: string): HostRecord {
    const h = this.data().hosts[name]
    if (!h) throw new NotFoundError(`host "${name}" is not in the inventory`, 'violin host list')
    return h
  }

  vms(): Record<string, VmRecord> {
    return this.data().vms
  }

  environments(): EnvironmentRecord[] {
    return Object.values(this.data().environments).sort((a, b) => a.name.localeCompare(b.name))
  }

  environment(name: string): EnvironmentRecord {
    const env = this.data().environments[name]
    if (!env) throw new NotFoundError(`environment "${name}" is not in the inventory`, 'violin env list')
    return env
  }

  /** The placement rules, by name. */
  rules(): Rule[] {
    return Object.values(this.data().rules).sort((a, b) => a.name.localeCompare(b.name))
  }

  /**
   * Adds rules, all or none, under the lock: a name already taken, or rules that
   * contradict each other or those already there (src/policy/rules.ts), refuse them all.
   */
  addRules(rules: readonly Rule[]): Promise<void> {
    return this.update((data) => {
      const names = new Set<string>()
      for (const rule of rules) {
        if (data.rules[rule.name] || names.has(rule.name))
          throw new UsageError(`rule "${rule.name}" already exists`, `violin rule rm ${rule.name} first, or give another --name`)
        names.add(rule.name)
      }
      const found = contradictions([...Object.values(data.rules), ...rules])
      if (found.length > 0)
        throw new UsageError(
          `the rules would contradict each other: ${found.join('; ')}`,
          'violin rule list, then violin rule rm the rule that is wrong',
        )
      for (const rule of rules) data.rules[rule.name] = rule
    })
  }

  /** Removes rules by name, all or none: an unknown name removes nothing. Returns the rules removed. */
  removeRules(names: readonly string[]): Promise<Rule[]> {
    return this.update((data) => {
      const missing = names.find((n) => !Object.hasOwn(data.rules, n))
      if (missing !== undefined) throw new NotFoundError(`rule "${missing}" is not in the inventory`, 'violin rule list')
      const removed = [...new Set(names)].map((n) => data.rules[n]!)
      for (const rule of removed) delete data.rules[rule.name]
      return removed
    })
  }

  /** The environment a VM belongs to, if any. */
  environmentOf(vm: string): EnvironmentRecord | undefined {
    return Object.values(this.data().environments).find((env) => env.vms.some((v) => v.name === vm))
  }

  addEnvironment(env: EnvironmentRecord): Promise<void> {
    return this.update((data) => {
      if (data.environments[env.name]) throw new UsageError(`environment "${env.name}" already exists`, `violin env info ${env.name}`)
      for (const other of Object.values(data.environments)) {
        const clash = other.vms.find((v) => env.vms.some((w) => w.name === v.name))
        if (clash) throw new UsageError(`VM "${clash.name}" already belongs to environment "${other.name}"`)
      }
      data.environments[env.name] = env
    })
  }

  removeEnvironment(name: string): Promise<void> {
    return this.update((data) => {
      delete data.environments[name]
    })
  }

  /**
   * Gives an environment its network: the VNI it already has, else the lowest one from
   * FIRST_VNI that no other environment uses (chosen under the lock, so two concurrent
   * starts cannot take the same one).
   */
  assignNetwork(name: string, dataplane: Dataplane, options: {authData?: boolean; underlayMtu?: number} = {}): Promise<EnvironmentRecord> {
    return this.update((data) => {
      const env = data.environments[name]
      if (!env) throw new NotFoundError(`environment "${name}" is not in the inventory`, 'violin env list')
      if (env.network?.stopped) {
        // Down everywhere: the next start may choose anew; only the VNI stays the environment's.
        const old = env.network
        const same = old.dataplane === dataplane
        const mtu = options.underlayMtu ?? old.underlayMtu
        env.network = {vni: old.vni, dataplane, ...(mtu && mtu !== 1500 ? {underlayMtu: mtu} : {})}
        if (dataplane === 'udp') {
          const authData = options.authData ?? (same && old.authData)
          env.network = {...env.network, key: (same && old.key) || randomBytes(32).toString('hex'), ...(authData ? {authData: true} : {})}
        } else for (const vm of env.vms) delete vm.port
      }
      if (env.network && env.network.dataplane !== dataplane)
        throw new UsageError(
          `environment "${name}"'s switch runs on the ${env.network.dataplane} data plane`,
          `violin switch stop ${name} first`,
        )
      if (env.network && options.authData !== undefined && Boolean(env.network.authData) !== options.authData) {
        throw new UsageError(
          `environment "${name}"'s switch ${env.network.authData ? 'authenticates' : 'does not authenticate'} data frames; every member must agree`,
          `violin switch stop ${name} first`,
        )
      }
      if (env.network && options.underlayMtu !== undefined && (env.network.underlayMtu ?? 1500) !== options.underlayMtu) {
        throw new UsageError(
          `environment "${name}"'s switch was started for an underlay MTU of ${env.network.underlayMtu ?? 1500}; its VMs' MTU follows from it`,
          `violin switch stop ${name} first`,
        )
      }
      if (!env.network) {
        const taken = new Set(Object.values(data.environments).map((e) => e.network?.vni))
        let vni = FIRST_VNI
        while (taken.has(vni)) vni++
        env.network = {vni, dataplane, ...(options.underlayMtu && options.underlayMtu !== 1500 ? {underlayMtu: options.underlayMtu} : {})}
        if (dataplane === 'udp')
          env.network = {...env.network, key: randomBytes(32).toString('hex'), ...(options.authData ? {authData: true} : {})}
      }
      if (dataplane === 'udp') {
        const used = new Set(Object.values(data.environments).flatMap((e) => e.vms.map((v) => v.port)))
        let port = FIRST_VM_PORT
        for (const vm of env.vms.filter((v) => v.port === undefined)) {
          while (used.has(port)) port += 2
          if (port > LAST_VM_PORT) throw new ViolinError('no UDP ports left for VMs of the udp data plane')
          vm.port = port
          used.add(port)
        }
      }
      return structuredClone(env)
    })
  }

  /** `switch stop` took the environment's switch down on every host. */
  markSwitchStopped(name: string): Promise<void> {
    return this.update((data) => {
      const network = data.environments[name]?.network
      if (network) network.stopped = true
    })
  }

  /** Records that a VM of an environment now runs on another host. */
  moveEnvironmentVm(vm: string, host: string): Promise<void> {
    return this.update((data) => {
      for (const env of Object.values(data.environments)) {
        const record = env.vms.find((v) => v.name === vm)
        if (record) record.host = host
      }
      if (data.vms[vm]) data.vms[vm].host = host
    })
  }

  /**
   * Read, change and write with no lost update (a lock file, or an etcd transaction on the
   * revision read), so two violin processes, or two admin machines, never lose each other's change.
   */
  private async update<T>(change: (data: InventoryData) => T): Promise<T> {
    let after: InventoryData | undefined
    const result = await this.store.update(DOCS.inventory, (current) => {
      const data = this.validated(current)
      const result = change(data)
      after = data
      // No rules: no `rules` key, so an inventory without them reads as it always did.
      const {rules, ...rest} = data
      return {value: (Object.keys(rules).length > 0 ? data : rest) as unknown as Doc, result}
    })
    this.snapshot = after!
    return result
  }

  addHost(record: HostRecord, replace = false): Promise<void> {
    checkHostNames(record)
    return this.update((data) => {
      if (data.hosts[record.name] && !replace)
        throw new UsageError(`host "${record.name}" is already in the inventory`, `violin host rm ${record.name}, or add --force`)
      data.hosts[record.name] = record
    })
  }

  /** Records what `host check` discovered, for every host at once (one locked write). */
  recordDiscoveries(found: Map<string, NonNullable<HostRecord['discovered']>>): Promise<void> {
    return this.update((data) => {
      for (const [name, discovered] of found) {
        const host = data.hosts[name]
        if (host) host.discovered = discovered
      }
    })
  }

  /** Puts a host in maintenance (nothing new lands there) or takes it out; returns whether it changed. */
  setMaintenance(name: string, on: boolean): Promise<boolean> {
    return this.update((data) => {
      const h = data.hosts[name]
      if (!h) throw new NotFoundError(`host "${name}" is not in the inventory`, 'violin host list')
      if (Boolean(h.maintenance) === on) return false
      if (on) h.maintenance = true
      else delete h.maintenance
      return true
    })
  }

  /** Marks a host as reporting its usage through its agent's samples in the store (or not); returns whether it changed. */
  setAgentStore(name: string, on: boolean): Promise<boolean> {
    return this.update((data) => {
      const h = data.hosts[name]
      if (!h) throw new NotFoundError(`host "${name}" is not in the inventory`, 'violin host list')
      if (Boolean(h.agent?.store) === on) return false
      if (on) h.agent = {...h.agent, store: true}
      else if (h.agent) {
        const {store: _, ...rest} = h.agent
        if (Object.keys(rest).length > 0) h.agent = rest
        else delete h.agent
      }
      return true
    })
  }

  removeHost(name: string): Promise<HostRecord> {
    return this.update((data) => {
      const h = data.hosts[name]
      if (!h) throw new NotFoundError(`host "${name}" is not in the inventory`, 'violin host list')
      delete data.hosts[name]
      for (const [vm, rec] of Object.entries(data.vms)) if (rec.host === name) delete data.vms[vm]
      return h
    })
  }

  setVms(vms: Record<string, VmRecord>): Promise<void> {
    return this.update((data) => {
      data.vms = vms
    })
  }
}

/** Checks every field a hand edit could break; throws `FILE:LINE:COL: FIELD: expected ..., found ...`. */
export function validate(path: string, text: string): InventoryData {
  return validateDoc(path, parseJson(path, text).value)
}

/**
 * validate() on a document already parsed (the store's). The schema is src/schema/inventory.ts;
 * what it cannot say (a record's name is its key) is checked here. A document the file
 * store read names its lines; one from etcd names its key.
 */
export function validateDoc(path: string, doc: unknown): InventoryData {
  const source = sourceOf(doc, path)
  const root = check(inventorySchema, doc, source)
  for (const collection of ['hosts', 'environments', 'rules'] as const) {
    for (const [key, entry] of Object.entries(root[collection] ?? {})) {
      if (entry.name !== key) throw fileError(source, [collection, key, 'name'], `${JSON.stringify(key)} (its key)`, entry.name)
    }
  }
  for (const [key, rule] of Object.entries(root.rules ?? {})) {
    if (rule.kind === 'pin' && (rule.host === undefined) === (rule.site === undefined)) {
      const both = rule.host !== undefined
      throw fileError(
        source,
        ['rules', key, both ? 'site' : 'host'],
        both ? 'no site beside the host: a pin names one or the other' : 'a host or a site to pin to',
        both ? rule.site : undefined,
      )
    }
  }
  return doc as InventoryData
}
