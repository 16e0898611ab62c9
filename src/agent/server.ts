import {createServer, type Server, type Socket} from 'node:net'

import {type AgentRequest, type AgentResponse, MAX_REQUEST_BYTES, parseRequest} from './protocol.js'

const IDLE_MS = 10_000

/**
 * The agent's Unix socket: one request line per connection, one response line back.
 * Anything wrong with a request (not JSON, too long, unknown op, a failed action) is an
 * error response; nothing a client sends can stop the server.
 */
export function serveRequests(handle: (request: AgentRequest) => Promise<unknown>, log: (line: string) => void): Server {
  return createServer((socket: Socket) => {
    let buffered = Buffer.alloc(0)
    let answered = false
    const answer = (response: AgentResponse): void => {
      answered = true
      socket.end(`${JSON.stringify(response)}\n`)
    }
    socket.setTimeout(IDLE_MS, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      if (answered) return
      buffered = Buffer.concat([buffered, chunk])
      const nl = buffered.indexOf(10)
      if (nl < 0) {
        if (buffered.length > MAX_REQUEST_BYTES) answer({ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes`})
        return
      }
      const parsed = parseRequest(buffered.subarray(0, nl).toString('utf8'))
      if (!parsed.ok) {
        log(`refused a request: ${parsed.error}`)
        answer({ok: false, error: parsed.error})
        return
      }
      answered = true
      handle(parsed.request).then(
        (result) => socket.end(`${JSON.stringify({ok: true, result})}\n`),
        (error: unknown) => {
          log(`${parsed.request.op} failed: ${(error as Error).message}`)
          socket.end(`${JSON.stringify({ok: false, error: (error as Error).message})}\n`)
        },
      )
    })
  })
}
