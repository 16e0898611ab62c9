import assert from 'node:assert/strict'

import {tmpdir} from 'node:os'
import {relative} from 'node:path'

import {EXAMPLE, ROOT, tempHome, violin, violinProcess} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]

describe('violin on the shipped sim cluster', () => {
  const home = tempHome()
  after(() => home.remove())

  it('lists running VMs of every host, and shut-off ones with --all', async () => {
    const running = await violin(['list', ...sim, '--json'], home.env)
    assert.equal(running.exitCode, 0)
    assert.equal(running.json.vms.length, 11)
    assert.ok(!running.json.vms.some((v: {name: string}) => v.name === 'spare'))
    const all = await violin(['list', ...sim, '--all', '--name'], home.env)
    assert.ok(all.stdout.split('\n').includes('spare'))
  })

  it('narrows to one site or one host', async () => {
    const west = await violin(['list', ...sim, '--site', 'west', '--format', 'csv'], home.env)
    assert.match(west.stdout, /^host,site,id,name,state\n/)
    assert.ok(
      west.stdout
        .trim()
        .split('\n')
        .slice(1)
        .every((l) => l.split(',')[1] === 'west'),
    )
    const one = await violin(['list', ...sim, '--host', 'east3', '--json'], home.env)
    assert.deepEqual(
      one.json.vms.map((v: {name: string}) => v.name),
      ['batch-1', 'batch-2'],
    )
  })

  it("prints usage: each VM's CPU as a share of its vCPUs, each host's CPU and free memory", async () => {
    const r = await violin(['usage', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 0)
    const vm = (n: string) => r.json.vms.find((v: {name: string}) => v.name === n)
    assert.equal(vm('db-1').cpu_percent, 60) // demand 0.6 on a host with room
    assert.equal(vm('batch-1').cpu_percent, 66.7) // east3 is overcommitted: 6 vCPUs of demand on 4 cores
    const east3 = r.json.hosts.find((h: {host: string}) => h.host === 'east3')
    assert.equal(east3.cpu_percent, 100)
    assert.equal(east3.free_memory_mib, 10 * 1024)
    assert.equal(r.json.interval_sec, 1)
  })

  it('renders usage as a table of hosts and a table of VMs', async () => {
    const r = await violin(['usage', ...sim, '--site', 'east'], home.env)
    assert.match(r.stdout, /Host\s+Site\s+Status\s+Cores\s+CPU/)
    assert.match(r.stdout, /east3\s+east\s+ok\s+4\s+100\.0%/)
    assert.match(r.stdout, /db-1\s+running\s+4\s+60\.0%/)
    assert.doesNotMatch(r.stdout, /west1/)
  })

  it('watches for a bounded number of readings, one JSON object a line', async () => {
    const r = await violin(['usage', ...sim, '--watch', '--count', '3', '--interval', '1', '--json'], home.env)
    const readings = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.equal(readings.length, 3)
    assert.ok(readings.every((x: {interval_sec: number}) => x.interval_sec === 1))
    assert.ok(readings[1].time > readings[0].time, 'each reading is stamped with its own time')
  })

  it('stops watching at the first Ctrl-C, after the reading it is on, with exit 0', async () => {
    const {execa} = await import('execa')
    const child = execa(process.execPath, [`${ROOT}/bin/run.js`, 'usage', ...sim, '--watch', '--interval', '1', '--format', 'json'], {
      reject: false,
      env: home.env,
    })
    const firstLine = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(String(d))))
    child.kill('SIGINT')
    const done = await child
    assert.equal(done.exitCode, 0, String(done.stderr))
    const readings = String(done.stdout).trim().split('\n')
    assert.ok(readings.length >= 1 && readings.length <= 3, `${readings.length} readings`)
    assert.equal(JSON.parse(firstLine.split('\n')[0]!).hosts.length, 5)
  })

  it('shows one VM with dominfo and its raw counters with domstats', async () => {
    const info = await violin(['dominfo', 'web-2', ...sim], home.env)
    assert.match(info.stdout, /Host:\s+east1/)
    assert.match(info.stdout, /CPU\(s\):\s+4/)
    assert.match(info.stdout, /Max memory:\s+8 GiB/)
    const stats = await violin(['domstats', 'web-2', ...sim, '--json'], home.env)
    assert.equal(stats.json.raw['vcpu.current'], '4')
    assert.equal(stats.json.migration, null, 'measured only when asked')
  })

  it('domstats --dirty-rate measures what the VM holds, and says that nothing knows its dirty rate', async () => {
    const stats = await violin(['domstats', 'web-2', '--dirty-rate', ...sim, '--json'], home.env)
    assert.equal(stats.exitCode, 0, stats.stderr)
    const m = stats.json.migration
    assert.equal(m.used_from, 'guest')
    assert.ok(m.used_mib > 0)
    assert.deepEqual({rate: m.dirty_rate_mibs, from: m.dirty_rate_from}, {rate: null, from: 'none'})
    assert.ok(Number.isFinite(Date.parse(m.measured_at)))
    const text = await violin(['domstats', 'web-2', '--dirty-rate', ...sim], home.env)
    assert.match(text.stdout, /^ {2}migration\.dirty_rate_mibs=-$/m)
    assert.match(text.stdout, /^ {2}migration\.dirty_rate_from=none$/m)
    const alone = await violin(['domstats', 'web-2', '--seconds', '2', ...sim], home.env)
    assert.equal(alone.exitCode, 2, 'a measuring time without --dirty-rate is a usage error')
  })

  it('sets memory within max memory and refuses more, as virsh does', async () => {
    const ok = await violin(['setmem', 'web-2', '6G', ...sim], home.env)
    assert.equal(ok.exitCode, 0)
    assert.match(ok.stdout, /Memory of web-2 on east1 set to 6 GiB \(live\)/)
    const tooBig = await violin(['setmem', 'web-2', '9GiB', ...sim], home.env)
    assert.equal(tooBig.exitCode, 2)
    assert.match(tooBig.stderr, /max memory 8192 MiB/)
  })

  it('plans a migration with --dry-run and performs it otherwise', async () => {
    const dry = await violin(['migrate', 'web-1', 'east2', '--live', '--dry-run', ...sim, '--json'], home.env)
    assert.equal(dry.json.dry_run, true)
    assert.equal(dry.json.plan.from, 'east1')
    const real = await violin(['migrate', 'web-1', 'east2', '--live', '--bandwidth', '100', ...sim, '--json'], home.env)
    assert.equal(real.exitCode, 0)
    assert.ok(real.json.result.wall_ms > 0)
  })

  it('shows and sets CPU weight and cap', async () => {
    const r = await violin(['schedinfo', 'web-1', '--set', 'weight=512', '--set', 'cap=50', ...sim, '--json'], home.env)
    assert.deepEqual(r.json.params, {scheduler: 'credit', weight: 512, cap: 50})
    const bad = await violin(['schedinfo', 'web-1', '--set', 'shares=3', ...sim], home.env)
    assert.equal(bad.exitCode, 2)
    assert.match(bad.stderr, /not weight=N or cap=N/)
  })
})

describe('sim hosts in the inventory', () => {
  const home = tempHome()
  after(() => home.remove())

  it('records the cluster file as an absolute path and reads it from any directory', async () => {
    const rel = relative(process.cwd(), EXAMPLE)
    assert.equal(
      (await violin(['host', 'add', 'east3', '--local', '--site', 'east', '--driver', 'sim', '--uri', rel], home.env)).exitCode,
      0,
    )
    const hosts = await violin(['host', 'list', '--json'], home.env)
    assert.equal(hosts.json[0].uri, EXAMPLE)
    const list = await violinProcess(['list', '--json'], home.env, tmpdir())
    assert.equal(list.exitCode, 0, list.stderr)
    assert.deepEqual(
      list.json.vms.map((v: {name: string}) => v.name),
      ['batch-1', 'batch-2'],
    )
  })

  it('a sim host that the cluster file does not have is reported, not invented', async () => {
    await violin(['host', 'add', 'mars', '--local', '--site', 'east', '--driver', 'sim', '--uri', EXAMPLE], home.env)
    const r = await violin(['list'], home.env)
    assert.equal(r.exitCode, 7)
    assert.match(r.stderr, /^warning: host "mars" is not in .*two-sites\.yaml/m)
  })
})

describe('bad input on the sim cluster', () => {
  const home = tempHome()
  after(() => home.remove())

  it('an unknown VM exits 4 and says what to try', async () => {
    const r = await violin(['dominfo', 'nope', ...sim], home.env)
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /VM "nope" is not on any host/)
    assert.match(r.stderr, /Try: violin list --all/)
  })

  it('an unknown host exits 4', async () => {
    const r = await violin(['list', ...sim, '--host', 'mars'], home.env)
    assert.equal(r.exitCode, 4)
    assert.match(r.stderr, /host "mars" is not in sim:/)
  })

  it('an unknown site exits 4; a malformed size exits 2', async () => {
    assert.equal((await violin(['usage', ...sim, '--site', 'north'], home.env)).exitCode, 4)
    const size = await violin(['setmem', 'web-1', 'lots', ...sim], home.env)
    assert.equal(size.exitCode, 2)
    assert.match(size.stderr, /"lots" is not a size/)
  })

  it('a missing cluster file exits 3 and names the file', async () => {
    const r = await violin(['list', '--connect', 'sim:/nonexistent/cluster.yaml'], home.env)
    assert.equal(r.exitCode, 3)
    assert.match(r.stderr, /\/nonexistent\/cluster\.yaml: cannot read: no such file\nTry: check the path/)
  })

  it('a file that cannot be opened says why in words and does not ask to edit it (env define --file, calibrate --csv)', async () => {
    const dir = await violin(['env', 'define', '--file', home.dir, '--dry-run'], home.env)
    assert.equal(dir.exitCode, 3)
    assert.match(dir.stderr, /: cannot read: is a directory, not a file\nTry: check the path and its permissions/)
    const csv = await violin(['calibrate', '--csv', '/nonexistent/m.csv'], home.env)
    assert.equal(csv.exitCode, 3)
    assert.match(csv.stderr, /\/nonexistent\/m\.csv: cannot read: no such file/)
  })

  it('an unknown flag is a usage error (2), also under --json', async () => {
    const r = await violin(['list', '--bogus'], home.env)
    assert.equal(r.exitCode, 2)
    const j = await violin(['list', '--bogus', '--json'], home.env)
    assert.equal(j.exitCode, 2)
    assert.equal(j.json.error.exit_code, 2)
  })

  it('a --connect that is neither sim: nor a URI is a usage error', async () => {
    const r = await violin(['list', '--connect', 'potato'], home.env)
    assert.equal(r.exitCode, 2)
  })

  it('errors under --json are JSON with the exit status', async () => {
    const r = await violin(['dominfo', 'nope', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 4)
    assert.equal(r.json.error.type, 'NotFoundError')
  })
})
