import assert from 'node:assert/strict'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ConfigError, UsageError} from '../../src/errors.js'
import {Inventory, validate} from '../../src/inventory/inventory.js'
import {addHost} from '../../src/services/hosts.js'
import {tempHome, violinProcess} from '../helpers/cli.js'

describe('the inventory file', () => {
  it('names the field a hand edit broke', () => {
    const cases: [unknown, RegExp][] = [
      [[], /\(top level\): expected a JSON object, found an empty list/],
      [{version: 2}, /version: expected version 1 \(the only one this violin reads\), found 2/],
      [
        {hosts: {a: {name: 'b', site: 's', driver: 'libvirt', transport: {kind: 'local'}}}},
        /hosts\.a\.name: expected "a" \(its key\), found "b"/,
      ],
      [
        {hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'ssh', user: 'root', address: 'h', port: 99_999}}}},
        /hosts\.a\.transport\.port: expected a port number \(1 to 65535\), found 99999/,
      ],
      [
        {hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'telnet'}}}},
        /hosts\.a\.transport\.kind: expected a transport: \{kind: local\} or \{kind: ssh, user, address, port\}, found "telnet"/,
      ],
      [{vms: {v: {}}}, /vms\.v\.host: expected a host name, found nothing/],
      [
        {hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'local'}, nic: 'eth0 up; reboot'}}},
        /hosts\.a\.nic: expected a network interface name such as eth0, found "eth0 up; reboot"/,
      ],
      [
        {hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'local'}, agent: {dir: 'relative'}}}},
        /hosts\.a\.agent\.dir: expected an absolute path, found "relative"/,
      ],
      [
        {environments: {e: {name: 'e', headSite: 's', vms: [], network: {vni: 1000, dataplane: 'udp', key: 'short'}}}},
        /environments\.e\.network\.key: expected 64 hex digits, found "short"/,
      ],
      [
        {
          environments: {
            e: {
              name: 'e',
              headSite: 's',
              vms: [{name: 'v', role: 'head', host: 'h', mac: 'm', vcpus: 1, memoryMiB: 1, maxMemoryMiB: 1, port: 80}],
            },
          },
        },
        /environments\.e\.vms\[0\]\.port: expected a port from 20000 to 59998, found 80/,
      ],
      [{rules: {a: {kind: 'pin', name: 'b', vm: 'v', host: 'h'}}}, /rules\.a\.name: expected "a" \(its key\), found "b"/],
      [
        {rules: {a: {kind: 'near', name: 'a', vm: 'v'}}},
        /rules\.a\.kind: expected a rule kind: pin, exclude, anti-affinity, affinity, found "near"/,
      ],
      [{rules: {a: {kind: 'pin', name: 'a', vm: 'v'}}}, /rules\.a\.host: expected a host or a site to pin to, found nothing/],
      [
        {rules: {a: {kind: 'pin', name: 'a', vm: 'v', host: 'h', site: 's'}}},
        /rules\.a\.site: expected no site beside the host: a pin names one or the other, found "s"/,
      ],
      [{rules: {a: {kind: 'exclude', name: 'a', vm: 'v; reboot'}}}, /rules\.a\.vm: expected a VM name, found "v; reboot"/],
      [
        {rules: {a: {kind: 'affinity', name: 'a', vms: ['v', 'v']}}},
        /rules\.a\.vms: expected a list of two or more different VM names, found a list of 2/,
      ],
      [
        {rules: {'a b': {kind: 'anti-affinity', name: 'a b', vms: ['v', 'w']}}},
        /rules\.a b\.name: expected a rule name \(letters, digits, \. _ -\), found "a b"/,
      ],
    ]
    for (const [doc, message] of cases) {
      assert.throws(
        () => validate('/etc/inv.json', JSON.stringify(doc)),
        (e: unknown) =>
          e instanceof ConfigError && e.exitCode === 3 && /^\/etc\/inv\.json:1:\d+: /.test(e.message) && message.test(e.message),
        String(message),
      )
    }
  })

  it('names the line and column of the field in the file as it is laid out', () => {
    const text = JSON.stringify(
      {version: 1, hosts: {a: {name: 'a', site: 's', driver: 'libvirt', transport: {kind: 'ssh', user: 'root', address: 'h', port: 0}}}},
      null,
      2,
    )
    assert.throws(
      () => validate('/etc/inv.json', text),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message === '/etc/inv.json:12:17: hosts.a.transport.port: expected a port number (1 to 65535), found 0',
    )
  })

  it('loses no host when several violin processes add hosts at once', async () => {
    const home = tempHome()
    try {
      const names = Array.from({length: 8}, (_, i) => `h${i}`)
      const results = await Promise.all(
        names.map((n) => violinProcess(['host', 'add', n, '--local', '--site', 's', '--driver', 'libvirt', '--quiet'], home.env)),
      )
      assert.deepEqual(
        results.map((r) => r.exitCode),
        names.map(() => 0),
        results.map((r) => r.stderr).join(''),
      )
      const data = JSON.parse(readFileSync(join(home.dir, 'inventory.json'), 'utf8'))
      assert.deepEqual(Object.keys(data.hosts).sort(), names)
    } finally {
      home.remove()
    }
  })

  it('gives an environment on the udp data plane a key, and each VM a port pair no other VM has; the file is owner-only', async () => {
    const home = tempHome()
    const saved = process.env.VIOLIN_HOME
    process.env.VIOLIN_HOME = home.dir
    try {
      const inventory = await Inventory.open()
      const vm = (name: string) => ({
        name,
        role: 'compute' as const,
        host: 'h',
        mac: '52:54:00:00:00:01',
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
      })
      await inventory.addEnvironment({name: 'a', headSite: 's', createdAt: 'now', vms: [vm('a1'), vm('a2')]})
      await inventory.addEnvironment({name: 'b', headSite: 's', createdAt: 'now', vms: [vm('b1')]})
      const a = await inventory.assignNetwork('a', 'udp')
      const b = await inventory.assignNetwork('b', 'udp', {authData: true})
      assert.deepEqual([a.network!.vni, b.network!.vni, b.network!.authData], [1000, 1001, true])
      assert.match(a.network!.key!, /^[0-9a-f]{64}$/)
      assert.notEqual(a.network!.key, b.network!.key)
      assert.deepEqual(
        [...a.vms, ...b.vms].map((v) => v.port),
        [20_000, 20_002, 20_004],
      )
      assert.deepEqual(
        (await inventory.assignNetwork('a', 'udp')).vms.map((v) => v.port),
        [20_000, 20_002],
        'asked again, the same ports',
      )
      await assert.rejects(inventory.assignNetwork('b', 'udp', {authData: false}), /authenticates data frames; every member must agree/)
      await assert.rejects(inventory.assignNetwork('a', 'vxlan'), /runs on the udp data plane/)
      // Once stopped everywhere, the next start may choose another data plane; the VNI stays.
      await inventory.markSwitchStopped('a')
      const moved = await inventory.assignNetwork('a', 'vxlan')
      assert.deepEqual([moved.network, moved.vms.map((v) => v.port)], [{vni: 1000, dataplane: 'vxlan'}, [undefined, undefined]])
      await assert.rejects(inventory.assignNetwork('a', 'udp'), /runs on the vxlan data plane/, 'started again, it is running: no change')
      await inventory.markSwitchStopped('b')
      const same = await inventory.assignNetwork('b', 'udp')
      assert.deepEqual(
        [same.network!.key, same.network!.authData, same.vms[0]!.port],
        [b.network!.key, true, 20_004],
        'restarted on its own plane it keeps key, signing and ports',
      )
      assert.equal(statSync(join(home.dir, 'inventory.json')).mode & 0o777, 0o600)
    } finally {
      if (saved === undefined) delete process.env.VIOLIN_HOME
      else process.env.VIOLIN_HOME = saved
      home.remove()
    }
  })

  it('keeps the NIC a host record names, and refuses one that is not an interface name', async () => {
    const home = tempHome()
    const saved = process.env.VIOLIN_HOME
    process.env.VIOLIN_HOME = home.dir
    try {
      const host = {name: 'h1', local: true, site: 's', driver: 'libvirt' as const, force: false}
      await assert.rejects(
        addHost({...host, nic: '../eth0'}),
        (e: unknown) => e instanceof UsageError && /"\.\.\/eth0" is not a network interface name/.test(e.message),
      )
      await assert.rejects(addHost({...host, nic: 'a-name-longer-than-15'}), UsageError)
      await addHost({...host, nic: 'enp3s0f1.100'})
      assert.equal((await Inventory.open()).hosts()[0]!.nic, 'enp3s0f1.100')
    } finally {
      if (saved === undefined) delete process.env.VIOLIN_HOME
      else process.env.VIOLIN_HOME = saved
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
