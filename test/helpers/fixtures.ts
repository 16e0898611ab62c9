import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export function fixture(tool: string, name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${tool}/${name}`, import.meta.url)), 'utf8')
}
