import assert from 'node:assert/strict'
import {ViolinError} from '../../src/errors.js'
import {
  parseSchedCredit,
  parseXentopBatch,
  parseXlInfo,
  parseXlList,
  parseXlListLong,
  parseXlMigrate,
  xentopState,
  xlListState,
} from '../../src/hypervisor/xl/parse.js'
import {xlFixture} from '../helpers/recorded-transport.js'

describe('xl output parsers', () => {
  describe('xl list', () => {
    it('reads every domain of a recorded Xen 4.9 listing, with its id, memory, vCPUs and CPU time', () => {
      assert.deepEqual(parseXlList(xlFixture('xl-list.txt')), [
        {name: 'Domain-0', id: 0, memMiB: 15084, vcpus: 8, flags: 'r-----', state: 'running', timeSec: 633.6},
        {name: 'guest-01', id: 4, memMiB: 1024, vcpus: 2, flags: '-b----', state: 'idle', timeSec: 7.7},
      ])
    })

    it('reports a paused domain as paused even while it is also blocked', () => {
      const guest = parseXlList(xlFixture('xl-list-paused.txt')).find((r) => r.name === 'guest-01')
      assert.equal(guest?.flags, '-bp---')
      assert.equal(guest?.state, 'paused')
    })

    it('reads a listing whose header tabs became spaces', () => {
      assert.deepEqual(
        parseXlList(xlFixture('xl-list-rpi4.txt')).map((r) => [r.name, r.id, r.state]),
        [
          ['Domain-0', 0, 'running'],
          ['ubuntu-20.04', 2, 'running'],
        ],
      )
    })

    it('refuses a line it cannot read instead of dropping a VM', () => {
      assert.throws(() => parseXlList('Name ID Mem VCPUs\tState\tTime(s)\nnot a domain line\n'), ViolinError)
    })
  })

  describe('domain states', () => {
    it('maps xl list flags, whose fifth letter is the shutdown reason', () => {
      assert.equal(xlListState('r-----'), 'running')
      assert.equal(xlListState('------'), 'running')
      assert.equal(xlListState('-b----'), 'idle')
      assert.equal(xlListState('---s--'), 'shutdown')
      assert.equal(xlListState('---sr-'), 'shutdown')
      assert.equal(xlListState('---ss-'), 'suspended')
      assert.equal(xlListState('---sc-'), 'crashed')
      assert.equal(xlListState('-----d'), 'shutdown')
    })

    it('maps xentop flags, which come in the order d s b c p r', () => {
      assert.equal(xentopState('-----r'), 'running')
      assert.equal(xentopState('--b---'), 'idle')
      assert.equal(xentopState('--b-p-'), 'paused')
      assert.equal(xentopState('---c--'), 'crashed')
      assert.equal(xentopState('-s----'), 'shutdown')
      assert.equal(xentopState('d-----'), 'shutdown')
    })
  })

  describe('xl list -l', () => {
    it("takes the name, uuid, vCPUs and memory from each domain's libxl config", () => {
      const [dom0, guest] = parseXlListLong(xlFixture('xl-list-long.json'))
      assert.deepEqual(dom0, {
        domid: 0,
        name: 'Domain-0',
        uuid: undefined,
        type: 'pv',
        maxVcpus: 8,
        maxMemKiB: undefined,
        targetMemKiB: 15446016,
        weight: undefined,
        cap: undefined,
      })
      assert.equal(guest?.name, 'guest-01')
      assert.equal(guest?.domid, 4)
      assert.equal(guest?.uuid, '00000000-0000-4000-8000-000000000001')
      assert.equal(guest?.maxVcpus, 2)
      assert.equal(guest?.maxMemKiB, 1048576)
      assert.equal(guest?.targetMemKiB, 1048576)
    })

    it('reads empty output as no domains and refuses text that is not a JSON array', () => {
      assert.deepEqual(parseXlListLong(''), [])
      assert.throws(() => parseXlListLong('Domain-0 0'), ViolinError)
      assert.throws(() => parseXlListLong('{"domid": 0}'), ViolinError)
      assert.throws(() => parseXlListLong('[{"domid": 1, "config": {}}]'), /config\.c_info\.name/)
    })
  })

  describe('xl info', () => {
    it('reads CPUs, memory, version and scheduler from a recorded Xen 4.15 host', () => {
      const info = parseXlInfo(xlFixture('xl-info.txt'))
      assert.equal(info.host, 'raspi4')
      assert.equal(info.nrCpus, 4)
      assert.equal(info.totalMemoryMiB, 1972)
      assert.equal(info.freeMemoryMiB, 1173)
      assert.equal(info.cpuMhz, 54)
      assert.equal(info.xenVersion, '4.15.1')
      assert.equal(info.scheduler, 'credit2')
      assert.equal(info.fields.xen_changeset, 'Fri Sep 10 09:03:24 2021 +0200 git:84fa990')
      assert.equal(info.fields.cc_compile_domain, '')
    })

    it('builds the version from major, minor and extra when an old xl prints no xen_version', () => {
      const info = parseXlInfo(xlFixture('xl-info-manpage.txt'))
      assert.equal(info.xenVersion, '4.2-unstable')
      assert.equal(info.scheduler, 'credit')
      assert.equal(info.nrCpus, 4)
      assert.equal(info.totalMemoryMiB, 6141)
    })

    it('refuses output without nr_cpus or total_memory', () => {
      assert.throws(() => parseXlInfo(xlFixture('no-hypervisor.txt')), /nr_cpus or total_memory/)
    })
  })

  describe('xentop -b', () => {
    it("reports the domain's CPU seconds from the last xentop iteration", () => {
      const rows = parseXentopBatch(xlFixture('xentop-b-i2-d1.txt'))
      assert.equal(rows.length, 9)
      const h = rows.find((r) => r.name === 'h-vm-03-sa')
      assert.equal(h?.cpuSec, 4069)
      // the second iteration's counters and CPU(%), not the first's
      assert.equal(h?.raw['CPU(%)'], '2.9')
      assert.equal(h?.raw.VBD_WR, '347166')
    })

    it('keeps spaces inside names, which xentop does not quote', () => {
      const names = parseXentopBatch(xlFixture('xentop-b-i2-d1.txt')).map((r) => r.name)
      assert.ok(names.includes('r-vm-06 pr'))
      assert.ok(names.includes('s-vm 007'))
    })

    it('reads full names, memory and state when the header repeats before every domain (-r -f)', () => {
      const rows = parseXentopBatch(xlFixture('xentop-b-i1-r-f.txt'))
      assert.equal(rows.length, 9)
      const proxy = rows.find((r) => r.name === 'r-vm-06 proxy')
      assert.deepEqual(
        {cpuSec: proxy?.cpuSec, memKiB: proxy?.memKiB, maxMemKiB: proxy?.maxMemKiB, vcpus: proxy?.vcpus, state: proxy?.state},
        {cpuSec: 13749, memKiB: 2097140, maxMemKiB: 2098164, vcpus: 2, state: 'idle'},
      )
      assert.equal(rows.find((r) => r.name === 'Domain-0')?.state, 'running')
    })

    it('skips the summary lines of a screen and reads "no limit" as no maximum', () => {
      const [dom0, guest] = parseXentopBatch(xlFixture('xentop-screen-4.9.txt'))
      assert.equal(dom0?.name, 'Domain-0')
      assert.equal(dom0?.maxMemKiB, undefined)
      assert.equal(dom0?.raw['MAXMEM(k)'], 'no limit')
      assert.deepEqual(
        {name: guest?.name, cpuSec: guest?.cpuSec, netTxKiB: guest?.netTxKiB, netRxKiB: guest?.netRxKiB},
        {name: 'guest-01', cpuSec: 7, netTxKiB: 113, netRxKiB: 34},
      )
    })

    it('refuses output with no table header', () => {
      assert.throws(() => parseXentopBatch(xlFixture('no-hypervisor-direct-xentop.txt')), /NAME STATE header/)
    })
  })

  describe('xl sched-credit', () => {
    it('reads weight and cap under the cpupool line, names with spaces included', () => {
      assert.deepEqual(parseSchedCredit(xlFixture('xl-sched-credit.txt')), [
        {name: 'Domain-0', domid: 0, weight: 256, cap: 0},
        {name: 'guest-01', domid: 4, weight: 256, cap: 0},
        {name: 'web front 2', domid: 7, weight: 512, cap: 150},
      ])
    })

    it('reads the one row of -d DOM', () => {
      assert.deepEqual(parseSchedCredit(xlFixture('xl-sched-credit-d.txt')), [{name: 'guest-01', domid: 4, weight: 256, cap: 0}])
    })
  })

  describe('xl migrate', () => {
    it('recognises a successful live migration and what it says about the stream', () => {
      const report = parseXlMigrate(xlFixture('xl-migrate-success.txt'))
      assert.equal(report.succeeded, true)
      assert.equal(report.stateUndefined, false)
      assert.deepEqual(report.problems, [])
      assert.deepEqual(report.raw, {stream: 'new xl format 0x3/0x0/1444', domainType: 'x86 PV', sourceXen: '4.9'})
    })

    it('collects the lines that say why a migration failed', () => {
      const report = parseXlMigrate(xlFixture('no-hypervisor-direct-xl.txt'))
      assert.equal(report.succeeded, false)
      assert.deepEqual(report.problems, [
        'xencall: error: Could not obtain handle on privileged command interface: No such file or directory',
        'libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory',
        'cannot init xl context',
      ])
    })
  })
})
