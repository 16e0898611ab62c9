import type {AgentHello} from '../agent/agent.js'
import {askAgent} from '../agent/client.js'
import {agentPaths, DEFAULT_AGENT_DIR} from '../agent/paths.js'
import type {AgentRequest} from '../agent/protocol.js'
import {SocketUnavailableError, ViolinError} from '../errors.js'
import type {HostRecord} from '../inventory/host.js'
import type {Session} from './session.js'

/** How violin runs itself on a host to start the agent: the host's --agent-command, else `violin` on its PATH. */
export function agentCommand(host: HostRecord): string[] {
  return host.agent?.command ?? ['violin']
}

function socketOf(host: HostRecord): string {
  return agentPaths(host.agent?.dir ?? DEFAULT_AGENT_DIR).socket
}

/** One request to a host's agent, through the host's transport (an SSH streamlocal channel). */
export async function askHostAgent<T>(session: Session, host: HostRecord, request: AgentRequest): Promise<T> {
  const stream = await session.transport(host).connectSocket(socketOf(host))
  return askAgent<T>(host.name, stream, request)
}

/** The host's agent's hello, or undefined when no agent runs there (an unreachable host still throws). */
export async function agentHello(session: Session, host: HostRecord): Promise<AgentHello | undefined> {
  try {
    return await askHostAgent<AgentHello>(session, host, {op: 'hello'})
  } catch (error) {
    if (error instanceof SocketUnavailableError) return undefined
    throw error
  }
}

/**
 * Makes sure the host's agent runs with `address` as its underlay address: asks it, and
 * when nothing answers starts it over SSH (`violin agent --detach`), which returns once
 * the agent answers.
 */
export async function ensureAgent(session: Session, host: HostRecord, address: string): Promise<AgentHello> {
  let hello = await agentHello(session, host)
  if (!hello) {
    const dir = host.agent?.dir ?? DEFAULT_AGENT_DIR
    const argv = [...agentCommand(host), 'agent', '--detach', '--quiet', '--address', address, '--dir', dir]
    const started = await session.transport(host).run(argv, {allowFailure: true, timeoutMs: 30_000})
    if (started.exitCode !== 0) {
      const why = (started.stderr || started.stdout).trim().split('\n').slice(-3).join(' / ')
      throw new ViolinError(`host "${host.name}": cannot start the agent (${argv.join(' ')} exited ${started.exitCode}): ${why}`, undefined, `violin host add ${host.name} --force --agent-command 'COMMAND' (how to run violin there)`)
    }
    hello = await agentHello(session, host)
    if (!hello) throw new ViolinError(`host "${host.name}": the agent started but does not answer on ${socketOf(host)}`)
  }
  if (hello.self.address !== address) {
    throw new ViolinError(`host "${host.name}": its agent uses address ${hello.self.address}, but violin reaches the host at ${address}`, undefined, `violin agent stop on ${host.name}, then start the switch again`)
  }
  return hello
}
