#!/usr/bin/env node
// `violin --version` is answered without loading oclif (src/version.ts prints oclif's line).
if (process.argv[2] === '--version') {
  const {userAgent} = await import('../dist/version.js')
  process.stdout.write(`${userAgent(new URL('..', import.meta.url))}\n`)
} else {
  // The whole CLI is one CommonJS file, read from V8's code cache after its first run.
  const {fileURLToPath} = await import('node:url')
  const {requireCached} = await import('./code-cache.js')
  const {execute} = requireCached(fileURLToPath(new URL('../dist/violin.cjs', import.meta.url)))
  await execute({dir: import.meta.url})
}
