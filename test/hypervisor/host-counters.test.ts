import assert from 'node:assert/strict'

import {CommandFailedError} from '../../src/errors.js'
import {
  HOST_COUNTERS_ARGV,
  defaultRouteDevice,
  hostCounters,
  parseNetDev,
  parseSpeeds,
  parseSwapOut,
  readHostCounters,
} from '../../src/hypervisor/host-counters.js'
import type {RunResult, Transport} from '../../src/transport/transport.js'
import {fixture} from '../helpers/fixtures.js'
import {RecordedTransport, UnrecordedCommandError} from '../helpers/recorded-transport.js'

const ETH0 = fixture('proc', 'host-counters-eth0.txt')
const VETH = fixture('proc', 'host-counters-veth.txt')
const section = (text: string, tag: string) => text.split(`@@violin:${tag}\n`)[1]!.split('@@violin:')[0]!

describe('host counters: parsing /proc and sysfs', () => {
  it('reads pswpout from /proc/vmstat, not pswpin beside it', () => {
    assert.equal(parseSwapOut(section(ETH0, 'vmstat')), 0)
    assert.equal(parseSwapOut('pgpgout 296072\npswpin 345219\npswpout 2605828\npgalloc_dma32 8380235\n'), 2605828)
    assert.equal(parseSwapOut('pswpin 1\n'), undefined)
  })

  it('finds the device of the default route', () => {
    assert.equal(defaultRouteDevice(section(ETH0, 'route')), 'eth0')
    assert.equal(defaultRouteDevice(section(VETH, 'route')), 'rec0')
  })

  it('takes the default route of lowest metric, and never a blackhole one (Iface *)', () => {
    assert.equal(defaultRouteDevice(fixture('proc', 'route-three-defaults.txt')), 'rec2')
  })

  it('has no default device when there is no default route', () => {
    const onlyLink = fixture('proc', 'route-three-defaults.txt')
      .split('\n')
      .filter((l) => !/^\S+\t00000000\t/.test(l))
      .join('\n')
    assert.equal(defaultRouteDevice(onlyLink), undefined)
  })

  it('reads bytes received and sent per device from /proc/net/dev', () => {
    const devs = parseNetDev(section(ETH0, 'dev'))
    assert.deepEqual([...devs.keys()], ['lo', 'ifb0', 'ifb1', 'eth0'])
    assert.deepEqual(devs.get('eth0'), {rxBytes: 2351055850, txBytes: 12088517})
  })

  it('reads a line whose byte count touches the colon (the kernel prints "%6s:%8llu")', () => {
    const line =
      'enp3s0f0:123456789012  88077    0    0    0     0          0         0 12088517   74941    0    0    0     0       0          0'
    assert.deepEqual(parseNetDev(line).get('enp3s0f0'), {rxBytes: 123456789012, txBytes: 12088517})
  })

  it("reads each device's speed, -1 included, and skips those that gave none", () => {
    assert.deepEqual([...parseSpeeds(section(ETH0, 'speed'))], [['eth0', -1]])
    assert.deepEqual([...parseSpeeds(section(VETH, 'speed'))], [['rec0', 10000]])
  })
})

describe('host counters: one reading', () => {
  it("gives swap, the default route NIC's bytes both ways and its speed in bytes/s", () => {
    assert.deepEqual(hostCounters(VETH), {swapOutPages: 0, nicBytes: 516 + 762, nicBytesPerSecond: 10000 * 125_000, nic: 'rec0'})
  })

  it('leaves the capacity out when the NIC says -1 (virtio)', () => {
    assert.deepEqual(hostCounters(ETH0), {swapOutPages: 0, nicBytes: 2351055850 + 12088517, nic: 'eth0'})
  })

  it('measures the NIC the host record names instead of the default route', () => {
    assert.deepEqual(hostCounters(ETH0, 'lo'), {swapOutPages: 0, nicBytes: 2 * 4857388914, nic: 'lo'})
  })

  it('gives nothing when the named NIC is not there, or /proc/vmstat was not read', () => {
    assert.equal(hostCounters(ETH0, 'eth9'), undefined)
    assert.equal(hostCounters(ETH0.replace(/^pswpout .*$/m, '')), undefined)
    assert.equal(hostCounters(''), undefined)
  })
})

describe('host counters: reading them through a transport', () => {
  it('is one command, with nothing from the inventory in it', async () => {
    const transport = new RecordedTransport('h1', [[HOST_COUNTERS_ARGV, {stdout: VETH}]])
    assert.equal((await readHostCounters(transport, 'rec0'))?.nic, 'rec0')
    assert.deepEqual(transport.argvs(), [[...HOST_COUNTERS_ARGV]])
  })

  it('reads what the script printed even when one of its commands failed (grep on EINVAL exits 2)', async () => {
    const transport = new RecordedTransport('h1', [[HOST_COUNTERS_ARGV, {stdout: ETH0, exitCode: 2}]])
    assert.equal((await readHostCounters(transport))?.nic, 'eth0')
  })

  it('gives undefined when the host cannot be asked, so sampling goes on', async () => {
    const failing: Transport = {
      host: 'h1',
      target: 'test',
      run: async (): Promise<RunResult> => {
        throw new CommandFailedError('h1', 'sh -c ...', 255, 'Connection reset')
      },
      putFile: async () => {},
      connectSocket: async () => {
        throw new Error('no sockets')
      },
      close: async () => {},
    }
    assert.equal(await readHostCounters(failing), undefined)
  })

  it('does not hide an error that is not the host failing', async () => {
    await assert.rejects(readHostCounters(new RecordedTransport('h1', [])), UnrecordedCommandError)
  })
})
