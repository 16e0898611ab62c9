/**
 * A host's NIC capacity in bytes per second, the unit every traffic share of the idc and
 * sandpiper policies is taken over.
 */
import type {HostView} from './cluster-view.js'

/** A host whose NIC capacity is unknown is taken to have a gigabit NIC, as every node of Liang 2009 section 4.1 has. */
export const GIGABIT_BYTES_PER_SECOND = 125_000_000

export const nicCapacity = (host: HostView): number =>
  host.nicBytesPerSecond !== undefined && host.nicBytesPerSecond > 0 ? host.nicBytesPerSecond : GIGABIT_BYTES_PER_SECOND
