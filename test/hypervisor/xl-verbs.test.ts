import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {CommandFailedError, NotFoundError, UsageError} from '../../src/errors.js'
import {WRITE_FROM_STDIN, XlDriver} from '../../src/hypervisor/xl/driver.js'
import type {HostRecord} from '../../src/inventory/host.js'
import type {Session} from '../../src/services/session.js'
import {startVm} from '../../src/services/vm-lifecycle.js'
import {RecordedTransport, type Recording, xlFixture} from '../helpers/recorded-transport.js'

/**
 * The single-VM verbs on the xl driver: the argv each one sends (names after `--`, one argv
 * element each) and how the answers are read. Successful pause/unpause/reboot/shutdown/create
 * print nothing (xl-silent-success.origin.md); the unknown-name line is the recorded one.
 */
const SILENT: Recording = {stdout: xlFixture('xl-silent-success.txt')}
const HOSTILE = "x'; touch /tmp/owned; '"
const TYPICAL = readFileSync(fileURLToPath(new URL('../fixtures/xl/config/typical.cfg', import.meta.url)), 'utf8')

function invalidDomain(name: string): Recording {
  return {stderr: xlFixture('xl-invalid-domain.txt').replace('mirage-test', name), exitCode: 1}
}

function driver(recordings: Array<[readonly string[], Recording]>) {
  const transport = new RecordedTransport('x1', recordings)
  return {transport, xl: new XlDriver(transport)}
}

describe('XlDriver single-VM verbs on recorded xl output', () => {
  it('suspend and resume are xl pause and xl unpause, the name one argument after --', async () => {
    const {xl, transport} = driver([
      [['xl', 'pause', '--', HOSTILE], SILENT],
      [['xl', 'unpause', '--', HOSTILE], SILENT],
    ])
    await xl.suspendVm(HOSTILE)
    await xl.resumeVm(HOSTILE)
    assert.deepEqual(transport.argvs(), [
      ['xl', 'pause', '--', HOSTILE],
      ['xl', 'unpause', '--', HOSTILE],
    ])
  })

  it('an unknown name is NotFoundError (exit 4) for pause', async () => {
    const {xl} = driver([[['xl', 'pause', '--', 'ghost'], invalidDomain('ghost')]])
    await assert.rejects(
      xl.suspendVm('ghost'),
      (e: unknown) => e instanceof NotFoundError && /VM "ghost" is not running on host "x1"/.test(e.message),
    )
  })

  it("reboots a VM with violin's config by shutting it down and creating it again (its on_reboot is destroy)", async () => {
    const {xl, transport} = driver([
      [['test', '-f', '/etc/xen/violin/web-01.cfg'], {}],
      [['xl', 'shutdown', '-w', '--', 'web-01'], SILENT],
      [['xl', 'create', '--', '/etc/xen/violin/web-01.cfg'], SILENT],
    ])
    await xl.rebootVm('web-01')
    assert.deepEqual(transport.argvs().slice(1), [
      ['xl', 'shutdown', '-w', '--', 'web-01'],
      ['xl', 'create', '--', '/etc/xen/violin/web-01.cfg'],
    ])
    assert.ok(transport.calls[1]!.options?.timeoutMs, 'the wait for the guest has its own limit')
  })

  it('reboots any other domain with xl reboot', async () => {
    const {xl, transport} = driver([
      [['test', '-f', '/etc/xen/violin/guest-01.cfg'], {exitCode: 1}],
      [['xl', 'reboot', '--', 'guest-01'], SILENT],
    ])
    await xl.rebootVm('guest-01')
    assert.deepEqual(transport.argvs().at(-1), ['xl', 'reboot', '--', 'guest-01'])
  })

  it('define stores the xl.cfg under its own name= where start finds it; dumpxml prints it back', async () => {
    const path = '/etc/xen/violin/web-01.cfg'
    const {xl, transport} = driver([
      [['sh', '-c', WRITE_FROM_STDIN, 'sh', path], {}],
      [['cat', '--', path], {stdout: TYPICAL}],
    ])
    assert.equal(await xl.defineFromConfig(TYPICAL), 'web-01')
    assert.equal(transport.calls[0]!.options?.stdin, TYPICAL)
    assert.equal(await xl.dumpConfig('web-01'), TYPICAL)
  })

  it('define refuses a config without a usable name before anything is written', async () => {
    const {xl, transport} = driver([])
    await assert.rejects(xl.defineFromConfig('memory = 512\n'), (e: unknown) => e instanceof UsageError && /has no name/.test(e.message))
    await assert.rejects(
      xl.defineFromConfig(`name = "../etc/passwd"\n`),
      (e: unknown) => e instanceof UsageError && /is not a VM name/.test(e.message),
    )
    assert.deepEqual(transport.argvs(), [])
  })

  it('dumpxml of a VM violin keeps no config for is NotFoundError naming the file', async () => {
    const {xl} = driver([
      [
        ['cat', '--', '/etc/xen/violin/guest-01.cfg'],
        {stderr: 'cat: /etc/xen/violin/guest-01.cfg: No such file or directory\n', exitCode: 1},
      ],
    ])
    await assert.rejects(
      xl.dumpConfig('guest-01'),
      (e: unknown) => e instanceof NotFoundError && /no config \/etc\/xen\/violin\/guest-01\.cfg on host "x1"/.test(e.message),
    )
  })

  it('autostart links the config into /etc/xen/auto (xendomains) and --disable removes the link', async () => {
    const enable = [
      'sh',
      '-c',
      'test -f "$1" || { echo "no config $1" >&2; exit 4; }; mkdir -p "$(dirname "$2")" && ln -sfn "$1" "$2"',
      'sh',
      '/etc/xen/violin/web-01.cfg',
      '/etc/xen/auto/web-01.cfg',
    ]
    const {xl, transport} = driver([
      [enable, {}],
      [['rm', '-f', '--', '/etc/xen/auto/web-01.cfg'], {}],
    ])
    await xl.setAutostart('web-01', true)
    await xl.setAutostart('web-01', false)
    assert.deepEqual(transport.argvs(), [enable, ['rm', '-f', '--', '/etc/xen/auto/web-01.cfg']])
    const missing = driver([[enable, {stderr: 'no config /etc/xen/violin/web-01.cfg\n', exitCode: 4}]])
    await assert.rejects(missing.xl.setAutostart('web-01', true), NotFoundError)
  })

  it('console is xl console on the host', () => {
    assert.deepEqual(driver([]).xl.consoleArgv(HOSTILE), ['xl', 'console', '--', HOSTILE])
  })

  it("the VMs that are off are violin's stored configs; no directory means none, another failure is an error", async () => {
    const {xl} = driver([[['ls', '-1', '--', '/etc/xen/violin'], {stdout: 'web-01.cfg\nweb-02.cfg\nnotes.txt\n'}]])
    assert.deepEqual(await xl.definedVms(), ['web-01', 'web-02'])
    // GNU ls's words for both failures, written here by hand (not recorded on a Xen host).
    const none = driver([
      [['ls', '-1', '--', '/etc/xen/violin'], {stderr: "ls: cannot access '/etc/xen/violin': No such file or directory\n", exitCode: 2}],
    ])
    assert.deepEqual(await none.xl.definedVms(), [])
    const denied = driver([
      [['ls', '-1', '--', '/etc/xen/violin'], {stderr: "ls: cannot open directory '/etc/xen/violin': Permission denied\n", exitCode: 2}],
    ])
    await assert.rejects(denied.xl.definedVms(), CommandFailedError)
  })
})

describe('violin start on an xl host', () => {
  it('finds a VM that is off by the config violin keeps (xl list does not show it) and creates it from there', async () => {
    const {xl, transport} = driver([
      [['xl', 'list'], {stdout: xlFixture('xl-list.txt')}],
      [['ls', '-1', '--', '/etc/xen/violin'], {stdout: 'web-01.cfg\n'}],
      [['xl', 'create', '--', '/etc/xen/violin/web-01.cfg'], SILENT],
    ])
    const host: HostRecord = {name: 'x1', site: 's', transport: {kind: 'local'}, driver: 'xl'}
    // Only what locating and starting one VM asks of a session: its hosts and their drivers.
    const session = {select: () => [host], host: () => host, driver: async () => xl} as unknown as Session
    const result = await startVm(session, 'web-01', {})
    assert.deepEqual(transport.argvs(), [
      ['xl', 'list'],
      ['ls', '-1', '--', '/etc/xen/violin'],
      ['xl', 'create', '--', '/etc/xen/violin/web-01.cfg'],
      ['xl', 'list'],
    ])
    assert.equal(result.host, 'x1')
  })
})
