/**
 * The network benefit of moving a VM (Liang 2009 section 3.3, eq. 1 and 2): the bandwidth
 * its host's NIC really gets back, once the traffic it had with its neighbours, which
 * crossed no NIC, is counted as crossing one (Nds).
 */
import type {HostView} from './cluster-view.js'
import {rate} from './format.js'
import {nicCapacity} from './nic.js'

/**
 * The terms of the network benefit of moving one VM from its host s to a host d (Liang 2009
 * section 3.3, "Network Benefit", Table 3.1 and Figures 3.3/3.4), all in bytes per second:
 * - `is`  (Is): IDC on the source, the VM's traffic with VMs on s. It never crossed s's NIC.
 * - `nsd` (Nsd): its traffic with VMs on d. It crosses s's NIC now and becomes IDC on d (Id).
 * - `nso` (Nso): its traffic with VMs anywhere else (and with endpoints the view does not
 *   place). It leaves s's NIC; the thesis assumes it reappears unchanged on d (Ndo = Nso).
 * - `ab`  (AB): the bandwidth available on s after the move (condition 2 under eq. 2): what
 *   s's NIC has free now plus what the VM's leaving frees (Nso + Nsd).
 * - `bound` (NB in Table 3.1, "network bound for one domain"): the most one VM can exchange
 *   through a NIC (condition 3). The thesis measured it for its Xen (Table 1.1); the view
 *   has no such figure, so it is the capacity of the NIC the VM will sit behind, d's.
 * - `nds` (Nds): the traffic Is turns into, from d back to s, predicted by eq. 2 as
 *   min(Is, AB, NB).
 * - `nb`: the network benefit, eq. 1: Nso + Nsd - Nds, the bandwidth s's NIC really gets back.
 *   It is negative for a VM that talks mostly to its neighbours: moving it would load the NIC.
 */
export interface NetworkBenefit {
  is: number
  nsd: number
  nso: number
  ab: number
  bound: number
  nds: number
  nb: number
}

/** A VM's traffic split by where its peers are, as the plan leaves them (computed once per candidate). */
export interface TrafficSplit {
  /** Traffic with VMs on its own host (Is). */
  local: number
  /** Traffic with VMs on each other host. */
  byHost: Map<string, number>
  /** All its traffic that crosses its host's NIC now (Nso + Nsd, whatever the destination). */
  remote: number
}

export function networkBenefit(split: TrafficSplit, sourceFreeBytesPerSecond: number, destination: HostView): NetworkBenefit {
  const is = split.local
  const nsd = split.byHost.get(destination.name) ?? 0
  const nso = split.remote - nsd
  const ab = Math.max(0, sourceFreeBytesPerSecond) + nso + nsd
  const bound = nicCapacity(destination)
  const nds = Math.min(is, ab, bound)
  return {is, nsd, nso, ab, bound, nds, nb: nso + nsd - nds}
}

export const describeBenefit = (n: NetworkBenefit) =>
  `NB = Nso ${rate(n.nso)} + Nsd ${rate(n.nsd)} - Nds ${rate(n.nds)}, Nds = min(Is ${rate(n.is)}, AB ${rate(n.ab)}, bound ${rate(n.bound)})`
