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
    for (const r of [{op: 'hello'}, {op: 'apply', spec: spec({key: 'ab'.repeat(32), authData: true, known: [{address: '10.0.0.2', dataPort: 4790, controlPort: 4791}], vteps: [{address: '10.0.0.4', port: 4790}]})}, {op: 'remove', vni: 5}, {op: 'status'}, {op: 'status', vni: 5}, {op: 'fdb', vni: 5}, {op: 'traffic'}, {op: 'announce', vni: 5, vm: 'web1'}]) {
      assert.equal(error(r), undefined, JSON.stringify(r))
    }
  })

  it('names what is wrong with a bad request', () => {
    assert.equal(error('[1,2]'), 'request must be a JSON object')
    assert.equal(error({op: 'remove', vni: 2 ** 24}), 'vni must be an integer from 1 to 16777215')
    assert.equal(error({op: 'apply', spec: spec({key: 'xyz'})}), 'spec.key must be 32 to 128 hex digits')
    assert.equal(error({op: 'apply', spec: spec({authData: true})}), 'spec.authData needs spec.key')
    assert.equal(error({op: 'apply', spec: spec({known: [{address: '10.0.0.2', dataPort: 0, controlPort: 1}]})}), 'spec.known must be a list of members {address, dataPort, controlPort}')
    assert.equal(error({op: 'apply', spec: spec({vms: [{...vm, mac: '52:54:00:00:00'}]})}), 'spec.vms[0].mac must be a MAC address')
    assert.equal(error({op: 'apply', spec: spec({vms: [{...vm, listen: {address: '127.0.0.1', port: 70000}}]})}), 'spec.vms[0]: listen and vm must be {address, port}')
    assert.equal(error({op: 'apply', spec: spec({vms: [vm, vm]})}), 'spec.vms: a VM is listed twice')
    assert.equal(error({op: 'announce', vni: 5, vm: '../../etc'}), 'vm must be a VM name')
    assert.equal(error({op: 'apply', spec: spec({vteps: [{address: '10.0.0.4'}]})}), 'spec.vteps must be a list of {address, port}')
  })
})
