import {createHash} from 'node:crypto'

/**
 * A stable MAC per VM name in QEMU's 52:54:00 prefix (locally administered, unicast), so
 * an environment re-created under the same names keeps its addresses.
 */
export function macFor(vm: string, taken: ReadonlySet<string>): string {
  for (let salt = 0; ; salt++) {
    const h = createHash('sha256').update(`${vm}/${salt}`).digest()
    const mac = `52:54:00:${[h[0], h[1], h[2]].map((b) => b!.toString(16).padStart(2, '0')).join(':')}`
    if (!taken.has(mac)) return mac
  }
}
