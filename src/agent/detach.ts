import {spawn} from 'node:child_process'
import {closeSync, openSync, readFileSync} from 'node:fs'
import {connect} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {makeDirs} from '../files.js'
import {askAgent} from './client.js'
import {type AgentPaths, agentPaths} from './paths.js'
import type {AgentHello} from './agent.js'

/** Asks the agent of a directory who it is; undefined when nothing answers on its socket. */
export async function localHello(paths: AgentPaths): Promise<AgentHello | undefined> {
  const stream = await new Promise<ReturnType<typeof connect> | undefined>((resolve) => {
    const socket = connect(paths.socket)
    socket.once('connect', () => resolve(socket))
    socket.once('error', () => resolve(undefined))
  })
  if (!stream) return undefined
  return askAgent<AgentHello>('localhost', stream, {op: 'hello'}, 5000).catch(() => undefined)
}

/** The log's last lines, joined with " | ": an error is printed on one line. */
function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ')
  } catch {
    return '(no log)'
  }
}

/**
 * `violin agent ARGS` in a session of its own (an SSH logout does not take it down), its
 * output appended to LOG; `exited` is its exit status once it has exited.
 */
function spawnAgentProcess(args: string[], dir: string, log: string): {pid?: number; readonly exited: number | null | undefined} {
  makeDirs(dir, 0o700)
  const fd = openSync(log, 'a', 0o600)
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'agent', ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  child.unref()
  return {
    pid: child.pid,
    get exited() {
      return exited
    },
  }
}

/**
 * Starts `violin agent ARGS` as a daemon: its own session (an SSH logout does not take it
 * down), output appended to the log file. Resolves once it answers on its socket, with
 * its hello; rejects with the log's last lines if it exits first.
 */
export async function spawnDetached(args: string[], dir: string | undefined, waitMs = 15_000): Promise<AgentHello> {
  const paths = agentPaths(dir)
  const child = spawnAgentProcess(args, paths.dir, paths.log)
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline) {
    if (child.exited !== undefined)
      throw new Error(`the agent exited (status ${child.exited}) before answering; ${paths.log} ends with: ${logTail(paths.log)}`)
    const hello = await localHello(paths)
    if (hello && hello.pid === child.pid) return hello
    await sleep(100)
  }
  throw new Error(`the agent (pid ${child.pid}) did not answer on ${paths.socket} within ${waitMs} ms; see ${paths.log}`)
}

/**
 * Starts `violin agent ARGS` (the sampler: --store) as a daemon, output appended to
 * DIR/sampler.log. Resolves with its PID once its first sample is in the store (it writes
 * DIR/sampler.ready); rejects with the log's last lines if it exits first.
 */
export async function spawnSamplerDetached(args: string[], dir: string, waitMs = 30_000): Promise<number> {
  const {samplerPaths} = await import('./sampler.js')
  const paths = samplerPaths(dir)
  const child = spawnAgentProcess(args, dir, paths.log)
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline) {
    if (child.exited !== undefined) {
      throw Object.assign(
        new Error(
          `the sampler exited (status ${child.exited}) before its first sample reached the store; ${paths.log} ends with: ${logTail(paths.log)}`,
        ),
        {status: child.exited ?? undefined},
      )
    }
    let ready = ''
    try {
      ready = readFileSync(paths.ready, 'utf8').trim()
    } catch {}
    if (ready === String(child.pid)) return child.pid!
    await sleep(100)
  }
  throw new Error(`the sampler (pid ${child.pid}) wrote no sample within ${waitMs / 1000} s; see ${paths.log}`)
}
