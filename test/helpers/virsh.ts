import {execFileSync} from 'node:child_process'

/** Why the real virsh cannot run here, or undefined when it can (see ./integration.ts). */
export function virshUnavailable(): string | undefined {
  try {
    execFileSync('virsh', ['--version'])
    return undefined
  } catch {
    return 'virsh is not installed (apt-get install libvirt-clients)'
  }
}
