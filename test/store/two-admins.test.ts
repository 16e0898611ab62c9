import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {violinProcess} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

/** Two admin machines (two VIOLIN_HOMEs) sharing one etcd: what one writes, the other sees; nothing is lost. */
describe('two admin machines against one etcd', function () {
  this.timeout(120_000)
  let etcd: EtcdCluster
  let homes: string[]
  const envOf = (i: number) => ({VIOLIN_HOME: homes[i]!, VIOLIN_STORE: etcd.url('two-admins'), VIOLIN_STORE_TIMEOUT: '10'})

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    etcd = await startEtcd({members: 3})
    homes = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `violin-admin${i}-`)))
  })
  after(async () => {
    await etcd?.stop()
    for (const h of homes ?? []) rmSync(h, {recursive: true, force: true})
  })

  it('8 concurrent host add across both lose nothing, and neither writes a local inventory', async () => {
    const adds = Array.from({length: 8}, (_, i) =>
      violinProcess(
        ['host', 'add', `h${i}`, '--local', '--site', `s${i % 3}`, '--driver', 'libvirt', '--uri', 'test:///default'],
        envOf(i % 2),
      ),
    )
    const results = await Promise.all(adds)
    for (const r of results) assert.equal(r.exitCode, 0, r.stderr)
    for (const i of [0, 1]) {
      const list = await violinProcess(['host', 'list', '--json'], envOf(i))
      assert.equal(list.exitCode, 0, list.stderr)
      const names = (list.json as Array<{name: string}>).map((h) => h.name).sort()
      assert.deepEqual(names, ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'], `admin ${i} sees every host`)
      assert.ok(!existsSync(join(homes[i]!, 'inventory.json')), 'no local inventory file')
    }
  })

  it('a host added twice at once is added once: the other gets the usual "already in the inventory"', async () => {
    const [a, b] = await Promise.all(
      [0, 1].map((i) =>
        violinProcess(['host', 'add', 'twin', '--local', '--site', 's', '--driver', 'libvirt', '--uri', 'test:///default'], envOf(i)),
      ),
    )
    assert.deepEqual([a!.exitCode, b!.exitCode].sort(), [0, 2], `${a!.stderr}${b!.stderr}`)
    assert.match(a!.stderr + b!.stderr, /host "twin" is already in the inventory/)
  })

  it('"store" in $VIOLIN_HOME/config.json chooses the store as VIOLIN_STORE does', async () => {
    const home = mkdtempSync(join(tmpdir(), 'violin-admin-config-'))
    try {
      writeFileSync(join(home, 'config.json'), JSON.stringify({store: etcd.url('two-admins')}))
      const list = await violinProcess(['host', 'list', '--json'], {VIOLIN_HOME: home, VIOLIN_STORE: undefined})
      assert.equal(list.exitCode, 0, list.stderr)
      assert.ok((list.json as Array<{name: string}>).some((h) => h.name === 'h0'))
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })

  it('a removal on one machine is seen by the other', async () => {
    const rm = await violinProcess(['host', 'rm', 'h3'], envOf(0))
    assert.equal(rm.exitCode, 0, rm.stderr)
    const list = await violinProcess(['host', 'list', '--json'], envOf(1))
    assert.ok(!(list.json as Array<{name: string}>).some((h) => h.name === 'h3'))
  })
})
