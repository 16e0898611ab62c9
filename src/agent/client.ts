import type {Duplex} from 'node:stream'

import {ViolinError} from '../errors.js'
import type {AgentRequest, AgentResponse} from './protocol.js'

/** The agent refused or failed a request; its words are the message. */
export class AgentError extends ViolinError {
  constructor(
    readonly host: string,
    detail: string,
  ) {
    super(`host "${host}": agent: ${detail}`)
  }
}

/** Sends one request on a fresh stream to the agent's socket and reads its one-line answer. */
export function askAgent<T>(host: string, stream: Duplex, request: AgentRequest, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let text = ''
    let settled = false
    const timer = setTimeout(() => {
      stream.destroy()
      reject(new AgentError(host, `no answer to ${request.op} within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = (): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const line = text.split('\n', 1)[0] ?? ''
      let response: AgentResponse
      try {
        response = JSON.parse(line) as AgentResponse
      } catch {
        reject(new AgentError(host, `answered ${request.op} with something that is not JSON: ${line.slice(0, 200) || '(nothing)'}`))
        return
      }
      if (response.ok) resolve(response.result as T)
      else reject(new AgentError(host, response.error))
    }
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (text += chunk))
    stream.once('end', done)
    stream.once('close', done)
    stream.on('error', (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(new AgentError(host, `connection broke during ${request.op}: ${error.message}`))
    })
    stream.write(`${JSON.stringify(request)}\n`)
  })
}
