import assert from 'node:assert/strict'

import {Inventory} from '../../src/inventory/inventory.js'
import {EtcdStore} from '../../src/store/etcd-store.js'
import {type EtcdLocation, parseStoreUrl} from '../../src/store/url.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'

/** The inventory's own rules hold across managers when it lives in etcd: two clients, as two admin machines. */
describe('the inventory in etcd, changed by two managers at once', function () {
  this.timeout(60_000)
  let etcd: EtcdCluster
  const stores: EtcdStore[] = []

  before(async function () {
    requireIntegration(this, 'etcd', etcdUnavailable)
    etcd = await startEtcd({members: 3})
  })
  after(async () => {
    for (const s of stores) await s.close()
    await etcd?.stop()
  })

  const open = async (): Promise<Inventory> => {
    const store = await EtcdStore.open(parseStoreUrl(etcd.url('vni')) as EtcdLocation, 10_000)
    stores.push(store)
    return Inventory.open(store)
  }
  const env = (name: string) => ({
    name,
    headSite: 's',
    createdAt: new Date(0).toISOString(),
    vms: [{name: `${name}-head`, role: 'head' as const, host: 'h1', mac: '52:54:00:00:00:01', vcpus: 1, memoryMiB: 128, maxMemoryMiB: 128}],
  })

  it('gives every environment its own VNI when both start switches at the same time', async () => {
    const [a, b] = [await open(), await open()]
    const names = Array.from({length: 8}, (_, i) => `e${i}`)
    await Promise.all(names.map((n, i) => (i % 2 ? a : b).addEnvironment(env(n))))
    const records = await Promise.all(names.map((n, i) => (i % 2 ? b : a).assignNetwork(n, 'vxlan')))
    const vnis = records.map((r) => r.network!.vni)
    assert.equal(new Set(vnis).size, 8, `VNIs ${vnis.join(', ')}`)
    const fresh = await open()
    assert.deepEqual(
      fresh
        .environments()
        .map((e) => e.network?.vni)
        .sort(),
      [...vnis].sort(),
      'what each was given is what is stored',
    )
  })

  it('refuses a VM that already belongs to an environment another manager just added', async () => {
    const [a, b] = [await open(), await open()]
    const results = await Promise.allSettled([
      a.addEnvironment({...env('x1'), vms: [{...env('x1').vms[0]!, name: 'shared'}]}),
      b.addEnvironment({...env('x2'), vms: [{...env('x2').vms[0]!, name: 'shared'}]}),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.match((rejected.reason as Error).message, /VM "shared" already belongs to environment "x[12]"/)
  })

  it('a change larger than one etcd transaction fails, says so, and writes none of it', async () => {
    const inventory = await open()
    const vms = Object.fromEntries(Array.from({length: 200}, (_, i) => [`vm${i}`, {host: 'h1'}]))
    await assert.rejects(inventory.setVms(vms), (e: Error & {exitCode?: number}) => e.exitCode === 1 && /--max-txn-ops/.test(e.message))
    assert.deepEqual(Object.keys((await open()).vms()), [], 'nothing half written')
  })
})
