import assert from 'node:assert/strict'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {tempHome, violinProcess} from '../helpers/cli.js'

/** stderr as the user reads it: its non-empty lines. */
const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '')

/**
 * Every file violin reads says a mistake the same way: one line
 * `FILE:LINE:COL: FIELD: expected ..., found ...`, then the hint, and exit 3.
 */
describe('a malformed file: FILE:LINE:COL: FIELD: expected ..., found ... (exit 3), and nothing lost', () => {
  const home = tempHome()
  after(() => home.remove())
  const file = (name: string, text: string) => {
    const path = join(home.dir, name)
    writeFileSync(path, text)
    return path
  }
  const expectBad = async (args: string[], first: string, env: Record<string, string> = home.env) => {
    const r = await violinProcess(args, env)
    assert.equal(r.exitCode, 3, r.stderr)
    assert.deepEqual(lines(r.stderr), [`error: ${first}`, 'Try: fix the file by hand; violin never rewrites a file it cannot read'])
  }

  it('an env file', async () => {
    const path = file('lab.yaml', 'name: lab\ndefaults:\n  kernel: /srv/vmlinuz\nvms:\n  - {name: a}\n  - {name: b, memory: lots}\n')
    await expectBad(
      ['env', 'define', '--file', path, '--dry-run'],
      `${path}:6:23: vms[1].memory: expected a size like 512M or 2GiB (a bare number is MiB), found "lots"`,
    )
  })

  it('an env file that is not YAML', async () => {
    const path = file('broken.yaml', 'name: lab\nvms: [1, 2\n')
    const r = await violinProcess(['env', 'define', '--file', path, '--dry-run'], home.env)
    assert.equal(r.exitCode, 3)
    assert.match(lines(r.stderr)[0]!, new RegExp(`^error: ${path}:\\d+:\\d+: not valid YAML: `))
  })

  it('a scenario', async () => {
    const path = file(
      'scenario.yaml',
      'hosts:\n  - {name: h1, cores: 1, memory: 1GiB}\nenvironments:\n  - name: e\n    vms:\n      - host: h1\n        phases: [{cpu: 2, duration_s: 1}]\n',
    )
    await expectBad(
      ['simulate', path],
      `${path}:7:24: environments[0].vms[0].phases[0].cpu: expected a number from 0 to 1 (the share of its vCPUs it wants), found 2`,
    )
  })

  it('a simulated cluster', async () => {
    const path = file('cluster.yaml', 'hosts:\n  - name: a\n    cores: 2\n    memory: 0\n')
    await expectBad(
      ['list', '--connect', `sim:${path}`],
      `${path}:4:13: hosts[0].memory: expected a size above 0 and at most 1 PiB, found 0`,
    )
  })

  it('the inventory, which is left as it was by a command that would write it', async () => {
    const inventory =
      '{\n  "version": 1,\n  "hosts": {\n    "e1": {"name": "e1", "site": "east", "driver": "kvm", "transport": {"kind": "local"}}\n  }\n}\n'
    const path = file('inventory.json', inventory)
    const first = `${path}:4:52: hosts.e1.driver: expected one of libvirt, xl, sim, found "kvm"`
    await expectBad(['host', 'list'], first)
    await expectBad(['host', 'rm', 'e1'], first)
    assert.equal(readFileSync(path, 'utf8'), inventory, 'not rewritten')
  })

  it('the inventory that is not JSON', async () => {
    const path = file('inventory.json', '{\n  "version": 1,\n  "hosts": {,}\n}\n')
    await expectBad(['host', 'list'], `${path}:3:13: not valid JSON: value expected`)
  })

  it('config.json', async () => {
    const other = tempHome()
    try {
      writeFileSync(join(other.dir, 'config.json'), '{"store": 5}\n')
      await expectBad(
        ['host', 'list'],
        `${join(other.dir, 'config.json')}:1:11: store: expected a store URL such as etcd://127.0.0.1:2379/violin, found 5`,
        other.env,
      )
    } finally {
      other.remove()
    }
  })

  it('the calibration and the migrations log', async () => {
    const other = tempHome()
    try {
      const state = join(other.dir, 'state')
      mkdirSync(state, {recursive: true})
      writeFileSync(join(state, 'calibration.json'), '{"version": 2, "created": "x", "modes": [], "data": []}\n')
      await expectBad(
        ['predict', 'migration', '--memory', '1G'],
        `${join(state, 'calibration.json')}:1:41: modes: expected an object of migration modes, found an empty list`,
        other.env,
      )
      const record = {at: '2026-01-01T00:00:00Z', vm: 'a', from: 'h1', to: 'h2', mode: 'live', memory_mib: 256, concurrent: 1, wall_ms: 900}
      writeFileSync(join(state, 'migrations.jsonl'), `${JSON.stringify(record)}\n${JSON.stringify({...record, mode: 'fast'})}\n`)
      await expectBad(
        ['calibrate'],
        `${join(state, 'migrations.jsonl')}:2:68: mode: expected one of live, stop-and-copy, found "fast"`,
        other.env,
      )
    } finally {
      other.remove()
    }
  })
})
