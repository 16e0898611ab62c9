import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:net'

import {MeshDaemon} from '../mesh/daemon.js'
import {makeDirs} from '../files.js'
import {Agent} from './agent.js'
import {type AgentPaths, agentPaths} from './paths.js'
import {serveRequests} from './server.js'
import {loadState} from './state.js'

export interface AgentOptions {
  dir?: string
  /** The underlay address peers reach this host at; from the state file when absent. */
  address?: string
  dataPort: number
  controlPort: number
  helloMs?: number
  version: string
  log: (line: string) => void
}

export interface RunningAgent {
  paths: AgentPaths
  address: string
  /** Leaves every mesh, closes the sockets, removes the socket and PID files. */
  stop(): Promise<void>
}

/** The PID in a PID file, if that process is alive. */
export function livePid(pidFile: string): number | undefined {
  let pid: number
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim())
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}

/** Thrown when another agent holds the directory's PID file. */
export class AgentRunningError extends Error {
  constructor(readonly pid: number) {
    super(`an agent is already running here (pid ${pid})`)
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * Starts the agent in this process: takes the PID file, binds the data and control
 * ports, restores the switches of the state file, then answers on the socket (owner only).
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const paths = agentPaths(options.dir)
  makeDirs(paths.dir, 0o700)
  const other = livePid(paths.pid)
  if (other !== undefined && other !== process.pid) throw new AgentRunningError(other)
  const state = loadState(paths.state)
  const address = options.address ?? state.address
  if (!address) throw new Error('no --address given and none in the state file: which underlay address do peers reach this host at?')
  writeFileSync(paths.pid, `${process.pid}\n`)
  let daemon: MeshDaemon
  try {
    daemon = await MeshDaemon.start({address, port: options.dataPort}, options.controlPort)
  } catch (error) {
    rmSync(paths.pid, {force: true})
    throw new Error(`cannot bind ${address} ports ${options.dataPort}/${options.controlPort}: ${(error as Error).message}`)
  }
  const agent = new Agent(daemon, paths.state, {version: options.version, helloMs: options.helloMs, log: options.log})
  await agent.restore(address === state.address ? state : {...state, address})
  rmSync(paths.socket, {force: true}) // left by an agent that was killed
  const server = serveRequests((request) => agent.handle(request), options.log)
  await listen(server, paths.socket)
  chmodSync(paths.socket, 0o600)
  options.log(`agent ${process.pid} listening on ${paths.socket}; data ${address}:${daemon.endpoint.port}, control ${daemon.controlPort}`)
  let stopping: Promise<void> | undefined
  return {
    paths,
    address,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await daemon.close()
        rmSync(paths.socket, {force: true})
        if (livePid(paths.pid) === process.pid) rmSync(paths.pid, {force: true})
        options.log(`agent ${process.pid} stopped`)
      })()),
  }
}
