import {strict as assert} from 'node:assert'

import {underlayAddress} from '../../src/services/switch-underlay.js'

describe("a host's underlay address", () => {
  it('is the SSH address itself when that is an IP literal', async () => {
    assert.equal(await underlayAddress('e1', '10.0.0.11'), '10.0.0.11')
    assert.equal(await underlayAddress('e1', 'fd00::11'), 'fd00::11')
  })

  it('is what a host name resolves to here (the system resolver: /etc/hosts, DNS)', async () => {
    assert.equal(await underlayAddress('lo', 'localhost'), '127.0.0.1')
  })

  it('names the host and the name when it does not resolve', async () => {
    const failing = () => Promise.reject(Object.assign(new Error('nope'), {code: 'ENOTFOUND'}))
    await assert.rejects(
      underlayAddress('e2', 'e2.invalid', failing),
      /host "e2": cannot resolve e2\.invalid to an IPv4 address for the underlay: ENOTFOUND/,
    )
  })
})
