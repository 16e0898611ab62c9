import {HOST_NAME} from '../../inventory/host.js'
import type {DomainType, VmSpec} from '../vm-spec.js'

const EMULATOR = '/usr/bin/qemu-system-x86_64'

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'})[c]!)
}

/**
 * libvirt domain XML for one VM of an environment. The same document runs under KVM and
 * under QEMU's TCG (`type` per host, see DomainType). Under KVM the CPU is host-model,
 * libvirt's choice for guests that migrate between like hosts; under TCG it is the
 * portable qemu64, since a TCG host can emulate no more than that everywhere.
 * Power events destroy the domain rather than restart it: the environment layer, not
 * libvirt, decides what comes back.
 */
export function domainXml(spec: VmSpec, type: DomainType): string {
  if (!HOST_NAME.test(spec.name)) throw new Error(`"${spec.name}" is not a VM name`)
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(spec.mac)) throw new Error(`"${spec.mac}" is not a MAC address`)
  const memory = Math.round(spec.memoryMiB)
  const maxMemory = Math.max(memory, Math.round(spec.maxMemoryMiB))
  const lines = [
    `<domain type='${type}'>`,
    `  <name>${esc(spec.name)}</name>`,
    `  <memory unit='MiB'>${maxMemory}</memory>`,
    `  <currentMemory unit='MiB'>${memory}</currentMemory>`,
    `  <vcpu placement='static'>${spec.vcpus}</vcpu>`,
    ...(spec.cpuWeight === undefined ? [] : [`  <cputune><shares>${Math.round(spec.cpuWeight)}</shares></cputune>`]),
    '  <os>',
    "    <type arch='x86_64' machine='q35'>hvm</type>",
    ...boot(spec),
    '  </os>',
    '  <features><acpi/></features>',
    type === 'kvm' ? "  <cpu mode='host-model'/>" : "  <cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>",
    "  <clock offset='utc'/>",
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>destroy</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    `    <emulator>${EMULATOR}</emulator>`,
    "    <controller type='usb' model='none'/>",
    ...disk(spec),
    ...nic(spec),
    ...console(spec.consoleLog),
    "    <memballoon model='virtio'>",
    // Guest statistics every second: usage reads the guest's own view of used memory.
    "      <stats period='1'/>",
    '    </memballoon>',
    '  </devices>',
    '</domain>',
  ]
  return `${lines.join('\n')}\n`
}

function boot(spec: VmSpec): string[] {
  if (!spec.boot) return ["    <boot dev='hd'/>"]
  return [
    `    <kernel>${esc(spec.boot.kernel)}</kernel>`,
    ...(spec.boot.initrd ? [`    <initrd>${esc(spec.boot.initrd)}</initrd>`] : []),
    ...(spec.boot.cmdline ? [`    <cmdline>${esc(spec.boot.cmdline)}</cmdline>`] : []),
  ]
}

function disk(spec: VmSpec): string[] {
  const d = spec.disk
  if (!d) return []
  return [
    "    <disk type='file' device='disk'>",
    `      <driver name='qemu' type='${d.format}'/>`,
    `      <source file='${esc(d.path)}'/>`,
    "      <target dev='vda' bus='virtio'/>",
    ...(d.mode === 'shared' ? ['      <readonly/>', '      <shareable/>'] : []),
    '    </disk>',
  ]
}

/** One <interface> element, for `virsh update-device` when a VM's NIC changes data plane. */
export function interfaceXml(mac: string, nicSpec: VmSpec['nic']): string {
  return `${nic({mac, nic: nicSpec})
    .map((l) => l.slice(4))
    .join('\n')}\n`
}

/** On the environment's bridge when it has a switch, else a NIC attached to nothing (a tap of its own). */
function nic(spec: Pick<VmSpec, 'mac' | 'nic'>): string[] {
  const n = spec.nic
  const attach =
    n?.kind === 'bridge'
      ? ["    <interface type='bridge'>", `      <source bridge='${esc(n.bridge)}'/>`]
      : n?.kind === 'udp'
        ? [
            "    <interface type='udp'>",
            `      <source address='${esc(n.source.address)}' port='${n.source.port}'>`,
            `        <local address='${esc(n.local.address)}' port='${n.local.port}'/>`,
            '      </source>',
          ]
        : ["    <interface type='ethernet'>"]
  return [
    ...attach,
    `      <mac address='${spec.mac}'/>`,
    "      <model type='virtio'/>",
    ...(n?.mtu ? [`      <mtu size='${n.mtu}'/>`] : []),
    '    </interface>',
  ]
}

/**
 * Always a pty, so `virsh console` (violin console) can attach; with a path, everything the
 * guest writes is also logged there (libvirt's <log>, written by virtlogd), appending.
 */
function console(path: string | undefined): string[] {
  if (!path) return ["    <serial type='pty'/>", "    <console type='pty'><target type='serial' port='0'/></console>"]
  const log = `<log file='${esc(path)}' append='on'/>`
  return [`    <serial type='pty'>${log}</serial>`, `    <console type='pty'>${log}<target type='serial' port='0'/></console>`]
}
