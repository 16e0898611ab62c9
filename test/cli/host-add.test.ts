import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {tempHome, violin, violinProcess} from '../helpers/cli.js'
import {allOf, requireIntegration} from '../helpers/integration.js'
import {type Sshd, sshdUnavailable, startSshd, sshClientEnv} from '../helpers/sshd.js'
import {virshUnavailable} from '../helpers/virsh.js'

describe('host add refuses what it cannot use, in one line, and leaves the inventory alone', function () {
  this.timeout(60_000)
  const home = tempHome()
  after(() => home.remove())

  const inventory = async () => (await violinProcess(['host', 'list', '--json'], home.env)).json
  const cases: Array<[string, string[], RegExp]> = [
    [
      'neither --ssh nor --local',
      ['host', 'add', 'h1', '--site', 's', '--driver', 'libvirt'],
      /^error: give exactly one of --ssh USER@ADDR\[:PORT\] and --local/,
    ],
    [
      'shell syntax in --ssh',
      ['host', 'add', 'h2', '--ssh', 'root@1.2.3.4;reboot', '--site', 's', '--driver', 'libvirt'],
      /^error: "root@1\.2\.3\.4;reboot" is not an SSH target/,
    ],
    [
      'a newline in --ssh',
      ['host', 'add', 'h2', '--ssh', 'root@h1\nreboot', '--site', 's', '--driver', 'libvirt'],
      /^error: "root@h1\\nreboot" is not an SSH target/,
    ],
    [
      'shell syntax in the --ssh user',
      ['host', 'add', 'h2', '--ssh', '$(reboot)@h1', '--site', 's', '--driver', 'libvirt'],
      /is not an SSH target: the user may hold letters/,
    ],
    [
      'a libvirt --uri on an xl host',
      ['host', 'add', 'h3', '--local', '--driver', 'xl', '--uri', 'qemu:///system', '--site', 's'],
      /^error: --uri is for libvirt .* an xl host takes none/,
    ],
    [
      'an absurd --cpu-overcommit',
      ['host', 'add', 'h4', '--local', '--driver', 'libvirt', '--site', 's', '--cpu-overcommit', '1e99'],
      /^error: --cpu-overcommit takes vCPUs per core, more than 0 and at most 64/,
    ],
    [
      'too large a --cpu-overcommit',
      ['host', 'add', 'h4', '--local', '--driver', 'libvirt', '--site', 's', '--cpu-overcommit', '65'],
      /not 65$/m,
    ],
    [
      'a site name with a newline',
      ['host', 'add', 'h5', '--local', '--driver', 'libvirt', '--site', 'east\nwest'],
      /^error: site "east\\nwest" is not a site name/,
    ],
    [
      '--accept-new-host-key on a --local host',
      ['host', 'add', 'h6', '--local', '--driver', 'libvirt', '--site', 's', '--accept-new-host-key'],
      /^error: --accept-new-host-key records an SSH host key: it goes with --ssh/,
    ],
  ]

  for (const [what, argv, message] of cases) {
    it(`refuses ${what} (exit 2, one line, inventory unchanged)`, async () => {
      const before = await inventory()
      const r = await violinProcess(argv, home.env)
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(r.stderr, message)
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr)
      assert.deepEqual(await inventory(), before)
    })
  }

  it('still takes a plain target, an IPv6 one and a fractional overcommit', async () => {
    assert.equal(
      (
        await violin(
          ['host', 'add', 'ok1', '--ssh', 'admin.user@host-1.example.org:2222', '--site', 'east', '--driver', 'libvirt'],
          home.env,
        )
      ).exitCode,
      0,
    )
    assert.equal(
      (await violin(['host', 'add', 'ok2', '--ssh', 'root@[fe80::1%eth0]', '--site', 'east', '--driver', 'xl'], home.env)).exitCode,
      0,
    )
    assert.equal(
      (await violin(['host', 'add', 'ok3', '--local', '--site', 'east', '--driver', 'libvirt', '--cpu-overcommit', '1.5'], home.env))
        .exitCode,
      0,
    )
    const hosts = await inventory()
    assert.deepEqual(
      hosts.map((h: {name: string}) => h.name),
      ['ok1', 'ok2', 'ok3'],
    )
    assert.deepEqual(hosts[1].transport, {kind: 'ssh', user: 'root', address: 'fe80::1%eth0', port: 22})
  })
})

describe('host add --accept-new-host-key over a real sshd', () => {
  const home = tempHome()
  const knownHosts = join(home.dir, 'known_hosts')
  let sshd: Sshd
  let env: Record<string, string>

  before(async function () {
    requireIntegration(this, 'sshd + virsh', allOf(sshdUnavailable, virshUnavailable))
    sshd = await startSshd()
    env = sshClientEnv(home.env, knownHosts)
  })
  after(async () => {
    await sshd?.stop()
    home.remove()
  })

  it('connects once and records the key, so that host check then succeeds without the flag', async () => {
    const add = await violin(
      [
        'host',
        'add',
        'k1',
        '--ssh',
        `root@127.0.0.1:${sshd.ports[0]}`,
        '--site',
        'remote',
        '--driver',
        'libvirt',
        '--uri',
        'test:///default',
        '--identity',
        sshd.userKeyPath,
        '--accept-new-host-key',
      ],
      env,
    )
    assert.equal(add.exitCode, 0, add.stderr)
    assert.match(add.stdout, /Recorded the SSH host key of k1 in known_hosts/)
    assert.equal(readFileSync(knownHosts, 'utf8').trim().split('\n').length, 1)
    const check = await violin(['host', 'check', 'k1', '--json'], env)
    assert.equal(check.exitCode, 0, check.stdout + check.stderr)
    assert.equal(check.json[0].ok, true)
  })

  it('adds nothing when the host cannot be reached to record its key', async () => {
    const r = await violin(
      [
        'host',
        'add',
        'k2',
        '--ssh',
        'root@127.0.0.1:1',
        '--site',
        'remote',
        '--driver',
        'libvirt',
        '--identity',
        sshd.userKeyPath,
        '--accept-new-host-key',
      ],
      env,
    )
    assert.equal(r.exitCode, 5, r.stderr)
    assert.deepEqual(
      (await violin(['host', 'list', '--json'], env)).json.map((h: {name: string}) => h.name),
      ['k1'],
    )
    assert.ok(existsSync(knownHosts))
  })
})
