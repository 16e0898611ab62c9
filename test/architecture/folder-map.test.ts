import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** A newcomer finds every folder of src/ in the README's folder map and in docs/ARCHITECTURE.md's layers. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const folders = readdirSync(join(ROOT, 'src'), {withFileTypes: true})
  .filter((e) => e.isDirectory())
  .map((e) => `src/${e.name}/`)

/** The first fenced block after `heading`. */
function mapUnder(file: string, heading: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const at = text.indexOf(heading)
  assert.ok(at >= 0, `${file} has no "${heading}"`)
  const open = text.indexOf('```\n', at)
  return text.slice(open, text.indexOf('```\n', open + 4))
}

describe('the folder maps match the tree', () => {
  it('src/ has its folders (the check is not vacuous)', () => {
    assert.ok(folders.includes('src/policy/') && folders.length >= 15, folders.join(' '))
  })

  for (const [file, heading] of [
    ['README.md', '## Developing'],
    ['docs/ARCHITECTURE.md', '## The layers'],
  ] as const) {
    it(`${file} names every folder of src/, and no folder that is gone`, () => {
      const map = mapUnder(file, heading)
      assert.deepEqual(
        folders.filter((f) => !map.includes(f)),
        [],
        `missing from ${file}`,
      )
      const named = [...map.matchAll(/^(src\/[a-z-]+\/)/gm)].map((m) => m[1]!)
      assert.deepEqual(
        named.filter((f) => !folders.includes(f)),
        [],
        `${file} names folders src/ does not have`,
      )
    })
  }
})
