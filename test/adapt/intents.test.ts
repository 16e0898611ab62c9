import {strict as assert} from 'node:assert'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {executePlan} from '../../src/adapt/execute.js'
import {type Intent, openIntent, openIntents, type Recovered, recoverIntents} from '../../src/adapt/intents.js'
import {adaptationPass} from '../../src/adapt/pass.js'
import {History} from '../../src/monitor/history.js'
import {DEFAULT_POLICY_OPTIONS, type Action} from '../../src/policy/cluster-view.js'
import {Session} from '../../src/services/session.js'
import type {SimCluster} from '../../src/sim/cluster.js'
import {EtcdStore} from '../../src/store/etcd-store.js'
import {FileStore} from '../../src/store/file-store.js'
import type {Store} from '../../src/store/store.js'
import {parseStoreUrl} from '../../src/store/url.js'
import {EXAMPLE} from '../helpers/cli.js'
import {type EtcdCluster, etcdUnavailable, startEtcd} from '../helpers/etcd.js'
import {requireIntegration} from '../helpers/integration.js'
import {useTempStateDir} from '../helpers/state-dir.js'

/**
 * Write-ahead intents (src/adapt/intents.ts) on the simulated two-site cluster, whose VMs'
 * places the test controls: what a new leader finds of an action its predecessor began
 * and never finished, on both backends.
 */
const backends: Array<{name: string; open: () => Promise<{store: Store; done: () => Promise<void>}>; needsEtcd?: boolean}> = []
let etcd: EtcdCluster | undefined
let dirs: string[] = []
backends.push({
  name: 'files',
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'violin-intents-'))
    dirs.push(dir)
    return {store: new FileStore(join(dir, 'config'), join(dir, 'state')), done: async () => {}}
  },
})
let prefixes = 0
backends.push({
  name: 'etcd',
  needsEtcd: true,
  open: async () => {
    const location = parseStoreUrl(etcd!.url(`intents${++prefixes}`))
    if (location.kind !== 'etcd') throw new Error('not etcd')
    const store = await EtcdStore.open(location, 5000)
    return {store, done: () => store.close()}
  },
})

const migrate = (vm: string, from: string, to: string): Action => ({kind: 'migrate', vm, from, to, reason: 'test'})

async function leaveOpen(store: Store, action: Action): Promise<Intent> {
  return openIntent(store, action, 'gone-host pid 1', Date.now())
}

function clusterOf(session: Session, host: string): Promise<SimCluster> {
  return session.driver(session.host(host)).then((d) => (d as unknown as {cluster: SimCluster}).cluster)
}

describe('write-ahead intents: what a new leader finds (src/adapt/intents.ts)', function () {
  this.timeout(60_000)
  useTempStateDir()
  before(async () => {
    if (!etcdUnavailable()) etcd = await startEtcd({members: 3})
  })
  after(async () => {
    await etcd?.stop()
    for (const d of dirs) rmSync(d, {recursive: true, force: true})
    dirs = []
  })

  for (const backend of backends) {
    describe(`on ${backend.name}`, () => {
      let store: Store
      let done: () => Promise<void>
      let session: Session
      beforeEach(async function () {
        if (backend.needsEtcd) requireIntegration(this, 'etcd', etcdUnavailable)
        ;({store, done} = await backend.open())
        session = await Session.open({connect: `sim:${EXAMPLE}`})
      })
      afterEach(async () => {
        await session?.close()
        await done?.()
      })

      it('a migration found on its destination is completed, on its source not done, on neither unknown; shares and memory are measured again', async () => {
        // hpc-1 runs on west1: as if a leader had moved it from east1 and died before recording it.
        await leaveOpen(store, migrate('hpc-1', 'east1', 'west1'))
        await leaveOpen(store, migrate('web-1', 'east1', 'west1'))
        await leaveOpen(store, migrate('ghost', 'east1', 'west1'))
        await leaveOpen(store, {kind: 'set-memory', vm: 'db-1', host: 'east2', fromMiB: 8192, toMiB: 9216, reason: 'test'})
        const history = new History()
        const said: Recovered[] = []
        const found = await recoverIntents(session, store, {history, by: 'me pid 2', onRecovered: (r) => said.push(r)})
        assert.deepEqual(
          found.map((r) => [r.vm, r.known, r.text]),
          [
            ['hpc-1', true, 'completed by the previous leader (east1 → west1)'],
            ['web-1', true, 'not done (still on east1, not moved to west1)'],
            ['ghost', false, 'unknown: VM on neither east1 nor west1'],
            ['db-1', false, 'set-memory (east2): not known whether done; the next pass measures again'],
          ],
        )
        assert.equal(said.length, 4, 'each one said as it is found')
        assert.ok(history.vmView('hpc-1').lastMigratedMs !== undefined, 'the completed move counts for the cooldown')
        assert.equal(history.vmView('web-1').lastMigratedMs, undefined)
        assert.deepEqual(await openIntents(store), [], 'every intent settled')
        const log = (await store.readLog('actions')).map(
          (r) => JSON.parse(r.text) as {vm: string; recovered: string; by: string; recoveredBy: string},
        )
        assert.deepEqual(
          log.map((r) => [r.vm, r.by, r.recoveredBy]),
          ['hpc-1', 'web-1', 'ghost', 'db-1'].map((vm) => [vm, 'gone-host pid 1', 'me pid 2']),
        )
        assert.match(log[0]!.recovered, /completed by the previous leader/)
      })

      it('an environment move is looked at VM by VM', async () => {
        await leaveOpen(store, {
          kind: 'migrate-environment',
          environment: 'web',
          fromSite: 'east',
          toSite: 'west',
          moves: [
            {vm: 'hpc-2', from: 'east1', to: 'west2'},
            {vm: 'web-3', from: 'east1', to: 'west2'},
          ],
          reason: 'test',
        })
        const found = await recoverIntents(session, store)
        assert.deepEqual(
          found.map((r) => [r.vm, r.text]),
          [
            ['hpc-2', 'completed by the previous leader (east1 → west2)'],
            ['web-3', 'not done (still on east1, not moved to west2)'],
          ],
        )
      })

      it('a migration still running (on both hosts) is waited for, then decided', async () => {
        const cluster = await clusterOf(session, 'east1')
        const web2 = cluster.vms.find((v) => v.name === 'web-2')!
        // Paused on the destination, running on the source: as libvirt shows a live migration under way.
        cluster.vms.push({...web2, host: 'east2', state: 'paused'})
        setTimeout(() => {
          // It lands: gone from the source, running on the destination.
          cluster.vms.splice(cluster.vms.indexOf(web2), 1)
          cluster.vms.find((v) => v.name === 'web-2')!.state = 'running'
        }, 600)
        await leaveOpen(store, migrate('web-2', 'east1', 'east2'))
        const found = await recoverIntents(session, store, {settle: {pollMs: 100, timeoutMs: 20_000}})
        assert.deepEqual(
          found.map((r) => r.text),
          ['completed by the previous leader (east1 → east2)'],
        )
      })

      it('a migration whose hosts do not answer stays open for the next pass', async () => {
        await leaveOpen(store, migrate('web-1', 'east1', 'nowhere'))
        const unanswered: string[] = []
        const found = await recoverIntents(session, store, {onUnanswered: (vm, why) => unanswered.push(`${vm}: ${why}`)})
        assert.deepEqual(
          found.map((r) => [r.vm, r.known]),
          [['web-1', false]],
          'kept out of this pass all the same',
        )
        assert.match(unanswered[0]!, /^web-1: nowhere did not answer \(host "nowhere" is not in/)
        assert.equal((await openIntents(store)).length, 1)
      })

      it('the executor writes each intent before its action and removes it after, with the outcome in the actions log', async () => {
        let openDuring: Intent[] = []
        const action = migrate('batch-2', 'east3', 'east2')
        const outcomes = await executePlan(session, new History(), [action], undefined, undefined, {
          store,
          by: 'me pid 2',
          mayAct: async () => {
            openDuring = await openIntents(store)
            return true
          },
        })
        assert.deepEqual(
          outcomes.map((o) => o.ok),
          [true],
        )
        assert.deepEqual(openDuring, [], 'nothing open before it starts')
        assert.deepEqual(await openIntents(store), [], 'nothing open after it ends')
        const log = (await store.readLog('actions')).map((r) => JSON.parse(r.text) as {action: Action; ok: boolean; by: string})
        assert.deepEqual(
          log.map((r) => [r.action.kind, r.ok, r.by]),
          [['migrate', true, 'me pid 2']],
        )
        // One no longer allowed to act starts nothing and writes no intent.
        const none = await executePlan(session, new History(), [migrate('batch-1', 'east3', 'east2')], undefined, undefined, {
          store,
          by: 'me pid 2',
          mayAct: async () => false,
        })
        assert.deepEqual([none, await openIntents(store), (await store.readLog('actions')).length], [[], [], 1])
      })

      it('a pass never starts again the migration it just recovered; a dry run writes no intent', async () => {
        const options = {policy: 'violin', dryRun: false, intervalMs: 5000, policyOptions: {...DEFAULT_POLICY_OPTIONS, maxMigrations: 4}}
        // The policy moves web-2 off east1 (see test/cli/adapt-sim.test.ts): its move was begun and not finished.
        await leaveOpen(store, migrate('web-2', 'east1', 'east2'))
        const dry = await adaptationPass(session, new History(), {...options, dryRun: true}, {journal: {store, by: 'me pid 2'}})
        assert.ok(
          dry.result.plan.actions.some((a) => a.kind === 'migrate' && a.vm === 'web-2'),
          'a dry run recovers nothing: it writes nothing',
        )
        assert.equal((await openIntents(store)).length, 1)
        const pass = await adaptationPass(session, new History(), options, {journal: {store, by: 'me pid 2'}})
        assert.ok(
          !pass.result.plan.actions.some(
            (a) =>
              (a.kind === 'migrate' && a.vm === 'web-2') || (a.kind === 'migrate-environment' && a.moves.some((m) => m.vm === 'web-2')),
          ),
          JSON.stringify(pass.result.plan.actions),
        )
        assert.ok(
          pass.result.plan.notes.includes('web-2: not moved this pass: its last action was just recovered'),
          pass.result.plan.notes.join('\n'),
        )
        assert.deepEqual(await openIntents(store), [])
      })
    })
  }
})
