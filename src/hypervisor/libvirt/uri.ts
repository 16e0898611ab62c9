/**
 * The libvirt URI a source host uses to reach a destination host for migration:
 * `qemu:///system` on a host reached as root@10.0.0.2:2222 becomes
 * `qemu+ssh://root@10.0.0.2:2222/system`. A URI that already names a host is kept.
 */
export function migrationUri(destUri: string, ssh?: {user: string; address: string; port: number}): string {
  const m = /^([a-z0-9]+)(\+[a-z0-9]+)?:\/\/([^/]*)(\/.*)?$/i.exec(destUri)
  if (!m || m[3] || !ssh) return destUri
  const host = ssh.address.includes(':') ? `[${ssh.address}]` : ssh.address
  const port = ssh.port === 22 ? '' : `:${ssh.port}`
  return `${m[1]}+ssh://${ssh.user}@${host}${port}${m[4] ?? '/system'}`
}

/**
 * Whether the host the transport reaches is the hypervisor the URI names, so its own
 * counters (swap, NIC) are the hypervisor's: not for libvirt's test driver, and not for a
 * URI naming another machine (virsh would reach it, /proc would still be this one's).
 */
export function isRealLocalHypervisor(uri: string): boolean {
  const m = /^([a-z0-9]+)(\+[a-z0-9]+)?:\/\/([^/?]*)/i.exec(uri)
  if (!m || m[1]!.toLowerCase() === 'test') return false
  const host = m[3]!
    .replace(/^[^@]*@/, '')
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
  return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '::1'
}
