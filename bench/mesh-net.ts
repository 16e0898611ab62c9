/**
 * bench/mesh-net: an environment's Ethernet on a real (namespaced) network, both data
 * planes, each figure against its baseline measured in the same run (the machine is shared
 * and noisy: every figure is printed as a ratio of paired measurements). Needs root, nftables,
 * iproute2, socat, iperf3, ping (iputils), ethtool. Run: `npm run bench -- mesh-net`.
 * All "hosts" share this machine's CPUs: the userspace path (2 socats + 2 agents + iperf3)
 * competes for the same cores, which it would not across real hosts. The agents are the built
 * CLI's: run `npm run build` first when src/ changed.
 *
 *   underlay bridge (NetnsLab, 10.77.0.0/24) -- h1 10.77.0.1, h2 10.77.0.2, h3 10.77.0.3
 *   per host: a `violin agent` (data port 4790, control 4791) whose VNI 100 switch is set up
 *   by an `apply` request with a key (h2 and h3 join the mesh through h1), and a Linux
 *   bridge `vbr42` + kernel vxlan `vx42` as violin configures them (src/mesh/kernel.ts: VNI 42,
 *   port 4789, learning, head-end replication: one all-zero FDB entry per peer host).
 *
 *   path        from -> to                         how
 *   underlay    h1 -> h2                           the hosts' own veths (MTU 1500, offloads on)
 *   socat       s1 (h1) -> s2 (h2)                 TAP -> socat -> UDP on the underlay -> socat -> TAP
 *   userspace   u1 (h1) -> u2 (h2)                 TAP -> socat -> agent -> agent -> socat -> TAP
 *   kernel      k1 (h1) -> k2 (h2)                 veth -> bridge -> vxlan -> vxlan -> bridge -> veth
 * VMs are namespaces, MTU 1450 (50 bytes of VXLAN overhead on a 1500 underlay); TAP VMs
 * have `ethtool -K tx off` (nothing on a userspace path finishes checksums), veth VMs keep
 * their offloads (the kernel path does not need it off).
 *
 * Measures, each RUNS times (paired within a run, interleaved across paths):
 *  1. userspace vs socat alone: iperf3 TCP throughput and ping RTT (target: >= 45% of the
 *     socat-alone throughput);
 *  2. kernel vs the bare underlay: the same (target: >= 70%);
 *  3. reconvergence after a move, both planes: k1/u1 ping the moving VM (10.77.2.2 /
 *     10.77.1.2) every ~10 ms (`ping -D -O -i 0.009`: see PING_INTERVAL); it moves between
 *     h2 and h3, back and forth. Both hosts hold the VM from the start, as violin does (the
 *     destination's port exists before the VM lands): on the destination a silent twin
 *     (same MAC, NIC up, no IP yet, like an incoming QEMU that has not resumed). The move:
 *     detach the source (kernel: its veth leaves h2's bridge; userspace: its socat stops and
 *     the TAP goes, the agent's VM port stays), then the twin takes the IP and re-sets its
 *     MAC, on which its kernel (arp_notify=1) broadcasts one gratuitous ARP: what a Linux
 *     guest does when QEMU announces it after a migration (arping would take ~60 ms to
 *     start). Outage = longest run of lost replies x the measured ping spacing (target:
 *     < 100 ms; 0 when the move fell between two pings); also printed: the largest gap
 *     between two replies, how long the VM itself was away (detach -> announce, the
 *     harness's part, the hypervisor's downtime in real life) and what the mesh took after
 *     the announce (announce -> first reply, up to one ping spacing more than the truth);
 *  5. the kernel plane's traffic matrix: the same path in a second environment whose frames
 *     nftables counts per (source MAC, destination MAC), against the uncounted one (target:
 *     the counting costs at most 10% of the kernel figure);
 *  4. overhead vs the bare underlay (the seed paper reports ~1.5% for MPI applications over
 *     its virtual network; these are raw transport figures): throughput lost and RTT added,
 *     in percent, for each path.
 * Env: RUNS (3), IPERF_SECONDS (3), PINGS (200 pings at ~10 ms per RTT measure), MOVE_PINGS
 * (300 at ~10 ms per move, the move ~1 s in). VIOLIN_NETNS_TRACE=1 logs namespaces/PIDs.
 * Everything runs between namespaces this benchmark creates, and is deleted in `finally`.
 *
 * Traps met: socat exits on EIO when it writes a frame to a TAP that is down (so a twin's
 * TAP stays up, without an IP); the agents cannot use port 4789 in namespaces that hold a
 * kernel vxlan device (their data port is 4790); `ip link set tx ...` parses "tx" as
 * txqueuelen (always say `dev`).
 */
import {randomBytes} from 'node:crypto'

import type {SwitchSpec} from '../src/agent/protocol.js'
import type {Member} from '../src/mesh/control.js'
import {applyKernelSwitch, bridgeName} from '../src/mesh/kernel.js'
import {applyKernelTraffic, readKernelTraffic} from '../src/mesh/kernel-traffic.js'
import {
  NamespaceTransport,
  NetnsLab,
  type NsProcess,
  netnsUnavailable,
  type TestVm,
  type Underlay,
  type UnderlayHost,
  waitForMembers,
} from '../test/helpers/netns.js'

const RUNS = Number(process.env.RUNS ?? 3)
const IPERF_SECONDS = Number(process.env.IPERF_SECONDS ?? 3)
const PINGS = Number(process.env.PINGS ?? 200)
const MOVE_PINGS = Number(process.env.MOVE_PINGS ?? 300)
/**
 * `ping -i 0.01` sends every ~16 ms with iputils 20221126 (here), `-i 0.009` every 9.0 ms:
 * the outage is counted in lost replies times the spacing measured from `-D` timestamps.
 */
const PING_INTERVAL = '0.009'

const USER_VNI = 100
const KEY = randomBytes(32).toString('hex')
const KERNEL_VNI = 42
const BRIDGE = bridgeName(KERNEL_VNI)
/** The same kernel plane, a second environment, with its traffic matrix counted by nftables (src/mesh/kernel-traffic.ts). */
const COUNTED_VNI = 43
const COUNTED_MACS = ['02:00:00:00:05:01', '02:00:00:00:05:02']
const LO = '127.0.0.1'
/** Per host, the moving/pinging VM's agent port and its socat's port (each host has its own loopback). */
const VM_LISTEN = {address: LO, port: 10_001}
const VM_LOCAL = {address: LO, port: 20_001}
const SOCAT_PORT = 5301

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------- statistics and formatting

interface Spread {
  median: number
  min: number
  max: number
}

function spread(values: number[]): Spread {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (xs.length === 0) return {median: Number.NaN, min: Number.NaN, max: Number.NaN}
  const mid = xs.length >> 1
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
  return {median, min: xs[0]!, max: xs.at(-1)!}
}

function show(values: number[], digits: number, unit = ''): string {
  const s = spread(values)
  if (Number.isNaN(s.median)) return 'n/a'
  return `${s.median.toFixed(digits)}${unit} [${s.min.toFixed(digits)}..${s.max.toFixed(digits)}]`
}

/** Per-run ratios a[i]/b[i] (paired: both measured in run i). */
const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!)
/** Throughput lost vs a baseline, percent, per run. */
const lostPct = (a: number[], b: number[]) => ratios(a, b).map((r) => (1 - r) * 100)
/** Latency added vs a baseline, percent, per run. */
const addedPct = (a: number[], b: number[]) => ratios(a, b).map((r) => (r - 1) * 100)

// ---------------------------------------------------------------- measurements

interface Where {
  ns: string
  ip: string
}

/** iperf3 TCP from `client` to `server` for IPERF_SECONDS; Gbit/s received (NaN, with a warning, on failure). */
async function iperfGbps(lab: NetnsLab, client: Where, server: Where): Promise<number> {
  const srv = lab.start(server.ns, ['iperf3', '-s', '-1', '-B', server.ip, '-p', '5201', '--forceflush'])
  try {
    await srv.waitFor(/Server listening/, 5000)
    const r = await lab.exec(
      client.ns,
      ['iperf3', '-c', server.ip, '-p', '5201', '-t', String(IPERF_SECONDS), '-J', '--connect-timeout', '3000'],
      {
        check: false,
        timeoutMs: (IPERF_SECONDS + 10) * 1000,
      },
    )
    const json = JSON.parse(r.stdout || '{}') as {error?: string; end?: {sum_received?: {bits_per_second: number}}}
    const bps = json.end?.sum_received?.bits_per_second
    if (json.error || bps === undefined) throw new Error(json.error ?? (r.stderr.trim() || 'no result'))
    return bps / 1e9
  } catch (error) {
    console.warn(`  iperf3 ${client.ip} -> ${server.ip} failed: ${error instanceof Error ? error.message : String(error)}`)
    return Number.NaN
  } finally {
    await srv.kill(1000)
  }
}

/** Median RTT in ms of PINGS pings at ~10 ms (after 3 warm-up pings that fill ARP and FDB tables). */
async function pingRttMs(lab: NetnsLab, from: Where, to: Where): Promise<number> {
  await lab.exec(from.ns, ['ping', '-n', '-q', '-c', '3', '-i', '0.05', '-W', '1', to.ip], {check: false})
  const r = await lab.exec(from.ns, ['ping', '-n', '-c', String(PINGS), '-i', PING_INTERVAL, '-W', '1', to.ip], {
    check: false,
    timeoutMs: 10_000 + PINGS * 50,
  })
  const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]))
  if (rtts.length < PINGS / 2) console.warn(`  ping ${from.ip} -> ${to.ip}: only ${rtts.length} of ${PINGS} replies`)
  return spread(rtts).median
}

/** What `ping -D -O` saw: by sequence number, when each reply came and its request left (s), and how many were sent. */
interface PingTrace {
  replies: Map<number, {at: number; sentAt: number}>
  transmitted: number
}

function parseTrace(stdout: string): PingTrace {
  const replies = new Map<number, {at: number; sentAt: number}>()
  for (const m of stdout.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+) .*time=([\d.]+) ms/gm)) {
    const [at, seq, rttMs] = [Number(m[1]), Number(m[2]), Number(m[3])]
    if (!replies.has(seq)) replies.set(seq, {at, sentAt: at - rttMs / 1000}) // DUP! replies count once
  }
  const transmitted = Number(/(\d+) packets transmitted/.exec(stdout)?.[1] ?? 0)
  return {replies, transmitted}
}

interface Outage {
  /** Longest run of lost replies x `spacingMs` (Infinity: never came back). */
  outageMs: number
  lost: number
  /** Median time between consecutive replies: how often the pinger really pinged. */
  spacingMs: number
  /** Largest time between two consecutive replies (one spacing when nothing was lost). */
  gapMs: number
  /** Detach -> announce: the VM itself was not there (the harness's part of the outage). */
  awayMs: number
  /** Announce -> first reply: what the mesh took to follow the VM. */
  afterAnnounceMs: number
}

function outageOf(trace: PingTrace, detachedAt: number, announcedAt: number): Outage {
  const seqs = [...trace.replies.keys()].sort((a, b) => a - b)
  let longest = 0
  const steps: number[] = []
  for (let i = 1; i < seqs.length; i++) {
    const [prev, seq] = [seqs[i - 1]!, seqs[i]!]
    if (seq === prev + 1) steps.push(trace.replies.get(seq)!.at - trace.replies.get(prev)!.at)
    longest = Math.max(longest, seq - prev - 1)
  }
  const spacingMs = spread(steps).median * 1000
  const times = [...trace.replies.values()].map((r) => r.at).sort((a, b) => a - b)
  const gapMs = Math.max(0, ...times.slice(1).map((t, i) => (t - times[i]!) * 1000))
  // The first reply to a request sent after the announce (the old VM may still answer one in flight).
  const firstAfter = Math.min(...[...trace.replies.values()].filter((r) => r.sentAt >= announcedAt).map((r) => r.at))
  const recovered = Number.isFinite(firstAfter)
  return {
    outageMs: recovered ? longest * spacingMs : Number.POSITIVE_INFINITY,
    lost: trace.transmitted - trace.replies.size,
    spacingMs,
    gapMs,
    awayMs: (announcedAt - detachedAt) * 1000,
    afterAnnounceMs: recovered ? (firstAfter - announcedAt) * 1000 : Number.POSITIVE_INFINITY,
  }
}

// ---------------------------------------------------------------- moving a VM

/** One place the moving VM can be: a host, the VM's namespace there, its NIC. */
interface Side {
  host: UnderlayHost
  vmNs: string
  dev: string
  /** Kernel plane: the host-side veth on the bridge. */
  port?: string
  /** Userspace plane: the socat bridging its TAP to the host's agent. */
  socat?: NsProcess
}

interface Mover {
  plane: 'kernel' | 'userspace'
  pinger: TestVm
  ip: string
  mac: string
  sides: [Side, Side]
  /** Index of the side where the VM runs now; the other holds its silent twin. */
  live: 0 | 1
  /** Shell command (root namespace) taking the VM off a side. */
  detach(side: Side): string
  /** Makes a side the silent twin again (same MAC, no IP), ready for the next move. */
  rearm(side: Side): Promise<void>
}

/**
 * The move, in one shell so that the timestamps are the steps' own: detach the source, then
 * the twin takes the IP and re-sets its (same) MAC, on which its kernel (arp_notify)
 * broadcasts a gratuitous ARP. Times in s since the epoch (ping -D's clock).
 */
async function switchOver(lab: NetnsLab, mover: Mover, from: Side, to: Side): Promise<{detachedAt: number; announcedAt: number}> {
  const announce = `addr add ${mover.ip}/24 dev ${to.dev}\nlink set dev ${to.dev} address ${mover.mac}\n`
  const script = `date +%s.%N && ${mover.detach(from)} && date +%s.%N && printf '${announce}' | ip -n ${to.vmNs} -batch -`
  const r = await lab.run(['sh', '-c', script])
  const [detachedAt, announcedAt] = r.stdout.split('\n').map(Number)
  return {detachedAt: detachedAt!, announcedAt: announcedAt!}
}

/** One move of `mover`'s VM to its other side while the pinger pings it every ~10 ms. */
async function moveOnce(lab: NetnsLab, mover: Mover): Promise<Outage> {
  const from = mover.sides[mover.live]
  const to = mover.sides[1 - mover.live]!
  await lab.exec(mover.pinger.ns, ['ping', '-n', '-q', '-c', '5', '-i', '0.05', '-W', '1', mover.ip], {check: false})
  const pinger = lab.start(mover.pinger.ns, ['ping', '-n', '-D', '-O', '-c', String(MOVE_PINGS), '-i', PING_INTERVAL, '-W', '1', mover.ip])
  const guard = setTimeout(() => void pinger.kill(500), MOVE_PINGS * 50 + 10_000)
  try {
    await pinger.waitFor(/bytes from/, 5000)
    await sleep(1000)
    const {detachedAt, announcedAt} = await switchOver(lab, mover, from, to)
    mover.live = (1 - mover.live) as 0 | 1
    await pinger.exited
    return outageOf(parseTrace(pinger.stdout()), detachedAt, announcedAt)
  } finally {
    clearTimeout(guard)
    await pinger.kill(500)
    await mover.rearm(from)
  }
}

// ---------------------------------------------------------------- building the lab

/** violin's kernel data plane on each host (src/mesh/kernel.ts, through its transport): a bridge + VXLAN device, head-end replication to every other host. */
async function kernelPlane(ul: Underlay): Promise<void> {
  for (const h of ul.hosts) {
    const peers = ul.hosts.filter((p) => p !== h).map((p) => p.address)
    await applyKernelSwitch(new NamespaceTransport(h.name, h.ns), {vni: KERNEL_VNI, local: h.address, device: h.dev, peers})
  }
}

/** The counted environment: the same bridge and VXLAN, and the nftables counters violin sets up with them. */
async function countedKernelPlane(ul: Underlay): Promise<void> {
  for (const h of ul.hosts) {
    const peers = ul.hosts.filter((p) => p !== h).map((p) => p.address)
    const t = new NamespaceTransport(h.name, h.ns)
    await applyKernelSwitch(t, {vni: COUNTED_VNI, local: h.address, device: h.dev, peers})
    await applyKernelTraffic(t, COUNTED_VNI, COUNTED_MACS)
  }
}

/** A veth VM on a host's bridge, with its offloads back on (vethVm turns tx checksumming off for userspace paths). */
async function kernelVm(lab: NetnsLab, name: string, host: UnderlayHost, ip: string, mac: string, bridge = BRIDGE): Promise<TestVm> {
  const vm = await lab.vethVm({name, hostNs: host.ns, bridge, port: name, cidr: `${ip}/24`, mac})
  await lab.exec(vm.ns, ['ethtool', '-K', 'eth0', 'tx', 'on'], {check: false})
  return vm
}

/** One agent per host, its VNI 100 switch with the VM ports listed: h1 starts the mesh, the others join through it. */
async function startAgents(lab: NetnsLab, ul: Underlay, vmsOn: Record<string, Array<{id: string; mac: string}>>): Promise<void> {
  const agents = await Promise.all(ul.hosts.map((h) => lab.agent(h.ns, h.address)))
  const spec = (h: UnderlayHost, known: Member[]): SwitchSpec => ({
    vni: USER_VNI,
    key: KEY,
    known,
    vms: (vmsOn[h.name] ?? []).map((vm) => ({...vm, listen: VM_LISTEN, vm: VM_LOCAL})),
  })
  for (const [i, agent] of agents.entries()) await agent.ask({op: 'apply', spec: spec(ul.hosts[i]!, i === 0 ? [] : [agents[0]!.member()])})
  for (const agent of agents) await waitForMembers(agent, USER_VNI, agents.length - 1)
}

/**
 * A TAP NIC for an existing VM namespace, bridged by socat (in the host's namespace) to the
 * host agent's VM port: MAC, MTU 1450, up, tx checksumming off, no IP address (silent).
 */
async function plugTap(lab: NetnsLab, side: Side, mac: string): Promise<NsProcess> {
  const socat = lab.start(side.host.ns, [
    'socat',
    '-b',
    '9216',
    `TUN,tun-type=tap,tun-name=${side.dev},iff-no-pi,iff-up`,
    `UDP:${VM_LISTEN.address}:${VM_LISTEN.port},bind=${VM_LOCAL.address}:${VM_LOCAL.port}`,
  ])
  for (const deadline = Date.now() + 5000; ; ) {
    if ((await lab.exec(side.host.ns, ['ip', 'link', 'show', 'dev', side.dev], {check: false})).exitCode === 0) break
    if (!socat.running || Date.now() > deadline)
      throw new Error(`TAP ${side.dev} did not appear in ${side.host.ns}: ${socat.stderr().trim()}`)
    await sleep(20)
  }
  await lab.exec(side.host.ns, ['ip', 'link', 'set', 'dev', side.dev, 'netns', side.vmNs])
  await lab.exec(side.vmNs, ['ip', 'link', 'set', 'dev', side.dev, 'address', mac, 'mtu', '1450', 'up'])
  await lab.exec(side.vmNs, ['ethtool', '-K', side.dev, 'tx', 'off'], {check: false})
  return socat
}

interface Bench {
  ul: Underlay
  /** The paths VM to VM (or host to host) as they are now: the moving VMs may be on h2 or h3. */
  paths(): Record<'underlay' | 'socat' | 'userspace' | 'kernel' | 'counted', {from: Where; to: Where}>
  movers: Mover[]
}

async function build(lab: NetnsLab): Promise<Bench> {
  const ul = await lab.underlay(['h1', 'h2', 'h3'])
  const [h1, h2, h3] = ul.hosts as [UnderlayHost, UnderlayHost, UnderlayHost]

  // Kernel plane: k1 on h1 pings/receives; k2 runs on h2, its twin (no IP) waits on h3.
  await kernelPlane(ul)
  const k1 = await kernelVm(lab, 'k1', h1, '10.77.2.1', '02:00:00:00:02:01')
  const k2 = await kernelVm(lab, 'k2-h2', h2, '10.77.2.2', '02:00:00:00:02:02')
  const k2twin = await kernelVm(lab, 'k2-h3', h3, '10.77.2.2', '02:00:00:00:02:02')
  await lab.exec(k2twin.ns, ['ip', 'addr', 'flush', 'dev', 'eth0'])
  await countedKernelPlane(ul)
  const c1 = await kernelVm(lab, 'c1', h1, '10.77.5.1', COUNTED_MACS[0]!, bridgeName(COUNTED_VNI))
  const c2 = await kernelVm(lab, 'c2', h2, '10.77.5.2', COUNTED_MACS[1]!, bridgeName(COUNTED_VNI))
  for (const ns of [k2.ns, k2twin.ns]) await lab.exec(ns, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_notify=1'])

  // Userspace plane: agents first (socat exits when its first datagram is refused).
  const U1 = {id: 'u1', mac: '02:00:00:00:01:01'}
  const U2 = {id: 'u2', mac: '02:00:00:00:01:02'}
  await startAgents(lab, ul, {h1: [U1], h2: [U2], h3: [U2]})
  const u1 = await lab.tapVm({name: 'u1', hostNs: h1.ns, daemon: VM_LISTEN, local: VM_LOCAL, cidr: '10.77.1.1/24', mac: U1.mac})
  const uSides: [Side, Side] = [
    {host: h2, vmNs: await lab.namespace('vm-u2-h2'), dev: 'tu2'},
    {host: h3, vmNs: await lab.namespace('vm-u2-h3'), dev: 'tu2'},
  ]
  for (const side of uSides) await lab.exec(side.vmNs, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_notify=1'])
  for (const side of uSides) side.socat = await plugTap(lab, side, U2.mac)
  await lab.exec(uSides[0].vmNs, ['ip', 'addr', 'add', '10.77.1.2/24', 'dev', 'tu2'])

  // socat alone: TAP -> socat -> underlay UDP -> socat -> TAP, no agent.
  const socatEnd = (h: UnderlayHost) => ({address: h.address, port: SOCAT_PORT})
  const s2 = await lab.tapVm({
    name: 's2',
    hostNs: h2.ns,
    daemon: socatEnd(h1),
    local: socatEnd(h2),
    cidr: '10.77.4.2/24',
    mac: '02:00:00:00:04:02',
  })
  const s1 = await lab.tapVm({
    name: 's1',
    hostNs: h1.ns,
    daemon: socatEnd(h2),
    local: socatEnd(h1),
    cidr: '10.77.4.1/24',
    mac: '02:00:00:00:04:01',
  })

  const kernelMover: Mover = {
    plane: 'kernel',
    pinger: k1,
    ip: k2.ip,
    mac: k2.mac,
    sides: [
      {host: h2, vmNs: k2.ns, dev: 'eth0', port: 'k2-h2'},
      {host: h3, vmNs: k2twin.ns, dev: 'eth0', port: 'k2-h3'},
    ],
    live: 0,
    detach: (side) => `ip -n ${side.host.ns} link set dev ${side.port} nomaster`,
    async rearm(side) {
      await lab.exec(side.vmNs, ['ip', 'addr', 'flush', 'dev', side.dev])
      await lab.exec(side.host.ns, ['ip', 'link', 'set', 'dev', side.port!, 'master', BRIDGE, 'up'])
    },
  }
  const userMover: Mover = {
    plane: 'userspace',
    pinger: u1,
    ip: '10.77.1.2',
    mac: U2.mac,
    sides: uSides,
    live: 0,
    // The TAP goes with its socat; the agent's VM port stays, as violin's does.
    detach: (side) => `kill -TERM ${side.socat!.pid}`,
    async rearm(side) {
      await side.socat?.exited
      side.socat = await plugTap(lab, side, U2.mac)
    },
  }

  const at = (ns: string, ip: string): Where => ({ns, ip})
  const liveVm = (m: Mover): Where => at(m.sides[m.live].vmNs, m.ip)
  return {
    ul,
    paths: () => ({
      underlay: {from: at(h1.ns, h1.address), to: at(h2.ns, h2.address)},
      socat: {from: s1, to: s2},
      userspace: {from: u1, to: liveVm(userMover)},
      kernel: {from: k1, to: liveVm(kernelMover)},
      counted: {from: c1, to: c2},
    }),
    movers: [kernelMover, userMover],
  }
}

// ---------------------------------------------------------------- the run

type PathName = keyof ReturnType<Bench['paths']>
const PATHS: PathName[] = ['underlay', 'socat', 'userspace', 'kernel', 'counted']

interface Results {
  gbps: Record<PathName, number[]>
  rttMs: Record<PathName, number[]>
  moves: Record<Mover['plane'], Outage[]>
}

async function measureRun(lab: NetnsLab, bench: Bench, run: number, results: Results): Promise<void> {
  for (const name of PATHS) {
    const {from, to} = bench.paths()[name]
    const rtt = await pingRttMs(lab, from, to)
    const gbps = await iperfGbps(lab, from, to)
    results.rttMs[name].push(rtt)
    results.gbps[name].push(gbps)
    console.log(`run ${run} ${name.padEnd(9)} TCP ${gbps.toFixed(3).padStart(7)} Gbit/s   RTT ${rtt.toFixed(3)} ms`)
  }
  for (const mover of bench.movers) {
    const from = mover.sides[mover.live].host.name
    const o = await moveOnce(lab, mover)
    results.moves[mover.plane].push(o)
    const to = mover.sides[mover.live].host.name
    console.log(
      `run ${run} move ${mover.plane.padEnd(9)} ${from}->${to}: outage ${o.outageMs.toFixed(0)} ms (${o.lost} lost, pings every ${o.spacingMs.toFixed(1)} ms, largest gap ${o.gapMs.toFixed(1)} ms; VM away ${o.awayMs.toFixed(0)} ms, announce -> first reply ${o.afterAnnounceMs.toFixed(1)} ms)`,
    )
  }
}

interface Row {
  n: string
  measure: string
  value: string
  baseline: string
  ratio: string
  target: string
  verdict: string
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? 'pass' : '**FAIL**'
}

function table(r: Results): Row[] {
  const {gbps, rttMs} = r
  const rows: Row[] = []
  const tcp = (a: PathName, b: PathName, n: string, label: string, target?: number) => {
    const ratio = ratios(gbps[a], gbps[b])
    rows.push({
      n,
      measure: `TCP throughput, ${label} (Gbit/s)`,
      value: show(gbps[a], 3),
      baseline: show(gbps[b], 3),
      ratio: show(ratio, 2),
      target: target === undefined ? '' : `>= ${target}`,
      verdict: verdict(target === undefined ? undefined : spread(ratio).median >= target),
    })
  }
  const rtt = (a: PathName, b: PathName, n: string, label: string) =>
    rows.push({
      n,
      measure: `ping RTT (median), ${label} (ms)`,
      value: show(rttMs[a], 3),
      baseline: show(rttMs[b], 3),
      ratio: show(ratios(rttMs[a], rttMs[b]), 2),
      target: '',
      verdict: '',
    })
  tcp('userspace', 'socat', '1', 'userspace (2 daemons) vs socat alone', 0.45)
  rtt('userspace', 'socat', '1', 'userspace vs socat alone')
  tcp('kernel', 'underlay', '2', 'kernel VXLAN vs underlay', 0.7)
  rtt('kernel', 'underlay', '2', 'kernel VXLAN vs underlay')
  tcp('counted', 'kernel', '5', 'kernel VXLAN with its traffic matrix counted (nftables) vs without', 0.9)
  rtt('counted', 'kernel', '5', 'kernel VXLAN counted vs not')
  for (const plane of ['kernel', 'userspace'] as const) {
    const moves = r.moves[plane]
    const outage = spread(moves.map((m) => m.outageMs)).median
    rows.push({
      n: '3',
      measure: `outage after a move, ${plane} (ms; pings every ${show(
        moves.map((m) => m.spacingMs),
        1,
      )}, largest gap between replies ${show(
        moves.map((m) => m.gapMs),
        1,
      )}; VM away ${show(
        moves.map((m) => m.awayMs),
        0,
      )}, announce -> reply ${show(
        moves.map((m) => m.afterAnnounceMs),
        1,
      )})`,
      value: show(
        moves.map((m) => m.outageMs),
        0,
      ),
      baseline: '',
      ratio: '',
      target: '< 100',
      verdict: verdict(outage < 100),
    })
  }
  for (const [path, label] of [
    ['kernel', 'kernel VXLAN'],
    ['userspace', 'userspace'],
    ['socat', 'socat alone (reference)'],
  ] as const) {
    rows.push({
      n: '4',
      measure: `throughput lost vs underlay, ${label}`,
      value: show(gbps[path], 3),
      baseline: show(gbps.underlay, 3),
      ratio: show(lostPct(gbps[path], gbps.underlay), 1, '%'),
      target: '(paper: ~1.5% for MPI apps)',
      verdict: '',
    })
    rows.push({
      n: '4',
      measure: `RTT added vs underlay, ${label}`,
      value: show(rttMs[path], 3),
      baseline: show(rttMs.underlay, 3),
      ratio: show(addedPct(rttMs[path], rttMs.underlay), 0, '%'),
      target: '',
      verdict: '',
    })
  }
  return rows
}

function printTable(rows: Row[]): void {
  const head = ['#', 'measure', 'data plane, median [min..max]', 'baseline', 'ratio / cost', 'target', '']
  console.log(`| ${head.join(' | ')} |`)
  console.log(`|${head.map(() => '---').join('|')}|`)
  for (const r of rows) console.log(`| ${[r.n, r.measure, r.value, r.baseline, r.ratio, r.target, r.verdict].join(' | ')} |`)
}

export async function main(): Promise<void> {
  const missing = netnsUnavailable()
  if (missing) throw new Error(`mesh-net cannot run here: ${missing}`)
  const started = Date.now()
  const lab = new NetnsLab()
  const onSignal = () => {
    lab.cleanupSync()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const bench = await build(lab)
    console.log(
      `set up ${lab.list().length} namespaces, 3 agents, 11 VMs in ${((Date.now() - started) / 1000).toFixed(1)} s; RUNS=${RUNS} IPERF_SECONDS=${IPERF_SECONDS} PINGS=${PINGS} MOVE_PINGS=${MOVE_PINGS}\n`,
    )
    const results: Results = {
      gbps: {underlay: [], socat: [], userspace: [], kernel: [], counted: []},
      rttMs: {underlay: [], socat: [], userspace: [], kernel: [], counted: []},
      moves: {kernel: [], userspace: []},
    }
    for (let run = 1; run <= RUNS; run++) await measureRun(lab, bench, run, results)
    console.log(`\nmesh-net, ${RUNS} runs, ratios paired per run (median [min..max]):\n`)
    printTable(table(results))
    // What the counters saw: the counted path's iperf3 streams, on the host they started from.
    const h1 = bench.ul.hosts[0]!
    const counted = await readKernelTraffic(
      new NamespaceTransport(h1.name, h1.ns),
      COUNTED_VNI,
      new Map([
        [COUNTED_MACS[0]!, 'c1'],
        [COUNTED_MACS[1]!, 'c2'],
      ]),
    )
    const sent = counted.find((p) => p.srcVm === 'c1' && p.dstVm === 'c2')
    console.log(
      `\ncounted on h1, c1 -> c2: ${sent?.frames ?? 0} frames, ${((sent?.bytes ?? 0) / 1e9).toFixed(2)} GB (remote: ${sent?.remote})`,
    )
  } finally {
    await lab.cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s (namespaces deleted)`)
  }
}
