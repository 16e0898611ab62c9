import {strict as assert} from 'node:assert'
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {createSocket, type Socket} from 'node:dgram'
import {once} from 'node:events'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import type {AgentHello, SwitchReport} from '../../src/agent/agent.js'
import {askAgent} from '../../src/agent/client.js'
import type {AgentRequest, SwitchSpec} from '../../src/agent/protocol.js'
import {encodeControl, type Member} from '../../src/mesh/control.js'
import {encodeVxlan} from '../../src/mesh/vxlan.js'
import {ROOT} from '../helpers/cli.js'
import {BCAST, frame, frameSocket, payload} from '../helpers/frames.js'

/**
 * Real `violin agent` processes (the built CLI, as a host runs it) on loopback addresses
 * 127.0.2.1-3, each with its own directory: the agent is one "host". VMs are UDP sockets
 * speaking as QEMU's UDP NIC backend does (one raw frame per datagram). The agents find
 * each other through their control plane; hellos every 100 ms, so a dead one goes in 350 ms.
 */
const HELLO_MS = 100
const KEY = randomBytes(32).toString('hex')

interface RunningAgent {
  address: string
  dir: string
  dataPort: number
  controlPort: number
  child: ChildProcess
  log: string[]
  member: Member
  ask<T>(request: AgentRequest): Promise<T>
}

interface TestVm {
  name: string
  mac: string
  socket: Socket
  port: number
  send(frame: Buffer, agent: RunningAgent, listenPort: number): void
  next(ms?: number): Promise<Buffer>
  frames: Buffer[]
}

describe('violin agent: userspace switches run by per-host agents (loopback)', function () {
  this.timeout(30_000)
  const agents: RunningAgent[] = []
  const vms: TestVm[] = []
  const dirs: string[] = []
  let portBase = 30_000 + (process.pid % 500) * 40

  function askSocket<T>(dir: string, request: AgentRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const socket = connect(join(dir, 'agent.sock'))
      socket.once('error', reject)
      socket.once('connect', () => askAgent<T>('test', socket, request).then(resolve, reject))
    })
  }

  async function startAgent(address: string, dir?: string, ports?: {data: number; control: number}): Promise<RunningAgent> {
    const home = dir ?? mkdtempSync(join(tmpdir(), 'violin-agent-'))
    if (!dir) dirs.push(home)
    const dataPort = ports?.data ?? portBase++
    const controlPort = ports?.control ?? portBase++
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/run.js'),
        'agent',
        '--address',
        address,
        '--dir',
        home,
        '--data-port',
        String(dataPort),
        '--control-port',
        String(controlPort),
        '--hello',
        String(HELLO_MS),
      ],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
    const log: string[] = []
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()))
    const agent: RunningAgent = {
      address,
      dir: home,
      dataPort,
      controlPort,
      child,
      log,
      member: {address, dataPort, controlPort},
      ask: (r) => askSocket(home, r),
    }
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${log.join('')}`)
      const hello = await agent.ask<AgentHello>({op: 'hello'}).catch(() => undefined)
      if (hello?.pid === child.pid) {
        agents.push(agent)
        return agent
      }
      await sleep(50)
    }
    throw new Error(`agent at ${address} did not answer: ${log.join('')}`)
  }

  async function vm(name: string, mac: string): Promise<TestVm> {
    const inbox = await frameSocket(name, 3000)
    const v: TestVm = {
      name,
      mac,
      socket: inbox.socket,
      port: inbox.port,
      frames: inbox.frames,
      send: (f, agent, listenPort) => inbox.socket.send(f, listenPort, agent.address),
      next: inbox.next,
    }
    vms.push(v)
    return v
  }

  /** The spec entry that attaches `v` to `agent`: the agent listens on its own address, port `listenPort`. */
  const port = (v: TestVm, agent: RunningAgent, listenPort: number) => ({
    id: v.name,
    mac: v.mac,
    listen: {address: agent.address, port: listenPort},
    vm: {address: '127.0.0.1', port: v.port},
  })

  async function apply(agent: RunningAgent, spec: SwitchSpec): Promise<SwitchReport> {
    return agent.ask<SwitchReport>({op: 'apply', spec})
  }

  async function members(agent: RunningAgent, vni: number): Promise<string[]> {
    const [report] = await agent.ask<SwitchReport[]>({op: 'status', vni})
    return (report?.members ?? []).map((m) => m.address).sort()
  }

  async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
      await sleep(50)
    }
  }

  afterEach(async () => {
    for (const v of vms.splice(0)) v.socket.close()
    for (const a of agents.splice(0)) {
      if (a.child.exitCode === null && a.child.signalCode === null) {
        a.child.kill('SIGTERM')
        await once(a.child, 'exit')
      }
    }
    for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
  })

  it('forms a mesh through any member and carries frames between VMs of different agents', async () => {
    const [a, b, c] = [await startAgent('127.0.2.1'), await startAgent('127.0.2.2'), await startAgent('127.0.2.3')]
    const [va, vc] = [await vm('va', '52:54:00:00:0a:01'), await vm('vc', '52:54:00:00:0c:01')]
    await apply(a, {vni: 100, key: KEY, known: [], vms: [port(va, a, portBase)]})
    await apply(b, {vni: 100, key: KEY, known: [a.member], vms: []})
    await apply(c, {vni: 100, key: KEY, known: [a.member], vms: [port(vc, c, portBase + 1)]})
    // c joined through a alone, yet learns of b from a's member list.
    await until(
      'every agent sees the two others',
      async () => (await members(a, 100)).length === 2 && (await members(b, 100)).length === 2 && (await members(c, 100)).length === 2,
    )
    va.send(frame(BCAST, va.mac, 'hello from va'), a, portBase)
    assert.equal(payload(await vc.next()), 'hello from va')
    vc.send(frame(va.mac, vc.mac, 'unicast to va'), c, portBase + 1)
    assert.equal(payload(await va.next()), 'unicast to va')
    const [status] = await c.ask<SwitchReport[]>({op: 'status', vni: 100})
    assert.deepEqual(
      status!.vms.map((v) => [v.id, v.framesIn, v.framesOut]),
      [['vc', 1, 1]],
    )
    const fdb = await c.ask<Array<{mac: string; via: string; local: boolean}>>({op: 'fdb', vni: 100})
    assert.deepEqual(fdb.map((e) => [e.mac, e.via, e.local]).sort(), [
      [va.mac, '127.0.2.1', false],
      [vc.mac, 'vc', true],
    ])
    const [traffic] = await c.ask<Array<{vni: number; pairs: Array<{src: string; dst: string; frames: number; remote: boolean}>}>>({
      op: 'traffic',
      vni: 100,
    })
    assert.deepEqual(
      traffic!.pairs.map((p) => [p.src, p.dst, p.frames, p.remote]),
      [[vc.mac, va.mac, 1, true]],
    )
  })

  it('drops a killed agent from its peers, and the restarted agent rebuilds its switch from the state file and rejoins', async () => {
    const [a, b] = [await startAgent('127.0.2.1'), await startAgent('127.0.2.2')]
    const [va, vb] = [await vm('va', '52:54:00:00:0a:02'), await vm('vb', '52:54:00:00:0b:02')]
    const pa = portBase++
    const pb = portBase++
    await apply(a, {vni: 200, key: KEY, known: [], vms: [port(va, a, pa)]})
    await apply(b, {vni: 200, key: KEY, known: [a.member], vms: [port(vb, b, pb)]})
    await until('a and b see each other', async () => (await members(a, 200)).length === 1 && (await members(b, 200)).length === 1)

    b.child.kill('SIGKILL')
    await once(b.child, 'exit')
    await until('a drops the dead agent', async () => (await members(a, 200)).length === 0, 3000)
    const state = JSON.parse(readFileSync(join(b.dir, 'state.json'), 'utf8')) as {switches: SwitchSpec[]}
    assert.deepEqual(
      state.switches.map((s) => [s.vni, s.vms.map((v) => v.id)]),
      [[200, ['vb']]],
    )

    const again = await startAgent('127.0.2.2', b.dir, {data: b.dataPort, control: b.controlPort})
    await until(
      'the restarted agent is a member again',
      async () => (await members(a, 200)).length === 1 && (await members(again, 200)).length === 1,
    )
    vb.send(frame(BCAST, vb.mac, 'back'), again, pb)
    assert.equal(payload(await va.next()), 'back')
    va.send(frame(vb.mac, va.mac, 'welcome back'), a, pa)
    assert.equal(payload(await vb.next()), 'welcome back')
  })

  it('announces a VM that moved with a RARP from its MAC, unless the VM spoke first', async () => {
    const [a, b, c] = [await startAgent('127.0.2.1'), await startAgent('127.0.2.2'), await startAgent('127.0.2.3')]
    const [mover, other] = [await vm('mover', '52:54:00:00:0d:03'), await vm('other', '52:54:00:00:0e:03')]
    const p = portBase++
    const q = portBase++
    await apply(a, {vni: 300, known: [], vms: [port(mover, a, p)]})
    await apply(b, {vni: 300, known: [a.member], vms: []})
    await apply(c, {vni: 300, known: [a.member], vms: [port(other, c, q)]})
    await until('a full mesh', async () => (await members(c, 300)).length === 2 && (await members(b, 300)).length === 2)
    mover.send(frame(BCAST, mover.mac, 'I am at a'), a, p)
    assert.equal(payload(await other.next()), 'I am at a')

    // The move as violin does it: the destination gets the port first, the source loses it after.
    await apply(b, {vni: 300, known: [], vms: [port(mover, b, p)]})
    await apply(a, {vni: 300, known: [], vms: []})
    assert.deepEqual(await b.ask({op: 'announce', vni: 300, vm: 'mover'}), {sent: true})
    const rarp = await other.next()
    assert.equal(rarp.readUInt16BE(12), 0x8035, 'the announcement is a RARP')
    assert.equal(rarp.subarray(6, 12).toString('hex'), mover.mac.replaceAll(':', ''))
    other.send(frame(mover.mac, other.mac, 'to the new place'), c, q)
    assert.equal(payload(await mover.next()), 'to the new place')
    // Once the VM has been heard from on its new port, there is nothing to announce.
    mover.send(frame(other.mac, mover.mac, 'hi'), b, p)
    await other.next()
    assert.deepEqual(await b.ask({op: 'announce', vni: 300, vm: 'mover'}), {sent: false})
  })

  it('with data authentication, carries signed frames and drops unsigned ones', async () => {
    const [a, b] = [await startAgent('127.0.2.1'), await startAgent('127.0.2.2')]
    const [va, vb] = [await vm('va', '52:54:00:00:0a:04'), await vm('vb', '52:54:00:00:0b:04')]
    const pa = portBase++
    const pb = portBase++
    await apply(a, {vni: 400, key: KEY, authData: true, known: [], vms: [port(va, a, pa)]})
    await apply(b, {vni: 400, key: KEY, authData: true, known: [a.member], vms: [port(vb, b, pb)]})
    await until('a mesh', async () => (await members(a, 400)).length === 1)
    va.send(frame(BCAST, va.mac, 'signed'), a, pa)
    assert.equal(payload(await vb.next()), 'signed')
    // A forged frame from a's address (loopback lets anyone use it) without the tag.
    const forger = createSocket('udp4')
    forger.bind(0, '127.0.2.1')
    await once(forger, 'listening')
    forger.send(encodeVxlan(400, frame(BCAST, '52:54:00:66:66:66', 'forged')), b.dataPort, b.address)
    await sleep(200)
    forger.close()
    const hello = await b.ask<AgentHello>({op: 'hello'})
    assert.equal(hello.drops.dataUnauthenticated, 1)
    va.send(frame(BCAST, va.mac, 'still signed'), a, pa)
    assert.equal(payload(await vb.next()), 'still signed', 'the forged frame never reached vb')
  })

  it('survives a datagram fuzzer: random bytes, truncated headers, wrong VNIs, spoofed and unsigned control messages', async () => {
    const [a, b] = [await startAgent('127.0.2.1'), await startAgent('127.0.2.2')]
    const red = [await vm('red-a', '52:54:00:00:00:01'), await vm('red-b', '52:54:00:00:00:02')]
    const blue = [await vm('blue-a', '52:54:00:00:00:01'), await vm('blue-b', '52:54:00:00:00:02')]
    const ports = [portBase++, portBase++, portBase++, portBase++]
    await apply(a, {vni: 500, key: KEY, known: [], vms: [port(red[0]!, a, ports[0]!)]})
    await apply(b, {vni: 500, key: KEY, known: [a.member], vms: [port(red[1]!, b, ports[1]!)]})
    await apply(a, {vni: 501, key: KEY, known: [], vms: [port(blue[0]!, a, ports[2]!)]})
    await apply(b, {vni: 501, key: KEY, known: [a.member], vms: [port(blue[1]!, b, ports[3]!)]})
    await until('both meshes', async () => (await members(b, 500)).length === 1 && (await members(b, 501)).length === 1)

    const fuzzer = createSocket('udp4')
    fuzzer.bind(0, '127.0.2.9')
    await once(fuzzer, 'listening')
    const impostor: Member = {address: '127.0.2.1', dataPort: a.dataPort, controlPort: a.controlPort}
    const datagrams: Buffer[] = []
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 300; i++) datagrams.push(randomBytes(Math.floor(rand() * 1600)))
    for (let n = 0; n < 8; n++) datagrams.push(encodeVxlan(500, frame(BCAST, '52:54:00:00:00:99', 'x')).subarray(0, n)) // truncated headers
    datagrams.push(encodeVxlan(999, frame(BCAST, '52:54:00:00:00:99', 'wrong vni')))
    datagrams.push(encodeVxlan(501, frame(BCAST, '52:54:00:00:00:99', 'not a member'))) // right VNI, stranger
    const join = {type: 'join', vni: 500, from: impostor, seq: 1, sentMs: Date.now()} as const
    datagrams.push(encodeControl(join)) // unsigned
    datagrams.push(encodeControl(join, randomBytes(32))) // wrong key
    datagrams.push(encodeControl(join, Buffer.from(KEY, 'hex'))) // right key, but sent from an address it does not claim
    datagrams.push(Buffer.from('VC1\u0001garbage'))
    // In bursts of 25, each waited for: a busy machine drops loopback datagrams that overflow
    // a socket's buffer, and the three joins at the end are the ones the counts below need.
    for (let i = 0; i < datagrams.length; i++) {
      const d = datagrams[i]!
      for (const target of [b.dataPort, b.controlPort]) fuzzer.send(d, target, b.address)
      fuzzer.send(d, ports[1]!, b.address) // a VM port too
      if (i % 25 === 24 || i >= datagrams.length - 6) await sleep(20)
    }
    let hello = await b.ask<AgentHello>({op: 'hello'})
    const counted = (h: AgentHello) => h.drops.controlMalformed > 0 && h.drops.controlUnauthenticated >= 2 && h.drops.controlSpoofed >= 1
    // Should one of those be lost all the same, they are sent again (bounded): each is dropped
    // and counted every time it arrives, and none may ever join.
    const joins = datagrams.slice(-4, -1)
    for (let i = 0; i < 50 && !counted(hello); i++) {
      for (const d of joins) fuzzer.send(d, b.controlPort, b.address)
      await sleep(100)
      hello = await b.ask<AgentHello>({op: 'hello'})
    }
    fuzzer.close()

    assert.equal(b.child.exitCode, null, 'the agent is alive')
    assert.ok(hello.drops.badHeader + hello.drops.unknownVni > 0, `data-port garbage counted: ${JSON.stringify(hello.drops)}`)
    assert.ok(counted(hello), `control garbage counted: ${JSON.stringify(hello.drops)}`)
    assert.deepEqual(await members(b, 500), ['127.0.2.1'], 'no spoofed member joined')
    // Nothing reached the VMs of the other environment, and both meshes still carry frames.
    for (const v of [...red, ...blue]) v.frames.length = 0
    red[0]!.send(frame(BCAST, red[0]!.mac, 'red after the storm'), a, ports[0]!)
    blue[0]!.send(frame(BCAST, blue[0]!.mac, 'blue after the storm'), a, ports[2]!)
    assert.equal(payload(await red[1]!.next()), 'red after the storm')
    assert.equal(payload(await blue[1]!.next()), 'blue after the storm')
    await sleep(200)
    assert.deepEqual([...red[1]!.frames, ...blue[1]!.frames].map(payload), [], 'no frame crossed between environments')
  })

  it('answers a malformed request with an error and keeps serving', async () => {
    const a = await startAgent('127.0.2.1')
    const raw = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const s = connect(join(a.dir, 'agent.sock'))
        let text = ''
        s.on('data', (d) => (text += d.toString()))
        s.on('end', () => resolve(text.trim()))
        s.on('error', reject)
        s.end(line)
      })
    assert.deepEqual(JSON.parse(await raw('not json\n')), {ok: false, error: 'request is not JSON'})
    assert.match(JSON.parse(await raw('{"op":"reboot"}\n')).error, /^op: expected one of the ops .*, found "reboot"$/)
    assert.match(
      JSON.parse(await raw('{"op":"apply","spec":{"vni":1,"known":[],"vms":[{"id":"; rm -rf /","mac":"x"}]}}\n')).error,
      /^spec\.vms\[0\]\.id: expected a VM name, found "; rm -rf \/"$/,
    )
    assert.match(JSON.parse(await raw(`${'x'.repeat(1.1 * 2 ** 20)}`)).error, /longer than/)
    assert.match(JSON.parse(await raw('{"op":"fdb","vni":77}\n')).error, /no switch for VNI 77/)
    assert.equal((await a.ask<AgentHello>({op: 'hello'})).pid, a.child.pid)
  })

  it('refuses a second agent on the same directory, and a damaged state file, naming the file', async () => {
    const a = await startAgent('127.0.2.1')
    const second = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/run.js'),
        'agent',
        '--address',
        '127.0.2.1',
        '--dir',
        a.dir,
        '--data-port',
        String(portBase++),
        '--control-port',
        String(portBase++),
      ],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
    let err = ''
    second.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    const [code] = await once(second, 'exit')
    assert.equal(code, 1)
    assert.match(err, new RegExp(`already running here \\(pid ${a.child.pid}\\)`))

    const dir = mkdtempSync(join(tmpdir(), 'violin-agent-'))
    dirs.push(dir)
    const {writeFileSync} = await import('node:fs')
    writeFileSync(join(dir, 'state.json'), '{"version":1,"switches":[{"vni":"ten"}]}')
    const broken = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/run.js'),
        'agent',
        '--address',
        '127.0.2.1',
        '--dir',
        dir,
        '--data-port',
        String(portBase++),
        '--control-port',
        String(portBase++),
      ],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
    let brokenErr = ''
    broken.stderr!.on('data', (d: Buffer) => (brokenErr += d.toString()))
    const [brokenCode] = await once(broken, 'exit')
    assert.equal(brokenCode, 3, 'a damaged state file is a bad file')
    assert.match(brokenErr, /state\.json:1:33: switches\[0\]\.vni: expected an integer from 1 to 16777215, found "ten"/)
    assert.equal(readFileSync(join(dir, 'state.json'), 'utf8'), '{"version":1,"switches":[{"vni":"ten"}]}', 'left as it was')
    assert.ok(!existsSync(join(dir, 'agent.pid')), 'no PID file left behind')
  })
})
