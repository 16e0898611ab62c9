#!/usr/bin/env node
// `violin --version` is answered without loading oclif (src/version.ts prints oclif's line).
if (process.argv[2] === '--version') {
  const {userAgent} = await import('../dist/version.js')
  process.stdout.write(`${userAgent(new URL('..', import.meta.url))}\n`)
} else {
  const {execute} = await import('../dist/index.js')
  await execute({dir: import.meta.url})
}
