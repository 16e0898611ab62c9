import {strict as assert} from 'node:assert'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, type Socket, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {AuthError, CommandFailedError, HostKeyError, TimeoutError, UnreachableError} from '../../src/errors.js'
import {type SshOptions, SshTransport} from '../../src/transport/ssh.js'
import {missingBinary, requireIntegration} from '../helpers/integration.js'
import {LOOPBACK, type Sshd, freePort, hashKnownHosts, sshdUnavailable, startSshd} from '../helpers/sshd.js'

const VIRSH = '/usr/bin/virsh'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Everything here talks to a real OpenSSH sshd on 127.0.0.1 (see test/helpers/sshd.ts),
 * with its own known_hosts files in a temp dir: ~/.ssh is never read or written.
 */
describe('SshTransport against a real sshd', () => {
  let sshd: Sshd // the host under test: two ports, logs every login
  let other: Sshd // a different host key, for the "changed key" case
  let dir: string
  let knownHosts: string // sshd's key for both its ports
  let savedAgent: string | undefined
  const opened: SshTransport[] = []
  let counter = 0

  /** A transport to sshd (or `port`), closed after each test. */
  function transport(options: SshOptions & {port?: number} = {}): SshTransport {
    const {port, ...rest} = options
    const t = new SshTransport(
      'h1',
      {user: 'root', address: LOOPBACK, port: port ?? sshd.ports[0]!},
      {identityFile: sshd.userKeyPath, knownHostsFile: knownHosts, ...rest},
    )
    opened.push(t)
    return t
  }

  /** A path in the temp dir for one test's own known_hosts (absent until written). */
  function freshFile(name: string): string {
    return join(dir, `${name}-${++counter}`)
  }

  const sshClient = async (t: SshTransport) => (await t.run(['sh', '-c', 'echo $SSH_CLIENT'])).stdout.trim()

  before(async function () {
    requireIntegration(this, 'sshd', sshdUnavailable)
    savedAgent = process.env.SSH_AUTH_SOCK
    delete process.env.SSH_AUTH_SOCK // only the keys each test names
    dir = mkdtempSync(join(tmpdir(), 'violin-ssh-test-'))
    ;[sshd, other] = await Promise.all([startSshd({ports: 2, logLevel: 'INFO'}), startSshd()])
    knownHosts = join(dir, 'known_hosts')
    sshd.writeKnownHosts(knownHosts)
  })

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()))
  })

  after(async () => {
    await Promise.all([sshd?.stop(), other?.stop()])
    if (dir) rmSync(dir, {recursive: true, force: true})
    if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent
  })

  describe('running commands', () => {
    it('runs argv on the far side and returns stdout, stderr and the exit code', async () => {
      const t = transport()
      assert.deepEqual(await t.run(['sh', '-c', 'echo hello world; echo warning >&2']), {
        stdout: 'hello world\n',
        stderr: 'warning\n',
        exitCode: 0,
      })
      assert.equal((await t.run(['sh', '-c', 'exit 3'], {allowFailure: true})).exitCode, 3)
      assert.equal((await t.run(['cat'], {stdin: 'piped in'})).stdout, 'piped in')
    })

    it('runs commands in the C locale, whatever the host is set to, since the parsers read English', async () => {
      assert.equal((await transport().run(['sh', '-c', 'echo "$LC_ALL"'])).stdout, 'C\n')
    })

    it('runs the real virsh on the far side', async function () {
      requireIntegration(this, 'virsh', () => missingBinary(VIRSH))
      const r = await transport().run(['virsh', '-c', 'test:///default', 'list', '--all'])
      assert.equal(r.exitCode, 0)
      assert.match(r.stdout, /^\s*1\s+test\s+running$/m)
    })

    it('turns a non-zero exit into CommandFailedError with the code and the tail of stderr', async () => {
      await assert.rejects(transport().run(['sh', '-c', 'echo one >&2; echo two >&2; exit 7']), (error: unknown) => {
        assert.ok(error instanceof CommandFailedError, String(error))
        assert.equal(error.host, 'h1')
        assert.equal(error.code, 7)
        assert.equal(error.stderrTail, 'one | two')
        assert.match(error.message, /^host "h1": `sh -c 'echo one >&2; echo two >&2; exit 7'` exited 7: one \| two$/)
        return true
      })
    })

    it('reports virsh refusing an unknown domain as CommandFailedError with its message', async function () {
      requireIntegration(this, 'virsh', () => missingBinary(VIRSH))
      await assert.rejects(transport().run(['virsh', '-c', 'test:///default', 'dominfo', 'no-such-vm']), (error: unknown) => {
        assert.ok(error instanceof CommandFailedError, String(error))
        assert.equal(error.code, 1)
        assert.match(error.stderrTail, /failed to get domain 'no-such-vm'/)
        return true
      })
    })
  })

  describe('hostile arguments', () => {
    const HOSTILE = [
      "x'; touch /tmp/owned; '",
      '$(id)',
      '`id`',
      'a; echo injected #',
      'a && b || c | d > /dev/null < /etc/passwd',
      "\"double\" 'single' \\back\\slash \\'",
      "'",
      "''",
      '*',
      '~root',
      '$HOME ${PATH}',
      '--help',
      '-n',
      'line one\nline two\n',
      'tab\there',
      'naïve ☃',
      '!! !$',
      '',
    ]
    const markers: string[] = []
    const marker = (tag: string) => {
      const path = join(tmpdir(), `owned-${tag}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`)
      markers.push(path)
      return path
    }
    after(() => {
      for (const m of markers) rmSync(m, {force: true})
    })

    it('delivers each argument byte for byte (printf %s gives back exactly what was sent)', async () => {
      const t = transport()
      for (const arg of HOSTILE) {
        const r = await t.run(['printf', '[%s]', arg])
        assert.equal(r.stdout, `[${arg}]`, JSON.stringify(arg))
      }
      const all = await t.run(['printf', '<%s>', ...HOSTILE])
      assert.equal(all.stdout, HOSTILE.map((a) => `<${a}>`).join(''))
    })

    it('a VM name that tries to close the quote is a name for virsh, not code', async function () {
      requireIntegration(this, 'virsh', () => missingBinary(VIRSH))
      const owned = marker('virsh')
      const name = `x'; touch ${owned}; '`
      const r = await transport().run(['virsh', '-c', 'test:///default', 'dominfo', name], {allowFailure: true})
      assert.equal(r.exitCode, 1)
      assert.ok(r.stderr.includes(`failed to get domain '${name}'`), r.stderr)
      assert.equal(existsSync(owned), false, `${owned} was created`)
    })

    it('command substitution and backticks in an argument are never run', async () => {
      const t = transport()
      const a = marker('subst')
      const b = marker('backtick')
      const c = marker('semicolon')
      await t.run(['sh', '-c', 'true', `$(touch ${a})`])
      await t.run(['sh', '-c', 'true', `\`touch ${b}\``])
      await t.run(['echo', `; touch ${c}`, `&& touch ${c}`, `| touch ${c}`, `\n touch ${c}`])
      for (const m of [a, b, c]) assert.equal(existsSync(m), false, `${m} was created`)
    })
  })

  describe('connection pooling', () => {
    it('opens one connection and runs every command on it, sequential and concurrent', async () => {
      const before = sshd.connectionCount()
      const t = transport()
      // A burst on a fresh transport: the connects must coalesce into one.
      const burst = await Promise.all(Array.from({length: 12}, () => sshClient(t)))
      const sequential: string[] = []
      for (let i = 0; i < 5; i++) sequential.push(await sshClient(t))
      const clients = new Set([...burst, ...sequential])
      assert.equal(clients.size, 1, `commands came from ${[...clients].join(' / ')}`)
      assert.match([...clients][0]!, /^127\.0\.0\.1 \d+ \d+$/)
      assert.equal(sshd.connectionCount() - before, 1, 'sshd accepted more than one login')
    })

    it('opens a new connection after close()', async () => {
      const t = transport()
      const first = await sshClient(t)
      await t.close()
      const second = await sshClient(t)
      assert.notEqual(second, first)
      await t.close()
      await t.close() // closing twice is harmless
    })

    it('opens the connection again after the far side drops it', async () => {
      const t = transport()
      const first = await sshClient(t)
      // Kill this connection's sshd session process: the shell's parent.
      await t.run(['sh', '-c', 'kill -9 $PPID'], {allowFailure: true, timeoutMs: 5000}).catch(() => undefined)
      await sleep(200)
      const second = await sshClient(t)
      assert.notEqual(second, first)
    })

    it('keeps an idle connection alive with keepalives', async () => {
      const before = sshd.connectionCount()
      const t = transport({keepaliveIntervalMs: 200})
      const first = await sshClient(t)
      await sleep(2500) // a dozen keepalive rounds; three unanswered ones would drop it
      assert.equal(await sshClient(t), first)
      assert.equal(sshd.connectionCount() - before, 1)
    })
  })

  describe('timeouts and unreachable hosts', () => {
    it('stops a command at its timeout with TimeoutError, and the connection stays usable', async () => {
      const before = sshd.connectionCount()
      const t = transport()
      const first = await sshClient(t)
      const started = Date.now()
      await assert.rejects(t.run(['sleep', '5'], {timeoutMs: 300}), (error: unknown) => {
        assert.ok(error instanceof TimeoutError, String(error))
        assert.equal(error.ms, 300)
        assert.match(error.message, /^host "h1": sleep 5 timed out after 300 ms/)
        return true
      })
      const took = Date.now() - started
      assert.ok(took >= 280 && took < 2000, `took ${took} ms`)
      assert.equal(await sshClient(t), first)
      assert.equal((await t.run(['echo', 'still here'])).stdout, 'still here\n')
      assert.equal(sshd.connectionCount() - before, 1)
    })

    it('uses the transport-wide command timeout when the call gives none', async () => {
      await assert.rejects(transport({commandTimeoutMs: 250}).run(['sleep', '5']), TimeoutError)
    })

    it('kills the timed-out command on the far side', async () => {
      const t = transport()
      const tag = (13 + Math.random()).toFixed(3) // a duration no one else sleeps
      await assert.rejects(t.run(['sleep', tag], {timeoutMs: 300}), TimeoutError)
      let left = ''
      for (let i = 0; i < 20; i++) {
        left = (await t.run(['ps', '-eo', 'args'])).stdout
          .split('\n')
          .filter((l) => l.trim() === `sleep ${tag}`)
          .join('\n')
        if (!left) break
        await sleep(100)
      }
      assert.equal(left, '', `still running on the far side: ${left}`)
    })

    it('gives up connecting to a port that accepts TCP but never speaks SSH, with TimeoutError', async () => {
      const sockets: Socket[] = []
      const silent = createServer((socket) => sockets.push(socket.on('error', () => undefined)))
      await new Promise<void>((resolve) => silent.listen(0, LOOPBACK, resolve))
      try {
        const {port} = silent.address() as AddressInfo
        const started = Date.now()
        await assert.rejects(transport({port, connectTimeoutMs: 400}).run(['true']), (error: unknown) => {
          assert.ok(error instanceof TimeoutError, String(error))
          assert.equal(error.exitCode, 5)
          assert.match(error.message, /SSH connect timed out after 400 ms/)
          return true
        })
        assert.ok(Date.now() - started < 3000)
      } finally {
        for (const socket of sockets) socket.destroy()
        silent.close()
      }
    })

    it('reports a closed port as UnreachableError', async () => {
      const port = await freePort()
      await assert.rejects(transport({port}).run(['true']), (error: unknown) => {
        assert.ok(error instanceof UnreachableError, String(error))
        assert.equal(error.exitCode, 5)
        assert.match(error.message, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`))
        return true
      })
    })
  })

  describe('authentication', () => {
    it('reports a key the host does not accept as AuthError', async () => {
      await assert.rejects(transport({identityFile: other.userKeyPath}).run(['true']), (error: unknown) => {
        assert.ok(error instanceof AuthError, String(error))
        assert.equal(error.exitCode, 6)
        assert.match(error.message, /root@127\.0\.0\.1 refused every key offered/)
        return true
      })
    })

    it('authenticates with a key held by a real ssh-agent when no identity file is given', async () => {
      const socket = join(dir, 'agent.sock')
      const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'})
      try {
        for (let i = 0; i < 50 && !existsSync(socket); i++) await sleep(20)
        execFileSync('ssh-add', ['-q', sshd.userKeyPath], {env: {...process.env, SSH_AUTH_SOCK: socket}, stdio: 'ignore'})
        process.env.SSH_AUTH_SOCK = socket
        const t = transport({identityFile: undefined})
        assert.equal((await t.run(['echo', 'via agent'])).stdout, 'via agent\n')
      } finally {
        delete process.env.SSH_AUTH_SOCK
        agent.kill()
      }
    })

    it('reports an identity file it cannot read as AuthError', async () => {
      await assert.rejects(
        transport({identityFile: join(dir, 'no-such-key')}).run(['true']),
        /cannot read identity file .*no-such-key: ENOENT/,
      )
    })
  })

  describe('host keys (known_hosts)', () => {
    it('refuses an unknown host key with kind "unknown" and leaves the file as it was', async () => {
      const file = freshFile('unrelated')
      writeFileSync(file, other.knownHostsLine(other.ports[0]!)) // another host only
      const text = readFileSync(file, 'utf8')
      await assert.rejects(transport({knownHostsFile: file}).run(['true']), (error: unknown) => {
        assert.ok(error instanceof HostKeyError, String(error))
        assert.equal(error.kind, 'unknown')
        assert.equal(error.exitCode, 6)
        assert.equal(error.presented, `ssh-ed25519 ${sshd.hostFingerprint}`)
        assert.ok(error.message.includes(sshd.hostFingerprint), error.message)
        assert.ok(error.message.includes(file), error.message)
        return true
      })
      assert.equal(readFileSync(file, 'utf8'), text)
    })

    it('refuses an unknown host key when there is no known_hosts file, and creates none', async () => {
      const file = freshFile('absent')
      await assert.rejects(
        transport({knownHostsFile: file}).run(['true']),
        (error: unknown) => error instanceof HostKeyError && error.kind === 'unknown',
      )
      assert.equal(existsSync(file), false)
    })

    it('with acceptNewHostKey records an unknown key, which a later transport then trusts', async () => {
      const file = freshFile('accept')
      const port = sshd.ports[1]!
      assert.equal((await transport({knownHostsFile: file, port, acceptNewHostKey: true}).run(['echo', 'first'])).stdout, 'first\n')
      assert.equal(readFileSync(file, 'utf8'), sshd.knownHostsLine(port))
      assert.equal((await transport({knownHostsFile: file, port}).run(['echo', 'second'])).stdout, 'second\n')
      // Known now: accepting again appends nothing.
      await transport({knownHostsFile: file, port, acceptNewHostKey: true}).run(['true'])
      assert.equal(readFileSync(file, 'utf8'), sshd.knownHostsLine(port))
    })

    it('refuses a changed host key even with acceptNewHostKey, names both fingerprints, and leaves the file as it was', async () => {
      const file = freshFile('changed')
      const port = other.ports[0]!
      writeFileSync(file, sshd.knownHostsLine(port)) // sshd's key recorded for other's address
      const text = readFileSync(file, 'utf8')
      assert.notEqual(other.hostFingerprint, sshd.hostFingerprint)
      await assert.rejects(transport({knownHostsFile: file, port, acceptNewHostKey: true}).run(['true']), (error: unknown) => {
        assert.ok(error instanceof HostKeyError, String(error))
        assert.equal(error.kind, 'changed')
        assert.equal(error.presented, other.hostFingerprint)
        assert.deepEqual(error.known, [sshd.hostFingerprint])
        assert.match(error.message, /HOST KEY CHANGED/)
        assert.ok(error.message.includes(other.hostFingerprint) && error.message.includes(sshd.hostFingerprint), error.message)
        assert.match(error.hint ?? '', /ssh-keygen -R/)
        return true
      })
      assert.equal(readFileSync(file, 'utf8'), text)
    })

    it('refuses a key marked @revoked', async () => {
      const file = freshFile('revoked')
      writeFileSync(file, `@revoked * ${sshd.hostPublicKey}\n${sshd.knownHostsLine(sshd.ports[0]!)}`)
      await assert.rejects(transport({knownHostsFile: file, acceptNewHostKey: true}).run(['true']), (error: unknown) => {
        assert.ok(error instanceof HostKeyError, String(error))
        assert.match(error.presented, /\(revoked\)$/)
        return true
      })
    })

    it('honours entries hashed by ssh-keygen -H', async () => {
      const file = freshFile('hashed')
      const text = sshd.writeKnownHosts(file, sshd.ports, {hashed: true})
      assert.match(text, /^\|1\|[^ ]+ ssh-ed25519 /)
      assert.ok(!text.includes('127.0.0.1'), text)
      for (const port of sshd.ports)
        assert.equal((await transport({knownHostsFile: file, port}).run(['echo', String(port)])).stdout, `${port}\n`)
      // ...and still tells a changed key apart through the hash.
      const changed = freshFile('hashed-changed')
      writeFileSync(changed, sshd.knownHostsLine(other.ports[0]!))
      hashKnownHosts(changed)
      await assert.rejects(
        transport({knownHostsFile: changed, port: other.ports[0]!, acceptNewHostKey: true}).run(['true']),
        (error: unknown) => error instanceof HostKeyError && error.kind === 'changed',
      )
      assert.equal(readFileSync(file, 'utf8'), text)
    })

    it('reads VIOLIN_KNOWN_HOSTS when no file is given', async () => {
      const saved = process.env.VIOLIN_KNOWN_HOSTS
      process.env.VIOLIN_KNOWN_HOSTS = knownHosts
      try {
        const t = new SshTransport('h1', {user: 'root', address: LOOPBACK, port: sshd.ports[0]!}, {identityFile: sshd.userKeyPath})
        opened.push(t)
        assert.equal((await t.run(['echo', 'ok'])).stdout, 'ok\n')
      } finally {
        if (saved === undefined) delete process.env.VIOLIN_KNOWN_HOSTS
        else process.env.VIOLIN_KNOWN_HOSTS = saved
      }
    })
  })
})
