import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Ajv} from 'ajv'
import {parse} from 'yaml'

import {ROOT, violinProcess} from '../helpers/cli.js'

/** The JSON Schema as a user gets it: `violin schema KIND` on stdout. */
async function printed(kind: string): Promise<object> {
  const r = await violinProcess(['schema', kind])
  assert.equal(r.exitCode, 0, r.stderr)
  return JSON.parse(r.stdout) as object
}

const example = (...path: string[]) => parse(readFileSync(join(ROOT, 'examples', ...path), 'utf8')) as unknown

describe('violin schema: the JSON Schema an editor checks hand-written files with', () => {
  it('accepts the shipped env file, scenarios and cluster, as a real validator (ajv) reads them', async () => {
    const ajv = new Ajv({strict: false, allErrors: true})
    const cases: Array<[string, string[][]]> = [
      ['env-file', [['env', 'lab.yaml']]],
      ['scenario', readdirSync(join(ROOT, 'examples', 'scenarios')).map((f) => ['scenarios', f])],
      ['cluster', [['two-sites.yaml']]],
    ]
    for (const [kind, files] of cases) {
      const validate = ajv.compile(await printed(kind))
      for (const file of files) assert.ok(validate(example(...file)), `${kind} ${file.join('/')}: ${ajv.errorsText(validate.errors)}`)
    }
  })

  it('refuses what violin refuses: an unknown key, a size violin cannot read, a missing name', async () => {
    const validate = new Ajv({strict: false}).compile(await printed('env-file'))
    const good = example('env', 'lab.yaml') as Record<string, unknown>
    assert.ok(validate(good))
    assert.ok(!validate({...good, colour: 'blue'}), 'an unknown key')
    assert.ok(!validate({...good, defaults: {...(good.defaults as object), memory: 'lots'}}), 'a size that is not one')
    assert.ok(validate({...good, defaults: {...(good.defaults as object), memory: '1.5GiB'}}), 'a size with a unit')
    assert.ok(validate({...good, defaults: {...(good.defaults as object), memory: 512}}), 'a bare number (MiB)')
    const {name: _, ...nameless} = good
    assert.ok(!validate(nameless), 'no name')
  })

  it('lists the kinds in its help, and refuses another kind as a usage error', async () => {
    const help = await violinProcess(['schema', '--help'])
    for (const kind of ['env-file', 'scenario', 'cluster']) assert.match(help.stdout, new RegExp(`^\\s+${kind}\\s+\\S`, 'm'), kind)
    const r = await violinProcess(['schema', 'inventory'])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /Expected inventory to be one of: env-file, scenario, cluster/)
  })
})
