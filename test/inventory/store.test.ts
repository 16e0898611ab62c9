import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ConfigError} from '../../src/errors.js'
import {validate} from '../../src/inventory/store.js'
import {tempHome, violinProcess} from '../helpers/cli.js'

describe('the inventory file', () => {
  it('names the field a hand edit broke', () => {
    const cases: [unknown, RegExp][] = [
      [[], /\(top level\): must be a JSON object/],
      [{version: 2}, /version: is 2; this violin reads version 1/],
      [{hosts: {a: {name: 'b'}}}, /hosts\.a\.name: must equal its key "a"/],
      [{hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'ssh', user: 'root', address: 'h', port: 99_999}}}}, /hosts\.a\.transport\.port: must be a port number/],
      [{hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'telnet'}}}}, /hosts\.a\.transport\.kind: must be "local" or "ssh"/],
      [{vms: {v: {}}}, /vms\.v\.host: must be a host name/],
    ]
    for (const [doc, message] of cases) {
      assert.throws(() => validate('/etc/inv.json', JSON.stringify(doc)), (e: unknown) => e instanceof ConfigError && e.exitCode === 3 && message.test(e.message), String(message))
    }
  })

  it('loses no host when several violin processes add hosts at once', async () => {
    const home = tempHome()
    try {
      const names = Array.from({length: 8}, (_, i) => `h${i}`)
      const results = await Promise.all(names.map((n) => violinProcess(['host', 'add', n, '--local', '--site', 's', '--driver', 'libvirt', '--quiet'], home.env)))
      assert.deepEqual(results.map((r) => r.exitCode), names.map(() => 0), results.map((r) => r.stderr).join(''))
      const data = JSON.parse(readFileSync(join(home.dir, 'inventory.json'), 'utf8'))
      assert.deepEqual(Object.keys(data.hosts).sort(), names)
    } finally {
      home.remove()
    }
  })

  it('rejects a host name that would not survive a table or a file name', async () => {
    const home = tempHome()
    try {
      const r = await violinProcess(['host', 'add', 'bad name;rm', '--local', '--site', 's', '--driver', 'libvirt'], home.env)
      assert.equal(r.exitCode, 2)
      assert.match(r.stderr, /"bad name;rm" is not a host name/)
      writeFileSync(join(home.dir, 'inventory.json'), '{}')
      assert.equal((await violinProcess(['host', 'list', '--json'], home.env)).json.length, 0)
    } finally {
      home.remove()
    }
  })
})
