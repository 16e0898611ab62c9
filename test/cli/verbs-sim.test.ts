import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, tempHome, violin, violinProcess} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]

/**
 * The single-VM verbs on the shipped simulated cluster (examples/two-sites.yaml). A sim
 * cluster keeps its changes for one command only, so each test reads what that command
 * reported (the state is read back from the simulated host after the change).
 */
describe('single-VM verbs on simulated hosts', () => {
  const home = tempHome()
  after(() => home.remove())

  it('-H HOST before the VM name no longer swallows the name (dominfo, setmem, start...)', async () => {
    const info = await violin(['dominfo', '-H', 'east1', 'web-1', ...sim, '--json'], home.env)
    assert.equal(info.exitCode, 0, info.stderr)
    assert.equal(info.json.host, 'east1')
    const wrong = await violin(['dominfo', '-H', 'east2', 'web-1', ...sim], home.env)
    assert.equal(wrong.exitCode, 4)
    assert.match(wrong.stderr, /VM "web-1" is not on any selected host/)
    const start = await violin(['start', '-H', 'west2', 'spare', ...sim, '--json'], home.env)
    assert.deepEqual(start.json, {vm: 'spare', host: 'west2', state: 'running'})
  })

  it('suspend, resume, destroy and start report the state the host has afterwards', async () => {
    assert.deepEqual((await violin(['suspend', 'web-1', ...sim, '--json'], home.env)).json, {vm: 'web-1', host: 'east1', state: 'paused'})
    assert.deepEqual((await violin(['destroy', 'web-1', ...sim, '--json'], home.env)).json, {vm: 'web-1', host: 'east1', state: 'shutoff'})
    const resume = await violin(['resume', 'web-1', ...sim], home.env)
    assert.equal(resume.exitCode, 1)
    assert.match(resume.stderr, /VM "web-1" is running, not paused/)
    const started = await violin(['start', 'web-1', ...sim], home.env)
    assert.equal(started.exitCode, 1)
    assert.match(started.stderr, /VM "web-1" is already running/)
    const reboot = await violin(['reboot', 'db-1', ...sim], home.env)
    assert.equal(reboot.exitCode, 0, reboot.stderr)
    assert.match(reboot.stdout, /Asked db-1 on east2 to reboot: now running\./)
    assert.equal((await violin(['destroy', 'db-1', ...sim, '--quiet'], home.env)).stdout, '')
  })

  it('shutdown --wait returns once the VM is off; --timeout needs --wait', async () => {
    const r = await violin(['shutdown', 'hpc-1', '--wait', '--timeout', '5', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, {vm: 'hpc-1', host: 'west1', state: 'shutoff', waited_sec: 0})
    const bad = await violin(['shutdown', 'hpc-1', '--timeout', '5', ...sim], home.env)
    assert.equal(bad.exitCode, 2)
  })

  it('an unknown VM is exit 4 with the JSON error envelope, for every verb', async () => {
    for (const verb of ['start', 'shutdown', 'reboot', 'destroy', 'suspend', 'resume', 'undefine', 'dumpxml', 'console', 'autostart']) {
      const r = await violin([verb, 'ghost', ...sim, '--json'], home.env)
      assert.equal(r.exitCode, 4, `${verb}: ${r.stdout}`)
      assert.equal(r.json.error.type, 'NotFoundError', verb)
      assert.equal(r.json.error.message, 'VM "ghost" is not on any host', verb)
    }
  })

  it('undefine refuses a running VM with what to do, and forgets one that is off', async () => {
    const running = await violin(['undefine', 'web-2', ...sim], home.env)
    assert.equal(running.exitCode, 2)
    assert.match(running.stderr, /VM "web-2" is running on host "east1": violin undefines only VMs that are off/)
    assert.match(running.stderr, /Try: violin shutdown web-2 --wait \(or violin destroy web-2\), then undefine it/)
    const off = await violin(['undefine', 'spare', ...sim, '--remove-files', '--json'], home.env)
    assert.deepEqual(off.json, {vm: 'spare', host: 'west2', removed: []})
  })

  it('dumpxml prints a sim VM as the YAML define takes back, and autostart is set', async () => {
    const dump = await violin(['dumpxml', 'db-1', ...sim], home.env)
    assert.equal(dump.stdout, 'name: db-1\nvcpus: 4\nmemory: 8192MiB\nmaxMemory: 16384MiB\ncpu: 0.6\n')
    const json = await violin(['dumpxml', 'db-1', ...sim, '--json'], home.env)
    assert.equal(json.json.format, 'sim-yaml')
    assert.deepEqual((await violin(['autostart', 'db-1', ...sim, '--disable', '--json'], home.env)).json, {
      vm: 'db-1',
      host: 'east2',
      autostart: false,
    })
  })

  it('define needs the host when there are several, and refuses a missing, empty or bad file naming it (exit 2)', async () => {
    const file = join(home.dir, 'new1.yaml')
    writeFileSync(file, 'name: new1\nvcpus: 2\nmemory: 1GiB\n')
    const ok = await violin(['define', file, '-H', 'west1', ...sim, '--json'], home.env)
    assert.equal(ok.exitCode, 0, ok.stdout)
    assert.deepEqual(ok.json, {vm: 'new1', host: 'west1', file, state: 'shutoff'})
    const noHost = await violin(['define', file, ...sim], home.env)
    assert.equal(noHost.exitCode, 2)
    assert.match(noHost.stderr, /define needs the host to define the VM on: 5 hosts are selected/)
    const missing = await violin(['define', join(home.dir, 'none.yaml'), '-H', 'west1', ...sim, '--json'], home.env)
    assert.equal(missing.exitCode, 2)
    assert.match(missing.json.error.message, /cannot read .*none\.yaml: ENOENT/)
    const empty = join(home.dir, 'empty.yaml')
    writeFileSync(empty, '\n')
    assert.match((await violin(['define', empty, '-H', 'west1', ...sim], home.env)).stderr, /empty\.yaml is empty/)
    const bad = join(home.dir, 'bad.yaml')
    writeFileSync(bad, 'name: web-1\nmemory: lots\n')
    const refused = await violin(['define', bad, '-H', 'west1', ...sim], home.env)
    assert.equal(refused.exitCode, 2)
    assert.match(refused.stderr, /bad\.yaml: memory: expected a size like 512M or 2GiB \(a bare number is MiB\), found "lots"/)
    const taken = join(home.dir, 'taken.yaml')
    writeFileSync(taken, 'name: web-1\nmemory: 1GiB\n')
    assert.match((await violin(['define', taken, '-H', 'west1', ...sim], home.env)).stderr, /VM "web-1" already exists/)
  })

  it('console: sim VMs have none (exit 2)', async () => {
    const r = await violinProcess(['console', 'db-1', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /sim VMs have no console/)
  })
})

describe('a VM name on two simulated hosts', () => {
  const home = tempHome()
  before(async () => {
    for (const h of ['a', 'b']) {
      const file = join(home.dir, `${h}.yaml`)
      writeFileSync(file, `hosts:\n  - {name: ${h}, cores: 4, memory: 8GiB}\nvms:\n  - {name: dup, host: ${h}, memory: 1GiB}\n`)
      assert.equal((await violin(['host', 'add', h, '--local', '--site', 's', '--driver', 'sim', '--uri', file], home.env)).exitCode, 0)
    }
  })
  after(() => home.remove())

  it('is ambiguous (exit 2, naming both hosts) until -H says which', async () => {
    const r = await violin(['suspend', 'dup', '--json'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(r.json.error.message, 'VM "dup" is on several hosts: a, b')
    assert.equal(r.json.error.hint, 'name one with --host')
    const one = await violin(['suspend', '-H', 'b', 'dup', '--json'], home.env)
    assert.deepEqual(one.json, {vm: 'dup', host: 'b', state: 'paused'})
  })
})
