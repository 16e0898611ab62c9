import assert from 'node:assert/strict'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {SshTransport} from '../../src/transport/ssh.js'
import {ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'
import {allOf, requireIntegration} from '../helpers/integration.js'
import {type Sshd, sshdUnavailable, startSshd, sshClientEnv} from '../helpers/sshd.js'
import {virshUnavailable} from '../helpers/virsh.js'

const XML = join(ROOT, 'test/fixtures/libvirt/two-hosts-a.xml')

describe('violin over a real sshd to the real virsh and libvirt test driver', () => {
  const home = tempHome()
  const knownHosts = join(home.dir, 'known_hosts')
  let sshd: Sshd
  let env: Record<string, string>

  before(async function () {
    requireIntegration(this, 'sshd + virsh', allOf(sshdUnavailable, virshUnavailable))
    sshd = await startSshd({ports: 2})
    env = sshClientEnv(home.env, knownHosts)
  })
  after(async () => {
    await sshd?.stop()
    home.remove()
  })

  const add = (name: string, port: number, uri: string) =>
    violin(
      [
        'host',
        'add',
        name,
        '--ssh',
        `root@127.0.0.1:${port}`,
        '--site',
        'remote',
        '--driver',
        'libvirt',
        '--uri',
        uri,
        '--identity',
        sshd.userKeyPath,
      ],
      env,
    )

  it('refuses an unknown host key, then accepts and records it with --accept-new-host-key', async () => {
    assert.equal((await add('r1', sshd.ports[0]!, `test://${XML}`)).exitCode, 0)
    assert.equal((await add('r2', sshd.ports[1]!, 'test:///default')).exitCode, 0)
    const refused = await violin(['host', 'check', 'r1'], env)
    assert.equal(refused.exitCode, 6)
    assert.match(refused.stdout, /r1\s+remote\s+root@127\.0\.0\.1:\d+\s+FAIL/)
    assert.ok(!existsSync(knownHosts), 'a refused key must not be recorded')
    const accepted = await violin(['host', 'check', '--accept-new-host-key', '--json'], env)
    assert.equal(accepted.exitCode, 0, accepted.stdout)
    assert.deepEqual(
      accepted.json.map((c: {host: string; cores: number}) => `${c.host}:${c.cores}`),
      ['r1:2', 'r2:16'],
    )
    assert.equal(readFileSync(knownHosts, 'utf8').trim().split('\n').length, 2)
  })

  it('lists and polls the remote hosts once their keys are known', async () => {
    const list = await violin(['list', '--all', '--json'], env)
    assert.equal(list.exitCode, 0, list.stderr)
    assert.equal(list.json.vms.length, 5)
    const usage = await violin(['usage', '--json'], env)
    assert.equal(usage.exitCode, 0, usage.stderr)
    assert.ok(
      usage.json.vms
        .filter((v: {state: string}) => v.state === 'running')
        .every((v: {cpu_percent: number | null}) => typeof v.cpu_percent === 'number'),
    )
  })

  it('sends a VM name full of shell syntax to the remote virsh as one argument, never as code', async () => {
    // libvirt names cannot hold '/', so the payload touches a file in the remote shell's cwd ($HOME).
    const tag = `violin-owned-${process.pid}-${Date.now()}`
    const names = [`x'; touch ${tag}-a; '`, `$(touch ${tag}-b)`, `\`touch ${tag}-c\``]
    const xml = join(home.dir, 'hostile.xml')
    const xmlEscape = (n: string) => n.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll("'", '&apos;').replaceAll('"', '&quot;')
    writeFileSync(
      xml,
      readFileSync(XML, 'utf8')
        .replace('<name>db1</name>', `<name>${xmlEscape(names[0]!)}</name>`)
        .replace('<name>web1</name>', `<name>${xmlEscape(names[1]!)}</name>`)
        .replace('<name>stopped1</name>', `<name>${xmlEscape(names[2]!)}</name>`),
    )
    await add('evil', sshd.ports[0]!, `test://${xml}`)
    for (const name of names) {
      const info = await violinProcess(['dominfo', name, '--host', 'evil', '--json'], env)
      assert.equal(info.exitCode, 0, info.stderr)
      assert.equal(info.json.name, name)
      const mem = await violinProcess(['setmem', name, '200M', '--host', 'evil', '--config'], env)
      assert.equal(mem.exitCode, 0, mem.stderr)
    }
    // Where the remote shell runs is the remote user's home, which the client's HOME need not
    // be: ask the remote shell itself, and prove a command run there leaves its mark there.
    const shell = new SshTransport(
      'probe',
      {user: 'root', address: '127.0.0.1', port: sshd.ports[0]!},
      {identityFile: sshd.userKeyPath, knownHostsFile: knownHosts},
    )
    let remoteHome: string
    try {
      remoteHome = (await shell.run(['sh', '-c', `pwd; touch ${tag}-control`])).stdout.trim()
    } finally {
      await shell.close()
    }
    assert.ok(existsSync(join(remoteHome, `${tag}-control`)), `a command of the remote shell leaves its file in ${remoteHome}`)
    rmSync(join(remoteHome, `${tag}-control`))
    for (const suffix of ['a', 'b', 'c'])
      assert.ok(!existsSync(join(remoteHome, `${tag}-${suffix}`)), `the remote shell ran part of a VM name (${suffix})`)
    const odd = await violinProcess(['dominfo', `it's a "vm" $(x)`, '--host', 'r1', '--json'], env)
    assert.equal(odd.exitCode, 0, odd.stderr)
    assert.equal(odd.json.host, 'r1')
  })

  it('refuses a changed host key, showing both fingerprints, and leaves known_hosts alone', async () => {
    const other = await startSshd()
    try {
      const before = readFileSync(knownHosts, 'utf8')
      // r1's recorded key now answers on a port served by a different host key.
      const lines = before.split('\n').map((l) => l.replace(`[127.0.0.1]:${sshd.ports[0]}`, `[127.0.0.1]:${other.ports[0]}`))
      writeFileSync(knownHosts, lines.join('\n'))
      const changedBefore = readFileSync(knownHosts, 'utf8')
      await violin(
        [
          'host',
          'add',
          'r1',
          '--force',
          '--ssh',
          `root@127.0.0.1:${other.ports[0]}`,
          '--site',
          'remote',
          '--driver',
          'libvirt',
          '--uri',
          'test:///default',
          '--identity',
          sshd.userKeyPath,
        ],
        env,
      )
      const r = await violin(['list', '--host', 'r1', '--accept-new-host-key'], env)
      assert.equal(r.exitCode, 6)
      assert.match(r.stderr, /HOST KEY CHANGED: presented SHA256:\S+, .*known_hosts has SHA256:\S+/)
      assert.match(r.stderr, new RegExp(other.hostFingerprint.replace(/[+/]/g, '\\$&')))
      assert.equal(readFileSync(knownHosts, 'utf8'), changedBefore)
    } finally {
      await other.stop()
    }
  })

  it('a wrong identity is an authentication failure (6)', async () => {
    const key = join(home.dir, 'stranger')
    const {generateKey} = await import('../helpers/sshd.js')
    generateKey(key)
    await violin(
      [
        'host',
        'add',
        'r2',
        '--force',
        '--ssh',
        `root@127.0.0.1:${sshd.ports[1]}`,
        '--site',
        'remote',
        '--driver',
        'libvirt',
        '--uri',
        'test:///default',
        '--identity',
        key,
      ],
      env,
    )
    const r = await violin(['list', '--host', 'r2'], env)
    assert.equal(r.exitCode, 6)
    assert.match(r.stderr, /authentication failed/)
    rmSync(key, {force: true})
  })
})
