import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {LocalTransport} from '../../src/transport/local.js'
import {SshTransport} from '../../src/transport/ssh.js'
import type {RunOptions, Transport} from '../../src/transport/transport.js'
import {requireIntegration} from '../helpers/integration.js'
import {LOOPBACK, type Sshd, sshdUnavailable, startSshd} from '../helpers/sshd.js'

/**
 * The output rule of Transport (src/transport/transport.ts), the same cases on every
 * transport: stdout and stderr come back exactly as the program wrote them.
 */
const CASES: Array<{what: string; argv: string[]; options?: RunOptions; stdout: string; stderr: string}> = [
  {what: 'keeps the final newline of stdout and of stderr', argv: ['sh', '-c', 'echo out; echo err >&2'], stdout: 'out\n', stderr: 'err\n'},
  {
    what: 'keeps every final newline, and a CRLF as is',
    argv: ['sh', '-c', 'printf "a\\n\\n"; printf "b\\r\\n" >&2'],
    stdout: 'a\n\n',
    stderr: 'b\r\n',
  },
  {what: 'adds no newline where the program wrote none', argv: ['printf', 'x'], stdout: 'x', stderr: ''},
  {what: 'gives back what cat read, whole', argv: ['cat'], options: {stdin: 'one\ntwo\n'}, stdout: 'one\ntwo\n', stderr: ''},
  {what: 'gives empty strings for a program that prints nothing', argv: ['true'], stdout: '', stderr: ''},
  {what: 'decodes UTF-8', argv: ['printf', 'naïve ☃\\n'], stdout: 'naïve ☃\n', stderr: ''},
]

function obeysTheOutputRule(transport: () => Transport): void {
  for (const c of CASES) {
    it(c.what, async () => {
      assert.deepEqual(await transport().run(c.argv, c.options), {stdout: c.stdout, stderr: c.stderr, exitCode: 0})
    })
  }
}

describe("every transport returns a program's output exactly as written", () => {
  describe('LocalTransport', () => {
    const local = new LocalTransport('here')
    obeysTheOutputRule(() => local)
  })

  describe('SshTransport, to a real sshd', () => {
    let sshd: Sshd | undefined
    let dir: string | undefined
    let ssh: SshTransport | undefined
    let savedAgent: string | undefined

    before(async function () {
      requireIntegration(this, 'sshd', sshdUnavailable)
      savedAgent = process.env.SSH_AUTH_SOCK
      delete process.env.SSH_AUTH_SOCK // only the key sshd authorized
      sshd = await startSshd()
      dir = mkdtempSync(join(tmpdir(), 'violin-output-test-'))
      const knownHostsFile = join(dir, 'known_hosts')
      sshd.writeKnownHosts(knownHostsFile)
      ssh = new SshTransport(
        'h1',
        {user: 'root', address: LOOPBACK, port: sshd.ports[0]!},
        {identityFile: sshd.userKeyPath, knownHostsFile},
      )
    })

    after(async () => {
      await ssh?.close()
      await sshd?.stop()
      if (dir) rmSync(dir, {recursive: true, force: true})
      if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent
    })

    obeysTheOutputRule(() => ssh!)
  })
})
