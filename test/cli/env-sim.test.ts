import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'

/**
 * Environment commands against the simulated two-site cluster (examples/two-sites.yaml):
 * placement and every refusal, without a hypervisor. Free cores there: east1 -4, east2 2,
 * east3 -2, west1 6, west2 6 (vCPUs already defined count, shut-off ones included).
 */
describe('env commands on simulated hosts', () => {
  let home: ReturnType<typeof tempHome>

  before(async () => {
    home = tempHome()
    for (const [name, site] of [
      ['east1', 'east'],
      ['east2', 'east'],
      ['east3', 'east'],
      ['west1', 'west'],
      ['west2', 'west'],
    ]) {
      const r = await violin(['host', 'add', name!, '--local', '--site', site!, '--driver', 'sim', '--uri', EXAMPLE], home.env)
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })

  after(() => home.remove())

  const create = (...extra: string[]) =>
    violin(
      ['env', 'create', 'lab', '--vms', '3', '--kernel', '/srv/vmlinux', '--head-site', 'east', '--dry-run', '--json', ...extra],
      home.env,
    )

  it('spread: the head node in its site, compute nodes there while they fit, then on the roomiest other host', async () => {
    const r = await create()
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.head_site, 'east')
    assert.deepEqual(
      r.json.vms.map((v: {name: string; role: string; host: string}) => [v.name, v.role, v.host]),
      [
        ['lab-head', 'head', 'east2'],
        ['lab-c1', 'compute', 'east2'],
        ['lab-c2', 'compute', 'west2'],
      ],
    )
  })

  it('pack: the fullest host that still fits', async () => {
    const r = await create('--placement', 'pack')
    assert.deepEqual(
      r.json.vms.map((v: {host: string}) => v.host),
      ['east2', 'east2', 'west1'],
    )
  })

  it('an environment that does not fit is refused with what each host has left', async () => {
    const r = await create('--vcpus', '4')
    assert.equal(r.exitCode, 1)
    assert.equal(
      r.json.error.message,
      'environment "lab" does not fit: VM "lab-head" (4 vCPU, 256 MiB) fits on no host in site "east": ' +
        'east1 has 0 cores (4 vCPUs over), 20480 MiB; east2 has 2 cores, 20480 MiB; east3 has 0 cores (2 vCPUs over), 10240 MiB',
    )
  })

  it('refuses to define VMs on simulated hosts (they keep nothing), and records nothing', async () => {
    const r = await violin(['env', 'create', 'lab', '--vms', '2', '--kernel', '/srv/vmlinux'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /simulated/)
    const list = await violin(['env', 'list', '--json'], home.env)
    assert.deepEqual(list.json.environments, [])
  })

  it('--auth-data and --underlay-mtu name the data plane they need, since the default is vxlan and none has none', async () => {
    const auth = await create('--auth-data')
    assert.equal(auth.exitCode, 2)
    assert.match(auth.stdout, /--auth-data needs --dataplane udp/)
    const mtu = await create('--dataplane', 'none', '--underlay-mtu', '9000')
    assert.equal(mtu.exitCode, 2)
    assert.match(mtu.stdout, /--underlay-mtu needs a data plane/)
    assert.equal((await create('--dataplane', 'udp', '--auth-data')).exitCode, 0)
  })

  it('switch start refuses an environment on simulated hosts: their transport is this machine, whose network it would rewire', async () => {
    const {readFileSync} = await import('node:fs')
    const file = join(home.dir, 'inventory.json')
    const inventory = JSON.parse(readFileSync(file, 'utf8'))
    const vm = {role: 'head', host: 'east1', mac: '52:54:00:00:00:09', vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64}
    inventory.environments = {hand: {name: 'hand', headSite: 'east', createdAt: 'now', vms: [{name: 'web-1', ...vm}]}}
    writeFileSync(file, JSON.stringify(inventory))
    try {
      const r = await violin(['switch', 'start', 'hand'], home.env)
      assert.equal(r.exitCode, 2, r.stderr)
      assert.match(r.stderr, /host\(s\) east1 are simulated: they carry no Ethernet/)
    } finally {
      delete inventory.environments.hand
      writeFileSync(file, JSON.stringify(inventory))
    }
  })

  it('a VM name already taken on a host is refused', async () => {
    const r = await violin(['env', 'create', 'web', '--vms', '1', '--kernel', '/k', '--dry-run'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /a VM named "web-head" already exists on host "east1"/)
    const clash = await violin(
      ['env', 'define', '--file', file('clash', 'name: x\ndefaults: {kernel: /k}\nvms: [{name: db-1}]\n'), '--dry-run'],
      home.env,
    )
    assert.equal(clash.exitCode, 2)
    assert.match(clash.stderr, /a VM named "db-1" already exists on host "east2"/)
  })

  function file(name: string, text: string): string {
    const path = join(home.dir, `${name}.yaml`)
    writeFileSync(path, text)
    return path
  }

  it('env define: a mistake in the file names the file and the field (exit 3)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['name: x\ndefaults: {kernel: /k, memroy: 1G}\nvms: 2\n', /:2:\d+: defaults\.memroy: expected a known key \(.*\), found "memroy"/],
      [
        'name: x\ndefaults: {kernel: vmlinux}\nvms: 2\n',
        /:2:\d+: defaults\.kernel: expected an absolute path on the hosts, found "vmlinux"/,
      ],
      [
        'name: x\ndefaults: {kernel: /k}\nvms: [{role: head}, {role: head}]\n',
        /:3:\d+: vms\[1\]\.role: expected compute: only one VM can be the head node/,
      ],
      [
        'name: x\ndefaults: {kernel: /k, memory: 1G, max_memory: 512M}\nvms: 1\n',
        /:2:\d+: defaults\.max_memory: expected at least memory \(1024 MiB\), found 512 MiB/,
      ],
      ['name: x\nvms: 1\n', /: defaults: expected kernel \(with initrd\) or image/],
      ['name: [x\n', /:\d+:\d+: not valid YAML/],
    ]
    for (const [i, [text, message]] of cases.entries()) {
      const r = await violinProcess(['env', 'define', '--file', file(`bad${i}`, text), '--dry-run'], home.env)
      assert.equal(r.exitCode, 3, `${text}: ${r.stderr}`)
      assert.match(r.stderr, new RegExp(`bad${i}\\.yaml`))
      assert.match(r.stderr, message)
    }
  })

  it('env define places a described environment, honouring a pinned host', async () => {
    const r = await violin(
      [
        'env',
        'define',
        '--file',
        file(
          'ok',
          'name: hpc2\nhead_site: west\ndefaults: {kernel: /k, vcpus: 2, memory: 1G}\nvms:\n  - {role: head}\n  - {host: west1}\n  - {vcpus: 1}\n',
        ),
        '--dry-run',
        '--json',
      ],
      home.env,
    )
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(
      r.json.vms.map((v: {name: string; host: string; vcpus: number}) => [v.name, v.host, v.vcpus]),
      [
        ['hpc2-head', 'west2', 2],
        ['hpc2-c1', 'west1', 2],
        ['hpc2-c2', 'west2', 1],
      ],
    )
  })

  it('unknown environments are exit 4 for every verb', async () => {
    for (const verb of ['info', 'start', 'shutdown', 'destroy', 'undefine']) {
      const r = await violin(['env', verb, 'nope', ...(verb === 'undefine' ? ['--yes'] : [])], home.env)
      assert.equal(r.exitCode, 4, `${verb}: ${r.stderr}`)
      assert.match(r.stderr, /environment "nope" is not in the inventory/)
    }
  })

  it('host add refuses a CPU overcommit that is not a positive number', async () => {
    const r = await violin(['host', 'add', 'x', '--local', '--site', 's', '--driver', 'libvirt', '--cpu-overcommit', '0'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /--cpu-overcommit takes vCPUs per core, more than 0 and at most 64/)
  })

  it('image push refuses simulated hosts and a missing file', async () => {
    const missing = await violin(['image', 'push', join(home.dir, 'none.img'), 'east1'], home.env)
    assert.equal(missing.exitCode, 2)
    assert.match(missing.stderr, /cannot read image .*none\.img: ENOENT/)
    const img = join(home.dir, 'a.img')
    writeFileSync(img, 'x')
    const sim = await violin(['image', 'push', img, 'east1'], home.env)
    assert.equal(sim.exitCode, 2)
    assert.match(sim.stderr, /simulated/)
  })
})

/**
 * env undefine's confirmation on a real terminal: `script` gives violin a pseudo-terminal
 * and types the answer. The environment is a hand-written inventory record over VMs of
 * the simulated cluster (sim hosts keep nothing, so env create cannot make one there).
 */
describe('env undefine on a terminal asks for the name', () => {
  let home: ReturnType<typeof tempHome>

  beforeEach(async () => {
    home = tempHome()
    const hosts = Object.fromEntries(
      ['east1', 'west1'].map((name) => [name, {name, site: name.slice(0, 4), transport: {kind: 'local'}, driver: 'sim', uri: EXAMPLE}]),
    )
    const vm = (name: string, role: string, host: string) => ({
      name,
      role,
      host,
      mac: '52:54:00:00:00:01',
      vcpus: 2,
      memoryMiB: 2048,
      maxMemoryMiB: 4096,
    })
    const environments = {
      web: {
        name: 'web',
        headSite: 'east',
        createdAt: '2026-01-01T00:00:00Z',
        vms: [vm('web-head', 'head', 'east1'), vm('web-1', 'compute', 'east1')],
      },
    }
    writeFileSync(join(home.dir, 'inventory.json'), JSON.stringify({version: 1, hosts, vms: {}, environments}))
  })

  afterEach(() => home.remove())

  async function onTerminal(answer: string): Promise<{exitCode: number; output: string}> {
    const {execa} = await import('execa')
    const command = `node ${join(ROOT, 'bin', 'run.js')} env undefine web`
    const r = await execa('script', ['-qec', command, '/dev/null'], {
      input: `${answer}\n`,
      reject: false,
      env: {...home.env, FORCE_COLOR: '0'},
      extendEnv: true,
    })
    return {exitCode: r.exitCode ?? -1, output: String(r.stdout)}
  }

  it('a wrong answer deletes nothing (exit 1)', async () => {
    const r = await onTerminal('wbe')
    assert.match(r.output, /Delete web: web-head \(running on east1\), web-1 \(running on east1\)\?/)
    assert.match(r.output, /not confirmed; nothing was deleted/)
    assert.equal(r.exitCode, 1)
    const info = await violin(['env', 'info', 'web', '--json'], home.env)
    assert.equal(info.json.vms.length, 2)
  })

  it("the environment's name deletes it", async () => {
    const r = await onTerminal('web')
    assert.equal(r.exitCode, 0, r.output)
    assert.match(r.output, /Deleted environment web \(2 VMs\)/)
    const info = await violin(['env', 'info', 'web'], home.env)
    assert.equal(info.exitCode, 4)
  })

  it('env undefine off a terminal needs --yes (exit 2) and deletes nothing without it', async () => {
    const r = await violinProcess(['env', 'undefine', 'web'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /undefining "web" deletes its 2 VMs and their files/)
    assert.equal((await violin(['env', 'info', 'web', '--json'], home.env)).json.vms.length, 2)
  })

  it('env destroy powers every running VM off, asks nothing, and keeps the environment (as virsh destroy keeps a VM)', async () => {
    const r = await violinProcess(['env', 'destroy', 'web', '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {name: 'web', destroyed: ['web-head', 'web-1'], failed: []})
    const info = await violin(['env', 'info', 'web', '--json'], home.env)
    assert.equal(info.exitCode, 0)
    assert.equal(info.json.vms.length, 2)
  })

  it('env destroy --yes (what used to delete) is refused with the new name of deleting', async () => {
    const r = await violin(['env', 'destroy', 'web', '--yes'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /env destroy only powers VMs off now/)
    assert.match(r.stderr, /Try: violin env undefine web --yes/)
    assert.equal((await violin(['env', 'info', 'web', '--json'], home.env)).json.vms.length, 2)
  })
})
