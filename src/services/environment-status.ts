import {ViolinError} from '../errors.js'
import type {VmState} from '../hypervisor/driver.js'
import type {EnvironmentRecord, EnvVmRecord} from '../inventory/environment-record.js'
import type {HostRecord} from '../inventory/host.js'
import {fanout} from './fanout.js'
import type {Session} from './session.js'

export interface VmStatus extends EnvVmRecord {
  state: VmState | 'missing'
  site?: string
  /** Set when the host could not be asked. */
  error?: string
}

/**
 * Where each VM of an environment is and in which state, asking the hypervisors (they are
 * the truth): a VM not on its recorded host is looked for on every other host.
 */
export async function environmentStatus(session: Session, env: EnvironmentRecord): Promise<VmStatus[]> {
  const recorded = [...new Set(env.vms.map((v) => v.host))].filter((h) => session.hosts.some((x) => x.name === h))
  const listings = new Map<string, Map<string, VmState>>()
  const errors = new Map<string, string>()
  const ask = async (hosts: HostRecord[]) => {
    for (const o of await fanout(hosts, async (h) => (await session.driver(h)).listVms())) {
      if (o.ok) listings.set(o.host, new Map(o.value.map((v) => [v.name, v.state])))
      else errors.set(o.host, o.error.message)
    }
  }
  await ask(recorded.map((h) => session.host(h)))
  const lost = env.vms.filter((v) => !listings.get(v.host)?.has(v.name) && !errors.has(v.host))
  if (lost.length > 0) await ask(session.hosts.filter((h) => !listings.has(h.name) && !errors.has(h.name)))
  return env.vms.map((vm): VmStatus => {
    const siteOf = (h: string) => session.hosts.find((x) => x.name === h)?.site
    if (errors.has(vm.host)) return {...vm, state: 'unknown', site: siteOf(vm.host), error: errors.get(vm.host)}
    const at = listings.get(vm.host)?.has(vm.name) ? vm.host : [...listings].find(([, vms]) => vms.has(vm.name))?.[0]
    if (!at) return {...vm, state: 'missing', site: siteOf(vm.host)}
    return {...vm, host: at, site: siteOf(at), state: listings.get(at)!.get(vm.name)!}
  })
}

/** Where the environment's VMs are now (the hypervisors' word): host name -> VM names. */
export async function environmentPlacement(session: Session, env: EnvironmentRecord): Promise<Map<string, string[]>> {
  const status = await environmentStatus(session, env)
  const unknown = status.filter((v) => v.state === 'missing' || v.state === 'unknown')
  if (unknown.length > 0)
    throw new ViolinError(
      `environment "${env.name}": ${unknown.map((v) => `${v.name} is ${v.state}`).join(', ')}`,
      undefined,
      `violin env info ${env.name}`,
    )
  const placement = new Map<string, string[]>()
  for (const vm of status) placement.set(vm.host, [...(placement.get(vm.host) ?? []), vm.name])
  return placement
}
