import assert from 'node:assert/strict'

import {EXAMPLE, tempHome, violin} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]
const keys = (x: object) => Object.keys(x).sort()

/** The --json payload of each command is an interface scripts depend on: pin its keys. */
describe('--json shapes', () => {
  const home = tempHome()
  after(() => home.remove())

  it('list: {asked, vms: [{host, site, id?, name, state}], failed}', async () => {
    const {json} = await violin(['list', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['asked', 'failed', 'vms'])
    assert.deepEqual(keys(json.vms[0]), ['host', 'id', 'name', 'site', 'state'])
  })

  it('dominfo: the VM with its host and site', async () => {
    const {json} = await violin(['dominfo', 'db-1', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['autostart', 'cpuTimeSec', 'host', 'id', 'maxMemoryMiB', 'memoryMiB', 'name', 'persistent', 'site', 'state', 'vcpus'])
  })

  it('domstats: parsed counters and the raw ones', async () => {
    const {json} = await violin(['domstats', 'db-1', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['cpuTimeNs', 'host', 'maxMemoryMiB', 'memoryMiB', 'memoryUsedMiB', 'name', 'raw', 'state', 'timeMs', 'vcpus'])
  })

  it('usage: {timeMs, intervalSec, hosts, vms}', async () => {
    const {json} = await violin(['usage', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['hosts', 'intervalSec', 'timeMs', 'vms'])
    assert.deepEqual(keys(json.hosts[0]), ['cores', 'cpuPercent', 'freeMemoryMiB', 'host', 'memoryMiB', 'site', 'status', 'vms'])
    assert.deepEqual(keys(json.vms[0]), ['cpuPercent', 'host', 'maxMemoryMiB', 'memoryMiB', 'memoryUsedMiB', 'name', 'site', 'state', 'vcpus'])
  })

  it('schedinfo: {host, name, params}', async () => {
    const {json} = await violin(['schedinfo', 'db-1', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['host', 'name', 'params'])
  })

  it('setmem: what was set, and where', async () => {
    const {json} = await violin(['setmem', 'db-1', '9G', ...sim, '--json'], home.env)
    assert.deepEqual(json, {host: 'east2', name: 'db-1', memoryMiB: 9216, live: true, config: false, balloonMiB: 9216, balloon: 'reached'})
  })

  it('migrate --dry-run: {dryRun, plan}', async () => {
    const {json} = await violin(['migrate', 'db-1', 'east3', '--live', '--dry-run', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json), ['dryRun', 'plan'])
    assert.deepEqual(json.plan, {
      name: 'db-1',
      from: 'east2',
      to: 'east3',
      destinationUri: 'east3',
      memoryMiB: 8192,
      live: true,
      offline: false,
      copyStorage: false,
      peerToPeer: false,
      copiedDisks: [],
    })
  })

  it('the single-VM verbs: {vm, host, state}; shutdown --wait adds waited_sec; undefine, dumpxml, autostart their own', async () => {
    for (const verb of ['start', 'reboot', 'destroy', 'suspend']) {
      const {json} = await violin([verb, verb === 'start' ? 'spare' : 'db-1', ...sim, '--json'], home.env)
      assert.deepEqual(keys(json), ['host', 'state', 'vm'], verb)
    }
    assert.deepEqual(keys((await violin(['shutdown', 'db-1', '--wait', ...sim, '--json'], home.env)).json), ['host', 'state', 'vm', 'waited_sec'])
    assert.deepEqual(keys((await violin(['undefine', 'spare', ...sim, '--json'], home.env)).json), ['host', 'removed', 'vm'])
    assert.deepEqual(keys((await violin(['dumpxml', 'db-1', ...sim, '--json'], home.env)).json), ['config', 'format', 'host', 'vm'])
    assert.deepEqual(keys((await violin(['autostart', 'db-1', ...sim, '--json'], home.env)).json), ['autostart', 'host', 'vm'])
  })

  it('errors: {error: {type, message, hint, exitCode}}', async () => {
    const {json} = await violin(['dominfo', 'ghost', ...sim, '--json'], home.env)
    assert.deepEqual(keys(json.error), ['exitCode', 'hint', 'message', 'type'])
  })
})
