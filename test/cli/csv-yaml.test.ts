import assert from 'node:assert/strict'

import {parse, parseAllDocuments} from 'yaml'

import {EXAMPLE, tempHome, violin} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]
const lines = (text: string) => text.trim().split('\n')
const cells = (line: string) => line.split(',')
/** A JSON value as its CSV cell: raw, unknown empty. */
const cell = (v: unknown) => (v === null ? '' : String(v))

describe('--format csv and yaml: the rows of --json, raw', () => {
  const home = tempHome()
  after(() => home.remove())

  it('list: one row per VM, the JSON keys as header, the same values', async () => {
    const json = (await violin(['list', '--all', ...sim, '--json'], home.env)).json
    const csv = await violin(['list', '--all', ...sim, '--format', 'csv'], home.env)
    assert.equal(csv.exitCode, 0, csv.stderr)
    const [header, ...rows] = lines(csv.stdout)
    assert.deepEqual(cells(header!), Object.keys(json.vms[0]))
    assert.deepEqual(
      rows.map((r) => cells(r)),
      json.vms.map((v: Record<string, unknown>) => Object.values(v).map(cell)),
    )
    assert.ok(
      rows.some((r) => /^west2,west,,spare,shutoff$/.test(r)),
      'a shut-off VM has no id: an empty cell, not 0',
    )
  })

  it('usage: the VMs with the time and memory in MiB, or --hosts; the header once under --watch, none with --no-header', async () => {
    const vms = await violin(['usage', ...sim, '--site', 'west', '--format', 'csv'], home.env)
    const [header, ...rows] = lines(vms.stdout)
    assert.equal(header, 'time,host,site,name,state,vcpus,cpu_percent,cpu_demand_percent,memory_used_mib,memory_mib,max_memory_mib')
    assert.ok(rows.includes('2026-01-01T00:00:01.000Z,west1,west,hpc-1,running,8,70,,12288,16384,32768'), vms.stdout)
    const hosts = await violin(['usage', ...sim, '--hosts', '--format', 'csv'], home.env)
    assert.equal(
      lines(hosts.stdout)[0],
      'time,host,site,status,error,exit_code,cores,cpu_percent,memory_mib,free_memory_mib,vms,swap_writes_per_second,nic_percent,nic_bytes_per_second,nic',
    )
    assert.match(hosts.stdout, /^2026-01-01T00:00:01\.000Z,east3,east,ok,,,4,100,16384,10240,2,,,,$/m)
    const watch = await violin(['usage', ...sim, '--site', 'west', '--watch', '--count', '2', '--format', 'csv'], home.env)
    const all = lines(watch.stdout)
    assert.equal(all.filter((l) => l.startsWith('time,')).length, 1, watch.stdout)
    assert.equal(all.length, 1 + 2 * rows.length)
    assert.ok(all.at(-1)!.startsWith('2026-01-01T00:00:02.000Z,'), 'each reading with its own time')
    const bare = await violin(['usage', ...sim, '--site', 'west', '--format', 'csv', '--no-header'], home.env)
    assert.deepEqual(lines(bare.stdout), rows)
  })

  it('usage --hosts and --vms narrow the table too, and exclude each other', async () => {
    const hosts = await violin(['usage', ...sim, '--hosts'], home.env)
    assert.match(hosts.stdout, /Host\s+Site\s+Status/)
    assert.doesNotMatch(hosts.stdout, /db-1/)
    const vms = await violin(['usage', ...sim, '--vms'], home.env)
    assert.match(vms.stdout, /db-1/)
    assert.doesNotMatch(vms.stdout, /Status/)
    assert.equal((await violin(['usage', ...sim, '--hosts', '--vms'], home.env)).exitCode, 2)
  })

  it('one object: dominfo is one row; nested keys are joined with a dot (predict migration)', async () => {
    const info = lines((await violin(['dominfo', 'db-1', ...sim, '--format', 'csv'], home.env)).stdout)
    assert.deepEqual(info, [
      'name,host,site,id,uuid,state,vcpus,cpu_time_sec,max_memory_mib,memory_mib,persistent,autostart',
      'db-1,east2,east,1,,running,4,0,16384,8192,true,false',
    ])
    const p = await violin(['predict', 'migration', '--memory', '1G', '--format', 'csv'], home.env)
    const [header, row] = lines(p.stdout)
    const json = (await violin(['predict', 'migration', '--memory', '1G', '--json'], home.env)).json
    const byName = Object.fromEntries(cells(header!).map((h, i) => [h, cells(row!)[i]]))
    assert.equal(byName['interval.total.low_ms'], String(json.interval.total.low_ms))
    assert.equal(byName.total_ms, String(json.total_ms), 'milliseconds, not "9.3 s"')
    assert.equal(byName.remedies, '', 'an empty list is an empty cell')
  })

  it('simulate: one row per policy, named', async () => {
    const r = await violin(['simulate', 'examples/scenarios/icac-2.yaml', '--compare', 'none,violin', '--format', 'csv'], home.env)
    const [header, ...rows] = lines(r.stdout)
    assert.ok(header!.startsWith('policy,average_time_s,overall_time_s,migrations,failed_environments,environments.V1.time_s,'), header)
    assert.deepEqual(
      rows.map((row) => cells(row)[0]),
      ['none', 'violin'],
    )
  })

  it('--format yaml is the JSON payload in YAML; under --watch one document per reading', async () => {
    const json = (await violin(['list', ...sim, '--json'], home.env)).json
    const yaml = await violin(['list', ...sim, '--format', 'yaml'], home.env)
    assert.equal(yaml.exitCode, 0, yaml.stderr)
    assert.deepEqual(parse(yaml.stdout), json)
    const watch = await violin(['usage', ...sim, '--watch', '--count', '2', '--format', 'yaml'], home.env)
    const docs = parseAllDocuments(watch.stdout).map((d) => d.toJS()) as Array<{time: string; vms: unknown[]}>
    assert.deepEqual(
      docs.map((d) => d.time),
      ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z'],
    )
  })
})
