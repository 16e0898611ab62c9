import {UsageError} from '../errors.js'
import {type Dataplane, DEFAULT_DATAPLANE, type EnvironmentNetwork, type EnvironmentRecord} from '../inventory/environment-record.js'
import {environmentStatus} from './environment-status.js'
import type {VmOutcome} from './env-lifecycle.js'
import {fanout, type HostOutcome} from './fanout.js'
import type {Session} from './session.js'
import {nicFor, refuseSimulated, startSwitch} from './switch-service.js'
import type {SwitchHostResult} from './switch-status.js'

/**
 * A VM's NIC is defined for one data plane: a bridge port (vxlan), a UDP socket pair (udp)
 * or nothing (an environment created with --dataplane none). When `switch start` gives an
 * environment another data plane, every NIC must be re-plugged, or the VMs would run with
 * no network while the switch reports up. libvirt cannot change a running NIC's type
 * (libvirt 9: "unable to change config on 'bridge' network type"), so the VMs must be off;
 * their definitions are changed and the next start has the network.
 */
export function nicsMustMove(env: EnvironmentRecord, dataplane: Dataplane): boolean {
  return env.vms.length > 0 && env.network?.dataplane !== dataplane
}

export interface EnvironmentSwitchStart {
  network: EnvironmentNetwork
  outcomes: HostOutcome<SwitchHostResult>[]
  /** VMs whose NIC moved to the new data plane (and those that failed to). */
  replugged: VmOutcome[]
}

/** `switch start`: the environment's own data plane unless another is asked for (after `switch stop`). */
export async function startEnvironmentSwitch(
  session: Session,
  envName: string,
  asked: Dataplane | undefined,
  options: {authData?: boolean; underlayMtu?: number} = {},
): Promise<EnvironmentSwitchStart> {
  const env = session.inventory!.environment(envName)
  const dataplane = asked ?? env.network?.dataplane ?? DEFAULT_DATAPLANE
  if (options.authData && dataplane !== 'udp')
    throw new UsageError("--auth-data needs --dataplane udp: a kernel VXLAN device cannot check a frame's signature")
  if (env.network && !env.network.stopped && env.network.dataplane !== dataplane) {
    throw new UsageError(
      `environment "${envName}"'s switch is running on the ${env.network.dataplane} data plane`,
      `violin switch stop ${envName} first`,
    )
  }
  refuseSimulated(
    envName,
    env.vms.map((v) => session.host(v.host)),
  )
  const replug = nicsMustMove(env, dataplane)
  if (replug) {
    const on = (await environmentStatus(session, env)).filter((v) => v.state !== 'shutoff')
    if (on.length > 0) {
      const now = env.network ? `the ${env.network.dataplane} data plane` : 'no network (created with --dataplane none)'
      throw new UsageError(
        `the VMs of "${envName}" have NICs for ${now}, and a NIC cannot change data plane while its VM runs: ${on.map((v) => `${v.name} is ${v.state}`).join(', ')}`,
        `violin env shutdown ${envName} --wait && violin switch start ${envName} --dataplane ${dataplane} && violin env start ${envName}`,
      )
    }
  }
  const {network, env: networked, outcomes} = await startSwitch(session, envName, dataplane, options)
  if (!replug || outcomes.some((o) => !o.ok)) return {network, outcomes, replugged: []}
  const replugged = await fanout(networked.vms, async (vm) => {
    const host = session.host(vm.host)
    await (await session.driver(host)).replaceNic(vm.name, vm.mac, nicFor(networked, vm.name))
  })
  return {
    network,
    outcomes,
    replugged: replugged.map((o, i) => ({vm: o.host, host: networked.vms[i]!.host, ...(o.ok ? {} : {error: o.error})})),
  }
}
