import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {type Sshd, sshdUnavailable, startSshd, sshClientEnv} from '../helpers/sshd.js'
import {virshUnavailable} from '../helpers/virsh.js'

/**
 * A host whose hypervisor does not answer is a failed host, never a host with no VMs. The
 * real virsh is pointed at a libvirtd socket that is not there: what it says when libvirtd
 * is stopped ("failed to connect to the hypervisor"), here or at the far end of an sshd.
 */
const DOWN_URI = 'qemu+unix:///system?socket=/nonexistent/libvirt-sock'
const SAID =
  /the hypervisor did not answer \(virsh -c qemu\+unix:\/\/\/system\?socket=\/nonexistent\/libvirt-sock: failed to connect to the hypervisor/

type Host = {name: string; transport: Record<string, unknown>; uri: string; identity?: string}

function inventory(dir: string, hosts: Host[], vms: Record<string, {host: string}> = {}): void {
  const record = (h: Host) => [
    h.name,
    {name: h.name, site: 's', driver: 'libvirt', transport: h.transport, uri: h.uri, ...(h.identity ? {identity: h.identity} : {})},
  ]
  writeFileSync(
    join(dir, 'inventory.json'),
    JSON.stringify({version: 1, hosts: Object.fromEntries(hosts.map(record)), vms, environments: {}}),
  )
}

function checksAHostWithoutHypervisor(
  label: string,
  setup: () => Promise<{env: Record<string, string>; up: string; down: string; dir: string; hosts: Host[]}>,
  teardown: () => Promise<void>,
) {
  describe(`a host whose libvirt does not answer, ${label}`, function () {
    this.timeout(60_000)
    let env: Record<string, string>
    let up: string
    let down: string
    let dir: string
    let hosts: Host[]

    before(async () => {
      ;({env, up, down, dir, hosts} = await setup())
    })
    after(teardown)
    beforeEach(() => inventory(dir, hosts, {test: {host: up}, 'on-down': {host: down}}))

    it('list names it on stderr and in --json failed, lists the other host, exits 7; alone, exits 5', async () => {
      const both = await violinProcess(['list', '--all'], env)
      assert.equal(both.exitCode, 7, both.stderr)
      assert.match(both.stdout, new RegExp(`${up}\\s+s\\s+1\\s+test\\s+running`))
      assert.match(both.stderr, new RegExp(`^warning: host "${down}": ${SAID.source}`, 'm'))
      const alone = await violinProcess(['list', '--host', down, '--json'], env)
      assert.equal(alone.exitCode, 5, alone.stderr)
      assert.deepEqual(alone.json.vms, [])
      assert.deepEqual(
        alone.json.failed.map((f: {host: string; exit_code: number}) => [f.host, f.exit_code]),
        [[down, 5]],
      )
      assert.match(alone.json.failed[0].error, SAID)
    })

    it('usage reports it as not answering and exits 7; alone, 5', async () => {
      const both = await violinProcess(['usage', '--json'], env)
      assert.equal(both.exitCode, 7, both.stderr)
      const status = Object.fromEntries(both.json.hosts.map((h: {host: string; status: string}) => [h.host, h.status]))
      assert.deepEqual(status, {[up]: 'ok', [down]: 'unreachable'})
      const alone = await violinProcess(['usage', '--host', down], env)
      assert.equal(alone.exitCode, 5)
      assert.match(alone.stdout, /^No host answered:/, 'no interval or time is stated when no host gave one')
      assert.doesNotMatch(alone.stdout, /1970/)
    })

    it('dominfo of a VM it cannot find names the host that did not answer: 7 when another answered, 5 when none did', async () => {
      const some = await violinProcess(['dominfo', 'on-down'], env)
      assert.equal(some.exitCode, 7, some.stderr)
      assert.match(some.stderr, new RegExp(`VM "on-down" was not found, and 1 of 2 host\\(s\\) did not answer: ${down} \\(`))
      assert.match(some.stderr, SAID)
      const none = await violinProcess(['dominfo', 'on-down', '--host', down, '--json'], env)
      assert.equal(none.exitCode, 5, none.stdout)
      assert.match(none.json.error.message, SAID)
      assert.equal((await violinProcess(['dominfo', 'test'], env)).exitCode, 0, 'a VM on the host that answered is found')
    })

    it('host sync --write keeps the records of VMs on the host that did not answer, and exits 7 (5 alone)', async () => {
      const before = readFileSync(join(dir, 'inventory.json'), 'utf8')
      const r = await violinProcess(['host', 'sync', '--write', '--json'], env)
      assert.equal(r.exitCode, 7, r.stderr)
      assert.deepEqual(
        r.json.failed.map((f: {host: string}) => f.host),
        [down],
      )
      assert.deepEqual(r.json.drift, [])
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8')).vms, JSON.parse(before).vms)
      const alone = await violinProcess(['host', 'sync', down, '--write'], env)
      assert.equal(alone.exitCode, 5, alone.stderr)
      assert.match(alone.stderr, SAID)
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8')).vms, JSON.parse(before).vms)
    })

    it('adapt --once --dry-run plans without it, names it and exits 7', async () => {
      const r = await violinProcess(['adapt', '--once', '--dry-run', '--interval', '1', '--policy', 'none'], env)
      assert.equal(r.exitCode, 7, r.stderr)
      assert.match(r.stderr, new RegExp(`^warning: host "${down}": ${SAID.source}`, 'm'))
      const json = await violinProcess(['adapt', '--once', '--dry-run', '--interval', '1', '--policy', 'none', '--json'], env)
      assert.equal(json.exitCode, 7)
      assert.deepEqual(
        json.json.unanswered.map((u: {host: string; exit_code: number}) => [u.host, u.exit_code]),
        [[down, 5]],
      )
      assert.equal(json.json.seen.hosts, 1)
    })
  })
}

describe('hypervisors that do not answer (real virsh)', () => {
  before(function () {
    requireIntegration(this, 'virsh', virshUnavailable)
  })

  const home = tempHome()
  checksAHostWithoutHypervisor(
    'on this machine',
    async () => ({
      env: home.env,
      up: 'up',
      down: 'down',
      dir: home.dir,
      hosts: [
        {name: 'up', transport: {kind: 'local'}, uri: 'test:///default'},
        {name: 'down', transport: {kind: 'local'}, uri: DOWN_URI},
      ],
    }),
    async () => home.remove(),
  )

  it('list --connect to a libvirt that does not answer exits 5 and says so, instead of listing nothing', async () => {
    const r = await violin(['list', '--connect', DOWN_URI], home.env)
    assert.equal(r.exitCode, 5, r.stdout)
    assert.match(r.stderr, SAID)
  })

  it("host sync knows the VMs of violin's own environments: not new; one found elsewhere is moved, and --write records it in its environment", async () => {
    const env = tempHome()
    try {
      const vm = (name: string, host: string) => ({
        name,
        role: name === 'test' ? 'head' : 'compute',
        host,
        mac: '52:54:00:00:00:01',
        vcpus: 1,
        memoryMiB: 128,
        maxMemoryMiB: 128,
      })
      const hosts = {
        a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'local'}, uri: 'test:///default'},
        b: {
          name: 'b',
          site: 's',
          driver: 'libvirt',
          transport: {kind: 'local'},
          uri: `test://${join(ROOT, 'test/fixtures/libvirt/two-hosts-a.xml')}`,
        },
      }
      // `test` (on a) is where its environment says; web1 (on b) is recorded on a.
      const environments = {
        lab: {name: 'lab', headSite: 's', createdAt: '2026-12-01T00:00:00.000Z', vms: [vm('test', 'a'), vm('web1', 'a')]},
      }
      writeFileSync(join(env.dir, 'inventory.json'), JSON.stringify({version: 1, hosts, vms: {}, environments}))
      const r = await violin(['host', 'sync', '--json'], env.env)
      assert.equal(r.exitCode, 0, r.stderr)
      const kinds = Object.fromEntries(r.json.drift.map((d: {vm: string; kind: string}) => [d.vm, d.kind]))
      assert.equal(kinds.test, undefined, "the environment's head is where it was put")
      assert.equal(kinds.web1, 'moved')
      assert.equal(kinds.db1, 'new', 'a VM violin did not make is still new')
      assert.equal((await violin(['host', 'sync', '--write', '--quiet'], env.env)).exitCode, 0)
      const after = JSON.parse(readFileSync(join(env.dir, 'inventory.json'), 'utf8'))
      assert.deepEqual(
        after.environments.lab.vms.map((v: {name: string; host: string}) => `${v.name}@${v.host}`),
        ['test@a', 'web1@b'],
      )
      assert.equal(after.vms.web1, undefined, 'kept in its environment, not as a stray VM')
    } finally {
      env.remove()
    }
  })

  describe('over SSH', () => {
    const remote = tempHome()
    let sshd: Sshd | undefined
    before(function () {
      requireIntegration(this, 'sshd', sshdUnavailable)
    })
    checksAHostWithoutHypervisor(
      'at the far end of an sshd',
      async () => {
        sshd = await startSshd({ports: 2})
        const env = sshClientEnv(remote.env, join(remote.dir, 'known_hosts'))
        const ssh = (port: number) => ({kind: 'ssh', user: 'root', address: '127.0.0.1', port})
        const hosts = [
          {name: 'r-up', transport: ssh(sshd.ports[0]!), uri: 'test:///default', identity: sshd.userKeyPath},
          {name: 'r-down', transport: ssh(sshd.ports[1]!), uri: DOWN_URI, identity: sshd.userKeyPath},
        ]
        inventory(remote.dir, hosts)
        await violin(['host', 'check', '--accept-new-host-key'], env)
        return {env, up: 'r-up', down: 'r-down', dir: remote.dir, hosts}
      },
      async () => {
        await sshd?.stop()
        remote.remove()
      },
    )
  })
})
