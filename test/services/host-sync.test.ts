import assert from 'node:assert/strict'

import {compareVms} from '../../src/services/hosts.js'

describe('host sync compareVms', () => {
  const hosts = (answered: string[], failed: string[] = []) => ({answered: new Set(answered), failed: new Set(failed)})

  it("knows the VMs of violin's own environments: never new, moved when found elsewhere, missing when gone from a host that answered", () => {
    const found = new Map([
      ['lab-head', ['e1']],
      ['lab-c1', ['e2']],
      ['stray', ['e1']],
    ])
    const environmentVms = {
      'lab-head': {host: 'e1', environment: 'lab'},
      'lab-c1': {host: 'e1', environment: 'lab'},
      'lab-c2': {host: 'e2', environment: 'lab'},
    }
    assert.deepEqual(compareVms({}, found, hosts(['e1', 'e2']), environmentVms), [
      {vm: 'lab-c1', kind: 'moved', recorded: 'e1', found: ['e2']},
      {vm: 'lab-c2', kind: 'missing', recorded: 'e2', found: []},
      {vm: 'stray', kind: 'new', found: ['e1']},
    ])
  })

  it('judges nothing recorded on a host that did not answer: neither missing nor moved', () => {
    const recorded = {a: {host: 'down'}, b: {host: 'down'}, c: {host: 'up'}}
    const found = new Map([
      ['b', ['up']],
      ['c', ['up']],
    ])
    assert.deepEqual(compareVms(recorded, found, hosts(['up'], ['down']), {x: {host: 'down', environment: 'lab'}}), [])
    // A host that was not asked (host sync up) is not a failed one: b did move to the host asked.
    assert.deepEqual(compareVms(recorded, found, hosts(['up'])), [{vm: 'b', kind: 'moved', recorded: 'down', found: ['up']}])
  })
})
