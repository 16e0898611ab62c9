import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

import {UsageError, ViolinError} from '../errors.js'
import type {HostRecord} from '../inventory/host.js'
import type {Session} from './session.js'

/** Where a host meets the underlay: the address its peers send to, and the device that holds it. */
export interface Underlay {
  address: string
  device: string
  mtu?: number
}

/**
 * A host's underlay is the address violin reaches it by over SSH, on the device that
 * holds that address (`ip -j addr`): the address its peers can reach too.
 */
export async function underlayOf(session: Session, host: HostRecord): Promise<Underlay> {
  if (host.transport.kind !== 'ssh')
    throw new UsageError(
      `host "${host.name}" is reached locally: the VXLAN data plane needs each host's underlay address, and violin takes it from the SSH address`,
    )
  const address = await underlayAddress(host.name, host.transport.address)
  const t = session.transport(host)
  const links = JSON.parse((await t.run(['ip', '-j', 'addr', 'show'])).stdout.trim() || '[]') as Array<{
    ifname: string
    mtu?: number
    addr_info?: Array<{local?: string}>
  }>
  const link = links.find((l) => l.addr_info?.some((a) => a.local === address))
  if (!link) throw new ViolinError(`host "${host.name}" has no device with its SSH address ${address}; is it behind NAT or a port forward?`)
  return {address, device: link.ifname, mtu: link.mtu}
}

/**
 * The underlay address of a host added by name: what the name resolves to here, as the
 * SSH connection used it (IPv4 first, as the peers' VXLAN sockets are IPv4).
 */
export async function underlayAddress(
  host: string,
  sshAddress: string,
  resolve = (name: string) => lookup(name, {family: 4}),
): Promise<string> {
  if (isIP(sshAddress)) return sshAddress
  try {
    return (await resolve(sshAddress)).address
  } catch (error) {
    throw new ViolinError(
      `host "${host}": cannot resolve ${sshAddress} to an IPv4 address for the underlay: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}
