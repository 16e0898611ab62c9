/**
 * The process bench/mesh measures: forwards frames from one VM port to one peer, either
 * through violin's switch daemon (`daemon`; `daemon-auth` with every data frame signed,
 * HMAC-SHA256, as `switch start --auth-data` does) or through the least a Node process can
 * do, receive on one connected UDP socket and send on another (`relay`, the floor). Prints
 * "READY <vm port>" when bound, and on stdin "report" prints "REPORT <frames> <cpu µs>".
 *
 *   node --import tsx bench/mesh-forwarder.ts daemon|daemon-auth|relay SINK_PORT SENDER_PORT
 * Both receive on a socket connected to the sender and send on one connected to the sink.
 */
import {randomBytes} from 'node:crypto'
import {createSocket} from 'node:dgram'
import {once} from 'node:events'
import {createInterface} from 'node:readline'

import {MeshDaemon} from '../src/mesh/daemon.js'

const [mode, sinkPort, senderPort] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
let forwarded = () => 0
let cpuAtStart = process.cpuUsage()
let vmPort: number

if (mode === 'daemon' || mode === 'daemon-auth') {
  const daemon = await MeshDaemon.start({address: '127.0.3.1', port: 0})
  const sw = daemon.environment(100, {maxMacs: 1024})
  if (mode === 'daemon-auth') daemon.authenticateData(100, randomBytes(32))
  // The sink plays the peer switch: every frame to an unknown MAC floods to it.
  sw.addPeer('127.0.3.2', sinkPort)
  const {listening} = await daemon.attachVm(100, 'vm', {address: '127.0.0.1', port: 0}, {address: '127.0.0.1', port: senderPort})
  vmPort = listening.port
  const peer = sw.peerPorts()[0]!
  forwarded = () => peer.counters.framesOut
} else {
  const from = createSocket('udp4')
  const to = createSocket('udp4')
  from.bind(0, '127.0.0.1')
  await once(from, 'listening')
  from.connect(senderPort, '127.0.0.1')
  await once(from, 'connect')
  to.bind(0, '127.0.3.1')
  await once(to, 'listening')
  to.connect(sinkPort, '127.0.3.2')
  await once(to, 'connect')
  let n = 0
  from.on('message', (frame) => {
    n++
    to.send(frame)
  })
  forwarded = () => n
  vmPort = from.address().port
}

for await (const line of createInterface({input: process.stdin})) {
  if (line === 'start') cpuAtStart = process.cpuUsage()
  if (line === 'report') {
    const cpu = process.cpuUsage(cpuAtStart)
    console.log(`REPORT ${forwarded()} ${cpu.user + cpu.system}`)
  }
  if (line === 'ready?') console.log(`READY ${vmPort}`)
}
process.exit(0)
