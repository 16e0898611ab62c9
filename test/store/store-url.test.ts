import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {violinProcess} from '../helpers/cli.js'
import {displayUrl, parseStoreUrl} from '../../src/store/url.js'

describe('store URLs', () => {
  it('reads endpoints, prefix, TLS and credentials; shows no password', () => {
    const l = parseStoreUrl('etcds://admin:s%40cret@10.0.0.1:2379,[::1]:2379/violin/prod')
    assert.deepEqual(l, {
      kind: 'etcd',
      tls: true,
      endpoints: ['10.0.0.1:2379', '[::1]:2379'],
      prefix: 'violin/prod',
      user: 'admin',
      password: 's@cret',
    })
    assert.equal(displayUrl(l), 'etcds://admin@10.0.0.1:2379,[::1]:2379/violin/prod')
    assert.deepEqual(parseStoreUrl('file:///srv/violin/'), {kind: 'file', configDir: '/srv/violin', stateDir: '/srv/violin/state'})
  })

  for (const [url, message] of [
    ['etcd://127.0.0.1:2379', /names no key prefix/],
    ['etcd://127.0.0.1:2379/', /names no key prefix/],
    ['etcd:///violin', /names no etcd endpoint/],
    ['etcd://127.0.0.1/violin', /"127.0.0.1" is not HOST:PORT/],
    ['etcd://127.0.0.1:99999/violin', /is not HOST:PORT/],
    ['etcd://h:1/a b', /prefix "a b" may hold only/],
    ['etcd://h:1/../x', /may hold only/],
    ['http://h:1/x', /is not a store URL/],
    ['file://relative', /is not a store URL/],
  ] as const) {
    it(`refuses ${url}`, () =>
      assert.throws(
        () => parseStoreUrl(url),
        (e: Error & {exitCode?: number}) => e.exitCode === 2 && message.test(e.message),
      ))
  }

  it('a bad VIOLIN_STORE is a usage error before anything is read or written', async () => {
    const home = mkdtempSync(join(tmpdir(), 'violin-url-'))
    try {
      const r = await violinProcess(['host', 'list'], {VIOLIN_HOME: home, VIOLIN_STORE: 'etcd://127.0.0.1:2379'})
      assert.equal(r.exitCode, 2)
      assert.match(r.stderr, /^error: VIOLIN_STORE: names no key prefix/m)
      writeFileSync(join(home, 'config.json'), '{"store": 42}')
      const c = await violinProcess(['host', 'list'], {VIOLIN_HOME: home, VIOLIN_STORE: undefined})
      assert.equal(c.exitCode, 3)
      assert.match(c.stderr, /config\.json:1:11: store: expected a store URL such as etcd:\/\/127\.0\.0\.1:2379\/violin, found 42/)
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })
})
