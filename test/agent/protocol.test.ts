import {strict as assert} from 'node:assert'

import {parseRequest} from '../../src/agent/protocol.js'

const vm = {id: 'web1', mac: '52:54:00:00:00:01', listen: {address: '127.0.0.1', port: 20000}, vm: {address: '127.0.0.1', port: 20001}}
const spec = (extra: object = {}) => ({vni: 1000, known: [], vms: [vm], ...extra})
const error = (request: unknown) => {
  const r = parseRequest(typeof request === 'string' ? request : JSON.stringify(request))
  return r.ok ? undefined : r.error
}

describe("the agent's request checks", () => {
  it('accepts every request the CLI sends', () => {
    for (const r of [
      {op: 'hello'},
      {
        op: 'apply',
        spec: spec({
          key: 'ab'.repeat(32),
          authData: true,
          known: [{address: '10.0.0.2', dataPort: 4790, controlPort: 4791}],
          vteps: [{address: '10.0.0.4', port: 4790}],
        }),
      },
      {op: 'remove', vni: 5},
      {op: 'status'},
      {op: 'status', vni: 5},
      {op: 'fdb', vni: 5},
      {op: 'traffic'},
      {op: 'announce', vni: 5, vm: 'web1'},
    ]) {
      assert.equal(error(r), undefined, JSON.stringify(r))
    }
  })

  it('names what is wrong with a bad request: the field, what was expected, what was found', () => {
    assert.equal(error('[1,2]'), 'request must be a JSON object')
    assert.equal(error({op: 'reboot'}), 'op: expected one of the ops hello, apply, remove, status, fdb, traffic, announce, found "reboot"')
    assert.equal(error({op: 'remove', vni: 2 ** 24}), 'vni: expected an integer from 1 to 16777215, found 16777216')
    assert.equal(error({op: 'apply', spec: spec({key: 'xyz'})}), 'spec.key: expected 32 to 128 hex digits, found "xyz"')
    assert.equal(
      error({op: 'apply', spec: spec({authData: true})}),
      'spec.authData: expected false without spec.key (data frames are signed with the key), found true',
    )
    assert.equal(
      error({op: 'apply', spec: spec({known: [{address: '10.0.0.2', dataPort: 0, controlPort: 1}]})}),
      'spec.known[0].dataPort: expected a port number (1 to 65535), found 0',
    )
    assert.equal(
      error({op: 'apply', spec: spec({vms: [{...vm, mac: '52:54:00:00:00'}]})}),
      'spec.vms[0].mac: expected a MAC address, found "52:54:00:00:00"',
    )
    assert.equal(
      error({op: 'apply', spec: spec({vms: [{...vm, listen: {address: '127.0.0.1', port: 70000}}]})}),
      'spec.vms[0].listen.port: expected a port number (1 to 65535), found 70000',
    )
    assert.equal(error({op: 'apply', spec: spec({vms: [vm, vm]})}), 'spec.vms[1].id: expected a VM not listed before, found "web1"')
    assert.equal(error({op: 'announce', vni: 5, vm: '../../etc'}), 'vm: expected a VM name, found "../../etc"')
    assert.equal(
      error({op: 'apply', spec: spec({vteps: [{address: '10.0.0.4'}]})}),
      'spec.vteps[0].port: expected a port number (1 to 65535), found nothing',
    )
    assert.equal(error({op: 'apply'}), 'spec: expected a switch spec (an object), found nothing')
  })
})
