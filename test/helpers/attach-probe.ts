/**
 * Runs SshTransport.attach on this process's terminal, for tests that give it one with
 * script(1): `node --import tsx attach-probe.ts PORT KEY KNOWN_HOSTS ARGV_JSON`. Exits with
 * what attach resolved to, or 99 printing the error.
 */
import {SshTransport} from '../../src/transport/ssh.js'

const [port, identityFile, knownHostsFile, argvJson] = process.argv.slice(2)
const transport = new SshTransport(
  'probe',
  {user: 'root', address: '127.0.0.1', port: Number(port)},
  {identityFile, knownHostsFile, acceptNewHostKey: true},
)
const stop = new AbortController()
process.once('SIGTERM', () => stop.abort())
process.stdout.write(`[probe pid ${process.pid}]\r\n`)
try {
  const code = await transport.attach(JSON.parse(argvJson!) as string[], {signal: stop.signal})
  process.stdout.write(`\r\n[attach resolved ${code}]\r\n`)
  process.exitCode = code
} catch (error) {
  process.stdout.write(`\r\n[attach failed: ${(error as Error).message}]\r\n`)
  process.exitCode = 99
} finally {
  await transport.close()
}
