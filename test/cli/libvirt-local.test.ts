import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {join} from 'node:path'

import {ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'
import {requireIntegration} from '../helpers/integration.js'
import {virshUnavailable} from '../helpers/virsh.js'

const XML = join(ROOT, 'test/fixtures/libvirt/two-hosts-a.xml')
const HOSTILE = `it's a "vm" $(x)`

/**
 * `violin migrate ...` as a child process in a process group of its own. Debian 12's virsh
 * (libvirt 9.0) hangs on `migrate` against the test driver before printing anything, about
 * 1 run in 17 (measured here: 14 of 240, with or without --verbose, --p2p or --offline; its
 * job watch misses the job's end). A run still going after 15 s is killed with its virsh
 * and taken again, at most twice: three hangs in a row (about 1 in 5,000) fail the test.
 */
async function migrateOnTestDriver(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const {execa} = await import('execa')
  for (let attempt = 0; attempt < 3; attempt++) {
    const child = execa(process.execPath, [join(ROOT, 'bin', 'run.js'), 'migrate', ...args], {
      reject: false,
      env: {...env, FORCE_COLOR: '0'},
      extendEnv: true,
      stdin: 'ignore',
      detached: true,
    })
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000)
    const r = await child
    clearTimeout(timer)
    if (r.signal !== 'SIGKILL') return {stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1}
  }
  assert.fail(`violin migrate ${args.join(' ')}: virsh hung three times`)
}

describe('violin over the real virsh and libvirt test driver, locally', () => {
  const home = tempHome()

  before(function () {
    requireIntegration(this, 'virsh', virshUnavailable)
  })
  after(() => home.remove())

  it('adds hosts to the inventory and lists them', async () => {
    const a = await violin(['host', 'add', 'lab-a', '--local', '--site', 'lab', '--driver', 'libvirt', '--uri', `test://${XML}`], home.env)
    assert.equal(a.exitCode, 0, a.stderr)
    const b = await violin(
      ['host', 'add', 'lab-b', '--local', '--site', 'lab', '--driver', 'libvirt', '--uri', 'test:///default'],
      home.env,
    )
    assert.equal(b.exitCode, 0, b.stderr)
    const dup = await violin(['host', 'add', 'lab-b', '--local', '--site', 'lab', '--driver', 'libvirt'], home.env)
    assert.equal(dup.exitCode, 2)
    assert.match(dup.stderr, /already in the inventory/)
    const list = await violin(['host', 'list', '--json'], home.env)
    assert.deepEqual(
      list.json.map((h: {name: string}) => h.name),
      ['lab-a', 'lab-b'],
    )
  })

  it('host check discovers cores, memory and the hypervisor and records them', async () => {
    const r = await violin(['host', 'check', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    const a = r.json.find((c: {host: string}) => c.host === 'lab-a')
    assert.equal(a.ok, true)
    assert.equal(a.cores, 2)
    assert.equal(a.memory_mib, 16384)
    assert.equal(a.hypervisor, 'test')
    const hosts = await violin(['host', 'list', '--format', 'csv'], home.env)
    // Raw values under the JSON's keys: memory in MiB, not "16 GiB".
    assert.match(
      hosts.stdout,
      /^name,site,transport\.kind,driver,uri,.*,maintenance,agent,discovered\.cores,discovered\.memory_mib,discovered\.hypervisor,discovered\.hypervisor_version,discovered\.checked_at$/m,
    )
    assert.match(hosts.stdout, /^lab-a,lab,local,libvirt,test:\/\/[^,]*,,,,,false,,2,16384,test,0\.0\.2,\d{4}-/m)
  })

  it('lists the VMs of every host, the odd name intact', async () => {
    const r = await violin(['list', '--all', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    const names = r.json.vms.map((v: {host: string; name: string}) => `${v.host}/${v.name}`).sort()
    assert.deepEqual(names, ['lab-a/db1', `lab-a/${HOSTILE}`, 'lab-a/stopped1', 'lab-a/web1', 'lab-b/test'])
    const stopped = r.json.vms.find((v: {name: string}) => v.name === 'stopped1')
    assert.equal(stopped.state, 'shutoff')
    assert.equal(stopped.id, null)
  })

  it('dominfo reads the VM wherever it is, hostile name included', async () => {
    const r = await violinProcess(['dominfo', HOSTILE, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.host, 'lab-a')
    assert.equal(r.json.max_memory_mib, 256)
  })

  it('usage turns test-driver counters into rates for every running VM', async () => {
    const r = await violin(['usage', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    const web1 = r.json.vms.find((v: {name: string}) => v.name === 'web1')
    assert.equal(typeof web1.cpu_percent, 'number')
    assert.equal(web1.memory_mib, 512)
    assert.equal(web1.max_memory_mib, 1024)
    assert.ok(r.json.interval_sec >= 1)
    assert.deepEqual(
      r.json.hosts.map((h: {status: string}) => h.status),
      ['ok', 'ok'],
    )
  })

  it('setmem goes through to virsh, and more than max memory is refused before virsh is asked (2)', async () => {
    // --wait 0: the test driver forgets the change when that virsh process ends, so the
    // balloon check (test/bed/ does it on real guests) would read the old value.
    const ok = await violin(['setmem', 'web1', '768M', '--live', '--wait', '0'], home.env)
    assert.equal(ok.exitCode, 0, ok.stderr)
    assert.match(ok.stdout, /set to 768 MiB \(live\)/)
    const tooBig = await violin(['setmem', 'web1', '2G'], home.env)
    assert.equal(tooBig.exitCode, 2)
    assert.match(tooBig.stderr, /max memory 1024 MiB/)
  })

  it('schedinfo shows the scheduler, and a weight the driver ignores is an error, not a success', async () => {
    const show = await violin(['schedinfo', 'db1', '--json'], home.env)
    assert.deepEqual(show.json.params, {scheduler: 'fair', weight: 50})
    const set = await violin(['schedinfo', 'db1', '--set', 'weight=100'], home.env)
    assert.equal(set.exitCode, 1)
    assert.match(set.stderr, /accepted weight=100 for "db1" but still reports weight=50/)
  })

  it('migrate refuses, before virsh is asked, a VM whose writable disk the destination cannot reach', async () => {
    const r = await violin(['migrate', 'test', 'lab-a', '--live'], home.env)
    assert.equal(r.exitCode, 1, r.stderr)
    assert.match(r.stderr, /"test" has a writable disk \/guest\/diskimage1 on host "lab-b" that host "lab-a" cannot reach/)
    assert.match(r.stderr, /--copy-storage-all/)
  })

  it('migrate reports what virsh said when the driver cannot migrate', async function () {
    this.timeout(60_000)
    const r = await migrateOnTestDriver(['web1', 'lab-b', '--live'], home.env)
    assert.equal(r.exitCode, 1, r.stderr)
    assert.match(r.stderr, /migrating "web1" from "lab-a" to "lab-b" failed/)
  })

  it('migrate refuses to move a shut-off VM live, pointing at --offline; --offline goes to virsh migrate --offline', async function () {
    this.timeout(60_000)
    const r = await violin(['migrate', 'stopped1', 'lab-b', '--live'], home.env)
    assert.equal(r.exitCode, 2, r.stderr)
    assert.match(
      r.stderr,
      /^error: VM "stopped1" is shut off: a live migration moves a running VM\nTry: violin migrate stopped1 lab-b --offline/,
    )
    // The test driver cannot migrate at all: what matters is that virsh was asked for an offline move and its refusal reported.
    const offline = await migrateOnTestDriver(['stopped1', 'lab-b', '--offline'], home.env)
    assert.equal(offline.exitCode, 1, offline.stderr)
    assert.match(offline.stderr, /moving the definition of "stopped1" from "lab-a" to "lab-b" failed/)
    const running = await violin(['migrate', 'web1', 'lab-b', '--offline'], home.env)
    assert.equal(running.exitCode, 2)
    assert.match(running.stderr, /VM "web1" is running: --offline moves only a shut-off VM's definition/)
  })

  it('host sync reports new VMs, records them with --write, then reports no drift', async () => {
    const first = await violin(['host', 'sync', '--json', '--exit-code'], home.env)
    assert.equal(first.exitCode, 1)
    assert.equal(first.json.drift.length, 5)
    assert.ok(first.json.drift.every((d: {kind: string}) => d.kind === 'new'))
    const write = await violin(['host', 'sync', '--write', '--quiet'], home.env)
    assert.equal(write.exitCode, 0)
    const again = await violin(['host', 'sync', '--exit-code'], home.env)
    assert.equal(again.exitCode, 0)
    assert.match(again.stdout, /No drift/)
  })

  it('host sync reports a VM that moved when the inventory says otherwise', async () => {
    const file = join(home.dir, 'inventory.json')
    const data = JSON.parse(readFileSync(file, 'utf8'))
    data.vms.db1.host = 'lab-b'
    writeFileSync(file, JSON.stringify(data))
    const r = await violin(['host', 'sync', '--json'], home.env)
    assert.deepEqual(r.json.drift, [{vm: 'db1', kind: 'moved', recorded: 'lab-b', found: ['lab-a']}])
  })

  it('a hand-broken inventory is named with its field, exits 3, and is left as it was', async () => {
    const file = join(home.dir, 'inventory.json')
    const data = JSON.parse(readFileSync(file, 'utf8'))
    data.hosts['lab-b'].driver = 'vmware'
    const broken = JSON.stringify(data, null, 1)
    writeFileSync(file, broken)
    for (const args of [
      ['list'],
      ['host', 'add', 'x', '--local', '--site', 's', '--driver', 'sim', '--uri', 'f.yaml'],
      ['host', 'rm', 'lab-a'],
    ]) {
      const r = await violin(args, home.env)
      assert.equal(r.exitCode, 3, args.join(' '))
      assert.match(r.stderr, /inventory\.json:\d+:\d+: hosts\.lab-b\.driver: expected one of libvirt, xl, sim, found /)
    }
    writeFileSync(file, '{"hosts": {')
    const r = await violin(['host', 'list'], home.env)
    assert.equal(r.exitCode, 3)
    assert.match(r.stderr, /not valid JSON/)
    assert.equal(readFileSync(file, 'utf8'), '{"hosts": {')
  })

  it('host rm removes a host; an unknown one exits 4', async () => {
    const file = join(home.dir, 'inventory.json')
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        hosts: {h: {name: 'h', site: 's', driver: 'libvirt', transport: {kind: 'local'}, uri: 'test:///default'}},
        vms: {},
      }),
    )
    assert.equal((await violin(['host', 'rm', 'h'], home.env)).exitCode, 0)
    const again = await violin(['host', 'rm', 'h'], home.env)
    assert.equal(again.exitCode, 4)
    assert.match(again.stderr, /Try: violin host list/)
  })

  it('prints the reachable hosts and exits 7 when one host does not answer', async () => {
    const file = join(home.dir, 'inventory.json')
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const {port} = server.address() as AddressInfo
        server.close(() => resolve(port))
      })
    })
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        hosts: {
          up: {name: 'up', site: 's', driver: 'libvirt', transport: {kind: 'local'}, uri: 'test:///default'},
          down: {
            name: 'down',
            site: 's',
            driver: 'libvirt',
            transport: {kind: 'ssh', user: 'root', address: '127.0.0.1', port: closedPort},
          },
        },
        vms: {},
      }),
    )
    const list = await violinProcess(['list'], home.env)
    assert.equal(list.exitCode, 7)
    assert.match(list.stdout, /up\s+s\s+1\s+test\s+running/)
    assert.match(list.stderr, new RegExp(`warning: host "down" is unreachable: ECONNREFUSED 127.0.0.1:${closedPort}`))
    const usage = await violinProcess(['usage', '--json'], home.env)
    assert.equal(usage.exitCode, 7)
    assert.deepEqual(usage.json.hosts.map((h: {host: string; status: string}) => `${h.host}:${h.status}`).sort(), [
      'down:unreachable',
      'up:ok',
    ])
    const check = await violinProcess(['host', 'check', 'down'], home.env)
    assert.equal(check.exitCode, 5) // every host asked failed the same way: that failure's own status
    assert.match(check.stdout, /down\s+s\s+root@127\.0\.0\.1:\d+\s+FAIL/)
  })

  it('--connect points one command at a libvirt URI instead of the inventory', async () => {
    const r = await violin(['list', '--connect', 'test:///default', '--name'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'test')
  })
})
