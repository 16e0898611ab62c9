import {strict as assert} from 'node:assert'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  blobKeyType,
  fingerprint,
  hostKeyAlgorithmsFor,
  keysFor,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
} from '../../src/transport/known-hosts.js'
import {missingBinary, requireIntegration} from '../helpers/integration.js'
import {SSH_KEYGEN, generateKey, hashKnownHosts, keygenFingerprint} from '../helpers/sshd.js'

// Recorded with OpenSSH 9.2 (Debian 12): `ssh-keygen -t ed25519|ecdsa`, `ssh-keygen -lf K.pub`,
// and `ssh-keygen -H -f kh` on a file naming KEY_A as `[127.0.0.1]:2222` and `vm-host.example.org`.
const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIDgqTPcRmyduAq40nCmPjwHUp/xIf/O3Fn/poN9pksF4'
const KEY_A_FP = 'SHA256:GCqVBnqiptz3idPE25XyaIWvgnLA9S4akJLg4bYNptI'
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIJuTOzcLkP3DUYbQn12MSIXkmrfluk3XZxM5c7Wxg9Le'
const KEY_B_FP = 'SHA256:LLmSGG7UVYKT6xEtNsmwQYopgBnJMlndYMf80TiCT38'
const KEY_EC =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLaGj4m9i4sixsiFw1Wht50xW9AL4Sv6oddMfWk6dmWqozWDT6Sp0Dl5gzg/8fgRpv838WtcWbkUfAZ60k8D3uk='
const KEY_EC_FP = 'SHA256:8M36I9T9XiC/XIjc/IIYmcJY0NJBfnHyql88xjC2gAM'
const HASHED_PORT_2222 = `|1|5vskz1AS67mq9ZARRK4nrQcxL1w=|c1+JxyIVvc6kPlF7fMDJarTlW1o= ssh-ed25519 ${KEY_A}`
const HASHED_VM_HOST = `|1|OWWNbKxh7ndSZYJ7amUTGdO/2IY=|h0C9Pnu6BC0PU5wueyZh64/I2/Y= ssh-ed25519 ${KEY_A}`

const blob = (b64: string) => Buffer.from(b64, 'base64')
const matches = (text: string, name: string) => keysFor(parseKnownHosts(text), name).keys.map((e) => e.key.toString('base64'))

describe('known_hosts', () => {
  describe('knownHostsName', () => {
    it('names port 22 by the bare address, like OpenSSH', () => {
      assert.equal(knownHostsName('10.0.0.5', 22), '10.0.0.5')
      assert.equal(knownHostsName('vm-host.example.org', 22), 'vm-host.example.org')
    })

    it('names any other port [address]:port', () => {
      assert.equal(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222')
      assert.equal(knownHostsName('::1', 2200), '[::1]:2200')
    })
  })

  describe('hashed entries (ssh-keygen -H)', () => {
    const text = `${HASHED_PORT_2222}\n${HASHED_VM_HOST}\n`

    it('matches the exact name that was hashed', () => {
      assert.deepEqual(matches(text, '[127.0.0.1]:2222'), [KEY_A])
      assert.deepEqual(matches(text, 'vm-host.example.org'), [KEY_A])
    })

    it('does not match the same address on another port, or without the port', () => {
      assert.deepEqual(matches(text, '[127.0.0.1]:2223'), [])
      assert.deepEqual(matches(text, '127.0.0.1'), [])
      assert.deepEqual(matches(text, '[vm-host.example.org]:22'), [])
    })

    it('keeps the salt and hash of each line', () => {
      const [entry] = parseKnownHosts(HASHED_PORT_2222)
      assert.equal(entry?.hashed?.salt.length, 20)
      assert.equal(entry?.hashed?.hash.length, 20)
      assert.deepEqual(entry?.patterns, [])
    })
  })

  describe('plain patterns', () => {
    it('matches a [host]:port entry as written by OpenSSH (brackets are literal, not a character class)', () => {
      const text = `[127.0.0.1]:2222 ssh-ed25519 ${KEY_A}\n`
      assert.deepEqual(matches(text, '[127.0.0.1]:2222'), [KEY_A])
      assert.deepEqual(matches(text, '[127.0.0.1]:2223'), [])
      assert.deepEqual(matches(text, '1:2222'), [])
      assert.deepEqual(matches(text, '127.0.0.1'), [])
    })

    it('matches any name of a comma-separated list, case-insensitively', () => {
      const text = `web1,10.0.0.7 ssh-ed25519 ${KEY_A}\n`
      assert.deepEqual(matches(text, 'WEB1'), [KEY_A])
      assert.deepEqual(matches(text, '10.0.0.7'), [KEY_A])
      assert.deepEqual(matches(text, '10.0.0.70'), [])
      assert.deepEqual(matches(text, '10x0x0x7'), [], 'a dot is a dot, not a regex wildcard')
    })

    it('honours * and ? wildcards', () => {
      const text = `*.east.example.org,db? ssh-ed25519 ${KEY_A}\n`
      assert.deepEqual(matches(text, 'h1.east.example.org'), [KEY_A])
      assert.deepEqual(matches(text, 'db7'), [KEY_A])
      assert.deepEqual(matches(text, 'db17'), [])
      assert.deepEqual(matches(text, 'h1.west.example.org'), [])
    })

    it('a negated pattern vetoes the line even when another pattern matches', () => {
      const text = `*.example.org,!evil.example.org ssh-ed25519 ${KEY_A}\n*.example.org ssh-ed25519 ${KEY_B}\n`
      assert.deepEqual(matches(text, 'good.example.org'), [KEY_A, KEY_B])
      assert.deepEqual(matches(text, 'evil.example.org'), [KEY_B])
    })

    it('a negated pattern alone matches nothing', () => {
      assert.deepEqual(matches(`!evil.example.org ssh-ed25519 ${KEY_A}\n`, 'good.example.org'), [])
    })
  })

  describe('markers', () => {
    it('reports @revoked keys apart from the keys a host may present', () => {
      const text = `@revoked * ssh-ed25519 ${KEY_B}\nweb1 ssh-ed25519 ${KEY_A}\n`
      const {keys, revoked} = keysFor(parseKnownHosts(text), 'web1')
      assert.deepEqual(
        keys.map((e) => e.key.toString('base64')),
        [KEY_A],
      )
      assert.deepEqual(
        revoked.map((e) => e.key.toString('base64')),
        [KEY_B],
      )
    })

    it('never treats a @cert-authority key as a host key', () => {
      const {keys, revoked} = keysFor(parseKnownHosts(`@cert-authority *.example.org ssh-ed25519 ${KEY_A}\n`), 'web.example.org')
      assert.deepEqual(keys, [])
      assert.deepEqual(revoked, [])
    })
  })

  describe('parsing', () => {
    it('skips comments, blank and malformed lines and keeps the good ones', () => {
      const text = [
        '# a comment',
        '',
        '   ',
        'only-a-host',
        'host ssh-ed25519',
        `|1|broken ssh-ed25519 ${KEY_A}`,
        `good ssh-ed25519 ${KEY_A} trailing comment`,
        `  indented ssh-ed25519 ${KEY_B}`,
      ].join('\n')
      const entries = parseKnownHosts(text)
      assert.deepEqual(
        entries.map((e) => e.patterns),
        [['good'], ['indented']],
      )
    })

    it('writes a line it reads back', () => {
      const line = knownHostsLine('[127.0.0.1]:2222', blob(KEY_EC))
      assert.equal(line, `[127.0.0.1]:2222 ecdsa-sha2-nistp256 ${KEY_EC}\n`)
      assert.deepEqual(matches(line, '[127.0.0.1]:2222'), [KEY_EC])
    })
  })

  describe('key blobs', () => {
    it('reads the key type inside the blob', () => {
      assert.equal(blobKeyType(blob(KEY_A)), 'ssh-ed25519')
      assert.equal(blobKeyType(blob(KEY_EC)), 'ecdsa-sha2-nistp256')
      assert.equal(blobKeyType(Buffer.alloc(2)), 'unknown')
    })

    it('gives the fingerprint ssh-keygen -lf prints', () => {
      assert.equal(fingerprint(blob(KEY_A)), KEY_A_FP)
      assert.equal(fingerprint(blob(KEY_B)), KEY_B_FP)
      assert.equal(fingerprint(blob(KEY_EC)), KEY_EC_FP)
    })

    it('offers the rsa-sha2 signatures for an ssh-rsa key and each other type as is', () => {
      assert.deepEqual(hostKeyAlgorithmsFor(['ssh-rsa', 'ssh-ed25519', 'ssh-ed25519']), [
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
        'ssh-ed25519',
      ])
    })
  })

  describe('against the installed ssh-keygen', () => {
    let dir: string

    before(function () {
      requireIntegration(this, 'ssh-keygen', () => missingBinary(SSH_KEYGEN))
      dir = mkdtempSync(join(tmpdir(), 'violin-kh-'))
    })

    after(() => {
      if (dir) rmSync(dir, {recursive: true, force: true})
    })

    it('matches lines hashed by ssh-keygen -H just now, and only for their own name', () => {
      const key = join(dir, 'k')
      generateKey(key)
      const [type, b64] = readFileSync(`${key}.pub`, 'utf8').split(' ')
      const file = join(dir, 'known_hosts')
      writeFileSync(file, `[127.0.0.1]:40022 ${type} ${b64}\nalpha.example.org ${type} ${b64}\n`)
      hashKnownHosts(file)
      const text = readFileSync(file, 'utf8')
      assert.match(text, /^\|1\|/m)
      assert.doesNotMatch(text, /alpha|127\.0\.0\.1/)
      assert.deepEqual(matches(text, '[127.0.0.1]:40022'), [b64])
      assert.deepEqual(matches(text, 'alpha.example.org'), [b64])
      assert.deepEqual(matches(text, '[127.0.0.1]:40023'), [])
      assert.deepEqual(matches(text, 'beta.example.org'), [])
    })

    it('computes the same fingerprint as ssh-keygen -lf for a fresh key', () => {
      const key = join(dir, 'k2')
      generateKey(key)
      const b64 = readFileSync(`${key}.pub`, 'utf8').split(' ')[1]!
      assert.equal(fingerprint(blob(b64)), keygenFingerprint(`${key}.pub`))
    })
  })
})
