import {destinationMac, isGroup, sourceMac} from './mac.js'
import type {MacTable} from './mac-table.js'

/** A VM port (a VM's NIC on this host) or a peer (the same environment's switch on another host). */
export interface SwitchPort {
  readonly kind: 'local' | 'peer'
  readonly id: string
}

/**
 * Where one frame goes (JISA 2011, section 2.1.2). The switches of an environment are fully
 * connected, so a frame crosses at most two of them:
 * - the source MAC is learned on the ingress port;
 * - a known destination gets the frame on its port only, never back where it came from;
 *   a frame from a peer is never sent on to another peer;
 * - a group or unknown destination is flooded: from a VM port to the other VM ports and
 *   every peer; from a peer to the VM ports only (sending it on would loop).
 */
export function forward<P extends SwitchPort>(
  table: MacTable<P>,
  frame: Buffer,
  ingress: P,
  ports: {locals: readonly P[]; peers: readonly P[]},
  nowMs: number,
): P[] {
  table.learn(sourceMac(frame), ingress, nowMs)
  const dst = destinationMac(frame)
  if (!isGroup(dst)) {
    const known = table.lookup(dst, nowMs)
    if (known) return known === ingress || (ingress.kind === 'peer' && known.kind === 'peer') ? [] : [known]
  }
  const locals = ports.locals.filter((p) => p !== ingress)
  return ingress.kind === 'local' ? [...locals, ...ports.peers] : locals
}
