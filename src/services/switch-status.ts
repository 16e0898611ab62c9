/** What starting an environment's switch did on one host, on either data plane. */
export interface SwitchHostResult {
  host: string
  address: string
  /** Kernel data plane: the underlay device and the environment's bridge. */
  device?: string
  bridge?: string
  /** udp data plane: the agent's PID and the VM ports it holds for the environment. */
  agentPid?: number
  ports?: string[]
  created: boolean
  added: string[]
  removed: string[]
}

export interface SwitchStatus {
  host: string
  up: boolean
  peers: string[]
  /** MACs the switch has learned: on VM ports of this host, or behind a peer. */
  macs: number
  rxPackets?: number
  txPackets?: number
  rxDropped?: number
  /** udp data plane: each member and how long since it was heard from (dead after 3.5 hellos). */
  members?: Array<{address: string; silentMs: number}>
  /** udp data plane: frames and bytes through each port, VM or peer. */
  ports?: Array<{port: string; kind: 'vm' | 'peer'; framesIn: number; framesOut: number; bytesIn: number; bytesOut: number}>
  drops?: Record<string, number>
}

export interface LearnedMac {
  mac: string
  via: string
  local: boolean
  ageMs?: number
}
