import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, ROOT, tempHome, violin} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]

describe('sizes: one unit for a bare number, and a floor under setmem', () => {
  const home = tempHome()
  after(() => home.remove())

  it('every size a command takes says in its help that a bare number is MiB', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<
        string,
        {description?: string; args: Record<string, {description?: string}>; flags: Record<string, {helpValue?: string; summary?: string}>}
      >
    }
    const sizes: string[] = []
    for (const [id, c] of Object.entries(manifest.commands)) {
      for (const [name, f] of Object.entries(c.flags)) {
        if (f.helpValue !== 'SIZE') continue
        sizes.push(`${id} --${name}`)
        assert.match(f.summary ?? '', /a bare number is MiB/, `${id} --${name}`)
      }
    }
    assert.ok(sizes.includes('env:create --memory') && sizes.includes('predict:migration --sent'), sizes.join(', '))
    assert.match(manifest.commands.setmem!.args.size!.description!, /a bare number is MiB/)
    assert.match(manifest.commands.setmem!.description!, /a bare number is MiB \(virsh setmem: KiB\)/)
  })

  it('setmem reads a bare number as MiB', async () => {
    const r = await violin(['setmem', 'web-2', '5000', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.memory_mib, 5000)
  })

  it('setmem refuses less than the guest uses (its balloon says), with the way around', async () => {
    // web-2 uses 3.1 GiB (examples/two-sites.yaml)
    const r = await violin(['setmem', 'web-2', '3G', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /VM "web-2" uses 3174\.4 MiB \(its balloon says\); 3072 MiB is less/)
    assert.match(r.stderr, /--force/)
    const forced = await violin(['setmem', 'web-2', '3G', '--force', ...sim, '--json'], home.env)
    assert.equal(forced.exitCode, 0, forced.stderr)
    assert.equal(forced.json.memory_mib, 3072)
  })

  it('setmem refuses less than 64 MiB even when the use is unknown, unless --force', async () => {
    const r = await violin(['setmem', 'spare', '32M', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /32 MiB is under the 64 MiB floor for VM "spare"/)
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1)
    const forced = await violin(['setmem', 'spare', '32M', '--force', ...sim, '--json'], home.env)
    assert.equal(forced.exitCode, 0, forced.stderr)
    assert.equal(forced.json.config, true)
  })
})
