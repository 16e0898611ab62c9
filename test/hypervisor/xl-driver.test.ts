import assert from 'node:assert/strict'
import {CommandFailedError, HypervisorUnavailableError, NotFoundError, UsageError, ViolinError} from '../../src/errors.js'
import {xlConfig} from '../../src/hypervisor/xl/config.js'
import {HOST_COUNTERS_ARGV} from '../../src/hypervisor/host-counters.js'
import {WRITE_FROM_STDIN, XlDriver} from '../../src/hypervisor/xl/driver.js'
import {fixture} from '../helpers/fixtures.js'
import {RecordedTransport, UnrecordedCommandError, xlFixture, type Recording} from '../helpers/recorded-transport.js'

const XL_INFO: [string[], Recording] = [['xl', 'info'], {stdout: xlFixture('xl-info.txt')}]
const XL_INFO_CREDIT: [string[], Recording] = [['xl', 'info'], {stdout: xlFixture('xl-info-manpage.txt')}]
const XL_LIST: [string[], Recording] = [['xl', 'list'], {stdout: xlFixture('xl-list.txt')}]
const XL_LIST_LONG: [string[], Recording] = [['xl', 'list', '-l'], {stdout: xlFixture('xl-list-long.json')}]
const XENTOP: [string[], Recording] = [['xentop', '-b', '-i', '1', '-r', '-f'], {stdout: xlFixture('xentop-b-i1-r-f.txt')}]
const COUNTERS: [readonly string[], Recording] = [HOST_COUNTERS_ARGV, {stdout: fixture('proc', 'host-counters-veth.txt')}]
const SILENT: Recording = {stdout: xlFixture('xl-silent-success.txt')}
const NO_HYPERVISOR: Recording = {stderr: xlFixture('no-hypervisor.txt'), exitCode: 1}
const HOSTILE = "x'; touch /tmp/owned; '"

/** The recorded "unknown domain" line, with the name the test asked for (xl's find_domain() format). */
function invalidDomain(name: string): Recording {
  return {stderr: xlFixture('xl-invalid-domain.txt').replace('mirage-test', name), exitCode: 1}
}

function driver(recordings: Array<[readonly string[], Recording]>, clock?: () => number, options?: {nic?: string}) {
  const transport = new RecordedTransport('x1', recordings)
  return {transport, xl: new XlDriver(transport, clock, options)}
}

describe('XlDriver on recorded xl output', () => {
  it('describes the host from xl info: CPUs, memory, free memory and Xen version', async () => {
    const {xl} = driver([XL_INFO])
    assert.deepEqual(await xl.hostInfo(), {
      hostname: 'raspi4',
      cores: 4,
      memoryMiB: 1972,
      freeMemoryMiB: 1173,
      mhz: 54,
      hypervisor: 'xen',
      hypervisorVersion: '4.15.1',
    })
  })

  it('lists the guests but not Domain-0, which is the host', async () => {
    const {xl, transport} = driver([XL_LIST])
    assert.deepEqual(await xl.listVms(), [{name: 'guest-01', id: 4, state: 'idle'}])
    assert.deepEqual(transport.argvs(), [['xl', 'list']])
  })

  it("combines xl list and xl list -l into one VM's info", async () => {
    const {xl} = driver([XL_LIST, XL_LIST_LONG])
    assert.deepEqual(await xl.vmInfo('guest-01'), {
      name: 'guest-01',
      id: 4,
      state: 'idle',
      uuid: '00000000-0000-4000-8000-000000000001',
      vcpus: 2,
      memoryMiB: 1024,
      maxMemoryMiB: 1024,
      cpuTimeSec: 7.7,
    })
  })

  it("falls back to xl list's numbers for a VM that xl list -l leaves out", async () => {
    // xl list -l skips domains whose configuration libxl cannot retrieve (stub domains, for one)
    const {xl} = driver([[['xl', 'list'], {stdout: xlFixture('xl-list-rpi4.txt')}], XL_LIST_LONG])
    const info = await xl.vmInfo('ubuntu-20.04')
    assert.deepEqual([info.memoryMiB, info.maxMemoryMiB, info.vcpus, info.uuid], [256, 256, 2, undefined])
  })

  it('says a VM xl does not list is not found', async () => {
    const {xl} = driver([XL_LIST, XL_LIST_LONG])
    await assert.rejects(xl.vmInfo('guest-02'), (error: unknown) => {
      assert.ok(error instanceof NotFoundError)
      assert.match(error.message, /VM "guest-02" is not running on host "x1"/)
      return true
    })
  })

  describe('sampling', () => {
    it("reports each guest's CPU time from xentop's CPU(sec), in nanoseconds", async () => {
      const {xl} = driver([XL_INFO, XENTOP, COUNTERS], () => 42_000)
      const sample = await xl.sample()
      const vm = sample.vms.find((v) => v.name === 'h-vm-03-sample')
      assert.equal(vm?.cpuTimeNs, 4070e9)
      assert.equal(vm?.vcpus, 2)
      assert.equal(vm?.state, 'idle')
      assert.equal(sample.timeMs, 42_000)
    })

    it('reports memory and maximum memory from xentop in MiB, under the full name', async () => {
      const {xl} = driver([XL_INFO, XENTOP, COUNTERS])
      const vm = (await xl.sample()).vms.find((v) => v.name === 'r-vm-06 proxy')
      assert.equal(vm?.memoryMiB, 2097140 / 1024)
      assert.equal(vm?.maxMemoryMiB, 2098164 / 1024)
      assert.equal(vm?.raw.VBD_WR, '1436388')
    })

    it('leaves Domain-0 out of the VMs and reports the host from xl info', async () => {
      const {xl} = driver([XL_INFO, XENTOP, COUNTERS])
      const sample = await xl.sample()
      assert.equal(sample.vms.length, 8)
      assert.ok(!sample.vms.some((v) => v.name === 'Domain-0'))
      assert.equal(sample.host.freeMemoryMiB, 1173)
    })

    it("reads dom0's swap and NIC counters in one more command beside xl info and xentop", async () => {
      const {xl, transport} = driver([XL_INFO, XENTOP, COUNTERS])
      const sample = await xl.sample()
      assert.deepEqual(sample.counters, {swapOutPages: 0, nicBytes: 516 + 762, nicBytesPerSecond: 1.25e9, nic: 'rec0'})
      assert.equal(transport.argvs().filter((a) => a[0] === 'sh').length, 1)
    })

    it('measures the NIC the host record names', async () => {
      const {xl} = driver([XL_INFO, XENTOP, COUNTERS], undefined, {nic: 'lo'})
      assert.equal((await xl.sample()).counters?.nic, 'lo')
    })

    it('still samples the guests when the counters cannot be read', async () => {
      const {xl} = driver([XL_INFO, XENTOP, [HOST_COUNTERS_ARGV, {exitCode: 1}]])
      const sample = await xl.sample()
      assert.equal(sample.counters, undefined)
      assert.equal(sample.vms.length, 8)
    })
  })

  describe('memory', () => {
    it("sets a running VM's balloon target with xl mem-set in MiB", async () => {
      const {xl, transport} = driver([[['xl', 'mem-set', '--', 'guest-01', '512m'], SILENT]])
      await xl.setMemory('guest-01', 512, {live: true, config: false})
      assert.deepEqual(transport.argvs(), [['xl', 'mem-set', '--', 'guest-01', '512m']])
    })

    it('passes a fractional size in KiB, which xl reads as an integer', async () => {
      const {xl, transport} = driver([[['xl', 'mem-set', '--', 'guest-01', '1536k'], SILENT]])
      await xl.setMemory('guest-01', 1.5, {live: true, config: false})
      assert.deepEqual(transport.argvs()[0], ['xl', 'mem-set', '--', 'guest-01', '1536k'])
    })

    it('passes a hostile VM name to xl as one argument, never as shell code', async () => {
      const argv = ['xl', 'mem-set', '--', HOSTILE, '512m']
      const {xl, transport} = driver([[argv, invalidDomain(HOSTILE)]])
      await assert.rejects(xl.setMemory(HOSTILE, 512, {live: true, config: false}), NotFoundError)
      assert.deepEqual(transport.argvs(), [argv])
      assert.equal(transport.argvs()[0]?.[3], HOSTILE)
    })

    it('refuses a configured-memory change, naming the VM, and runs nothing', async () => {
      const {xl, transport} = driver([])
      await assert.rejects(xl.setMemory('guest-01', 512, {live: false, config: true}), (error: unknown) => {
        assert.ok(error instanceof UsageError)
        assert.match(error.message, /VM "guest-01"/)
        assert.match(error.message, /only the running domain/)
        return true
      })
      await assert.rejects(xl.setMemory('guest-01', 512, {live: true, config: true}), UsageError)
      assert.deepEqual(transport.calls, [])
    })

    it('refuses a size that is not a positive number', async () => {
      const {xl} = driver([])
      await assert.rejects(xl.setMemory('guest-01', 0, {live: true, config: false}), UsageError)
      await assert.rejects(xl.setMemory('guest-01', Number.NaN, {live: true, config: false}), UsageError)
    })
  })

  describe('CPU weight and cap', () => {
    it('reads weight and cap with xl sched-credit on a credit host', async () => {
      const {xl, transport} = driver([
        XL_INFO_CREDIT,
        [['xl', 'sched-credit', '-d', 'guest-01'], {stdout: xlFixture('xl-sched-credit-d.txt')}],
      ])
      assert.deepEqual(await xl.schedInfo('guest-01'), {weight: 256, cap: 0})
      assert.deepEqual(transport.argvs(), [
        ['xl', 'info'],
        ['xl', 'sched-credit', '-d', 'guest-01'],
      ])
    })

    it('uses xl sched-credit2 where xl info says the scheduler is credit2', async () => {
      const {xl} = driver([XL_INFO, [['xl', 'sched-credit2', '-d', 'ubuntu-20.04'], {stdout: xlFixture('xl-sched-credit2-d.txt')}]])
      assert.deepEqual(await xl.schedInfo('ubuntu-20.04'), {weight: 256, cap: 0})
    })

    it('sets weight and cap, then returns the values xl reports afterwards', async () => {
      const setArgv = ['xl', 'sched-credit', '-d', 'guest-01', '-w', '512', '-c', '50']
      const {xl, transport} = driver([
        XL_INFO_CREDIT,
        [setArgv, SILENT],
        [['xl', 'sched-credit', '-d', 'guest-01'], {stdout: xlFixture('xl-sched-credit-d-after-set.txt')}],
      ])
      assert.deepEqual(await xl.setSched('guest-01', {weight: 512, cap: 50}), {weight: 512, cap: 50})
      assert.deepEqual(transport.argvs(), [['xl', 'info'], setArgv, ['xl', 'sched-credit', '-d', 'guest-01']])
    })

    it('asks xl info for the scheduler only once', async () => {
      const read = ['xl', 'sched-credit', '-d', 'guest-01']
      const {xl, transport} = driver([XL_INFO_CREDIT, [read, {stdout: xlFixture('xl-sched-credit-d.txt')}]])
      await xl.schedInfo('guest-01')
      await xl.schedInfo('guest-01')
      assert.equal(transport.argvs().filter((a) => a[1] === 'info').length, 1)
    })

    it('says an unknown VM is not found when xl sched-credit cannot resolve its name', async () => {
      const {xl, transport} = driver([XL_INFO_CREDIT, [['xl', 'sched-credit', '-d', HOSTILE], invalidDomain(HOSTILE)]])
      await assert.rejects(xl.schedInfo(HOSTILE), NotFoundError)
      assert.deepEqual(transport.argvs()[1], ['xl', 'sched-credit', '-d', HOSTILE])
    })

    it('refuses a weight outside 1..65535 or a negative cap before running anything', async () => {
      const {xl, transport} = driver([])
      await assert.rejects(xl.setSched('guest-01', {weight: 0}), UsageError)
      await assert.rejects(xl.setSched('guest-01', {weight: 70000}), UsageError)
      await assert.rejects(xl.setSched('guest-01', {cap: -1}), UsageError)
      await assert.rejects(xl.setSched('guest-01', {}), UsageError)
      assert.deepEqual(transport.calls, [])
    })
  })

  describe('migration', () => {
    const argvTo = (name: string, host: string) => ['xl', 'migrate', '-s', 'ssh -o BatchMode=yes', '--', name, host]

    it('migrates live over ssh and measures the wall time on its clock', async () => {
      const times = [1_000, 4_500]
      const {xl, transport} = driver([[argvTo('guest-01', 'h2'), {stderr: xlFixture('xl-migrate-success.txt')}]], () => times.shift()!)
      const result = await xl.migrate('guest-01', {hostName: 'h2', uri: 'h2'}, {live: true, timeoutSec: 120})
      assert.equal(result.wallMs, 3_500)
      assert.deepEqual(result.raw, {stream: 'new xl format 0x3/0x0/1444', domainType: 'x86 PV', sourceXen: '4.9'})
      assert.equal(transport.calls[0]?.options?.timeoutMs, 120_000)
    })

    it('reports what xl said when a migration fails', async () => {
      const {xl} = driver([[argvTo('guest-01', 'h2'), {stderr: xlFixture('no-hypervisor-direct-xl.txt'), exitCode: 1}]])
      await assert.rejects(xl.migrate('guest-01', {hostName: 'h2', uri: 'h2'}, {live: true}), (error: unknown) => {
        assert.ok(error instanceof ViolinError)
        assert.match(error.message, /migrating VM "guest-01" to h2 failed \(exit 1\)/)
        assert.match(error.message, /cannot init xl context/)
        return true
      })
    })

    it('refuses a destination a shell would read as more than a host name', async () => {
      const {xl, transport} = driver([])
      for (const uri of ['h2; reboot', '$(reboot)', '-oProxyCommand=reboot', 'root@-x', 'h2 h3', '']) {
        await assert.rejects(xl.migrate('guest-01', {hostName: 'h2', uri}, {live: true}), UsageError, uri)
      }
      assert.deepEqual(transport.calls, [])
    })

    it('refuses what xl migrate cannot do: a cold move or a bandwidth limit', async () => {
      const {xl} = driver([])
      await assert.rejects(xl.migrate('guest-01', {hostName: 'h2', uri: 'h2'}, {live: false}), UsageError)
      await assert.rejects(xl.migrate('guest-01', {hostName: 'h2', uri: 'h2'}, {live: true, bandwidthMiBs: 100}), UsageError)
      await assert.rejects(
        xl.migrate('guest-01', {hostName: 'h2', uri: 'h2'}, {live: true, autoConverge: true}),
        /cannot throttle VM "guest-01"/,
      )
    })
  })

  describe('when no hypervisor is running (recorded on this machine with xen-utils-4.17)', () => {
    it("reports xl as not working, with xl's own words", async () => {
      const {xl, transport} = driver([[['xl', 'info'], NO_HYPERVISOR]])
      assert.deepEqual(await xl.checkTools(), [{tool: 'xl', ok: false, detail: "xl: Can't find hypervisor information in sysfs! (exit 1)"}])
      assert.equal(transport.calls[0]?.options?.allowFailure, true)
    })

    it('reports xl as working on a Xen host', async () => {
      const {xl} = driver([XL_INFO])
      assert.deepEqual(await xl.checkTools(), [{tool: 'xl', ok: true, detail: 'Xen 4.15.1, scheduler credit2, 4 CPUs, 1972 MiB'}])
    })

    it("fails host info as a host whose hypervisor did not answer (exit 5), in xl's own words", async () => {
      const {xl} = driver([[['xl', 'info'], NO_HYPERVISOR]])
      await assert.rejects(xl.hostInfo(), (error: unknown) => {
        assert.ok(error instanceof HypervisorUnavailableError)
        assert.equal(error.exitCode, 5)
        assert.equal(error.message, 'host "x1": the hypervisor did not answer (xl: Can\'t find hypervisor information in sysfs!)')
        assert.equal(error.hint, 'violin host check x1')
        return true
      })
    })

    it('never lists a host without Xen as a host with no VMs: xl list fails as the hypervisor not answering', async () => {
      for (const stderr of [xlFixture('no-hypervisor.txt'), xlFixture('no-hypervisor-direct-xl.txt')]) {
        const {xl} = driver([
          [['xl', 'list'], {stderr, exitCode: 1}],
          [['xl', 'list', '-l'], {stderr, exitCode: 1}],
        ])
        await assert.rejects(
          xl.listVms(),
          (error: unknown) =>
            error instanceof HypervisorUnavailableError && /host "x1": the hypervisor did not answer \(xl: /.test(error.message),
        )
        await assert.rejects(xl.vmInfo('lab-c1'), HypervisorUnavailableError)
      }
    })

    it("fails sampling with xentop's message from the real binary, as the hypervisor not answering", async () => {
      const {xl} = driver([
        XL_INFO,
        COUNTERS,
        [['xentop', '-b', '-i', '1', '-r', '-f'], {stderr: xlFixture('no-hypervisor-direct-xentop.txt'), exitCode: 1}],
      ])
      await assert.rejects(
        xl.sample(),
        (error: unknown) =>
          error instanceof HypervisorUnavailableError && /xentop: .*Failed to initialize xenstat library/.test(error.message),
      )
    })

    it("keeps a failure of one VM's command apart from the hypervisor not answering", async () => {
      const {xl} = driver([
        XL_INFO,
        [['xl', 'sched-credit2', '-d', 'nosuch'], invalidDomain('nosuch')],
        [['xl', 'mem-set', '--', 'nosuch', '512m'], {stderr: 'libxl: error: libxl_mem.c:1: memory_set failed\n', exitCode: 1}],
      ])
      await assert.rejects(xl.schedInfo('nosuch'), NotFoundError)
      await assert.rejects(
        xl.setMemory('nosuch', 512, {live: true, config: false}),
        (error: unknown) => error instanceof CommandFailedError && !(error instanceof HypervisorUnavailableError),
      )
    })
  })

  it('never hides a command the test did not record', async () => {
    const {xl} = driver([])
    await assert.rejects(xl.checkTools(), UnrecordedCommandError)
    await assert.rejects(xl.listVms(), UnrecordedCommandError)
  })
})

describe('XlDriver: VMs defined as xl.cfg files', () => {
  const spec = {
    name: 'lab-c1',
    vcpus: 1,
    memoryMiB: 256,
    maxMemoryMiB: 512,
    mac: '52:54:00:12:34:56',
    boot: {kernel: '/srv/vmlinux', initrd: '/srv/initrd.gz', cmdline: 'console=hvc0'},
  }
  const CFG = '/etc/xen/violin/lab-c1.cfg'

  it('defineVm sends the rendered xl.cfg on stdin to a file under /etc/xen/violin, renamed into place', async () => {
    const {xl, transport} = driver([[['sh', '-c', WRITE_FROM_STDIN, 'sh', CFG], {}]])
    await xl.defineVm(spec)
    const stdin = transport.calls[0]!.options?.stdin ?? ''
    assert.equal(stdin, xlConfig(spec))
    assert.match(stdin, /^kernel = "\/srv\/vmlinux"$/m)
    assert.match(stdin, /^maxmem = 512$/m)
  })

  it('startVm is xl create on that file; undefineVm removes it and its autostart link', async () => {
    const {xl, transport} = driver([
      [['xl', 'create', '--', CFG], {stdout: ''}],
      [['rm', '-f', '--', CFG, '/etc/xen/auto/lab-c1.cfg'], {}],
    ])
    await xl.startVm('lab-c1')
    await xl.undefineVm('lab-c1')
    assert.deepEqual(transport.argvs(), [
      ['xl', 'create', '--', CFG],
      ['rm', '-f', '--', CFG, '/etc/xen/auto/lab-c1.cfg'],
    ])
  })

  it('destroyVm of a VM that is not running is done; any other xl failure is reported', async () => {
    await driver([[['xl', 'destroy', '--', 'lab-c1'], invalidDomain('lab-c1')]]).xl.destroyVm('lab-c1')
    await assert.rejects(driver([[['xl', 'destroy', '--', 'lab-c1'], NO_HYPERVISOR]]).xl.destroyVm('lab-c1'), HypervisorUnavailableError)
    await assert.rejects(
      driver([[['xl', 'destroy', '--', 'lab-c1'], {stderr: 'libxl: error: libxl_domain.c:1: destroy failed\n', exitCode: 1}]]).xl.destroyVm(
        'lab-c1',
      ),
      CommandFailedError,
    )
  })

  it('vmFiles reads the kernel, ramdisk and disks back from the config; no config is NotFoundError', async () => {
    const withDisk = {...spec, disk: {path: '/var/lib/violin/images/deb.img', mode: 'shared' as const, format: 'raw' as const}}
    const {xl} = driver([[['cat', '--', CFG], {stdout: xlConfig(withDisk)}]])
    assert.deepEqual(await xl.vmFiles('lab-c1'), {
      kernel: '/srv/vmlinux',
      initrd: '/srv/initrd.gz',
      disks: [{path: '/var/lib/violin/images/deb.img', readOnly: true, format: 'raw'}],
    })
    const missing = driver([[['cat', '--', CFG], {stderr: `cat: ${CFG}: No such file or directory`, exitCode: 1}]])
    await assert.rejects(missing.xl.vmFiles('lab-c1'), NotFoundError)
  })

  it('an offline move carries the stored xl.cfg to the other host and removes it here; the VM stays off', async () => {
    const cfg = xlConfig(spec)
    const source = driver([XL_LIST, [['cat', '--', CFG], {stdout: cfg}], [['rm', '-f', '--', CFG, '/etc/xen/auto/lab-c1.cfg'], {}]])
    const dest = new RecordedTransport('x2', [
      [['test', '-e', CFG], {exitCode: 1}],
      [['sh', '-c', WRITE_FROM_STDIN, 'sh', CFG], {}],
    ])
    await source.xl.migrateOffline('lab-c1', {hostName: 'x2', uri: 'x2'}, new XlDriver(dest))
    assert.deepEqual(dest.argvs(), [
      ['test', '-e', CFG],
      ['sh', '-c', WRITE_FROM_STDIN, 'sh', CFG],
    ])
    assert.equal(dest.calls[1]!.options?.stdin, cfg)
    assert.deepEqual(
      source.transport.argvs().at(-1),
      ['rm', '-f', '--', CFG, '/etc/xen/auto/lab-c1.cfg'],
      'removed on the source only once written on the destination',
    )
    assert.deepEqual(await driver([[['cat', '--', CFG], {stdout: cfg}]]).xl.storedVmInfo('lab-c1'), {
      name: 'lab-c1',
      state: 'shutoff',
      vcpus: 1,
      memoryMiB: 256,
      maxMemoryMiB: 512,
    })
  })

  it('an offline move refuses a running VM and never overwrites a config already on the destination', async () => {
    const running = driver([XL_LIST])
    await assert.rejects(
      running.xl.migrateOffline('guest-01', {hostName: 'x2', uri: 'x2'}, new XlDriver(new RecordedTransport('x2', []))),
      /VM "guest-01" is running on host "x1"/,
    )
    const source = driver([XL_LIST, [['cat', '--', CFG], {stdout: xlConfig(spec)}]])
    const taken = new RecordedTransport('x2', [[['test', '-e', CFG], {exitCode: 0}]])
    await assert.rejects(
      source.xl.migrateOffline('lab-c1', {hostName: 'x2', uri: 'x2'}, new XlDriver(taken)),
      /host "x2" already has a config for VM "lab-c1"/,
    )
    assert.ok(!source.transport.argvs().some((a) => a[0] === 'rm'), 'nothing removed on the source')
  })
})
