import assert from 'node:assert/strict'

import {Config} from '@oclif/core'
import {captureOutput} from '@oclif/test'

import {ViolinCommand} from '../../src/base-command.js'
import {EXAMPLE, ROOT, tempHome, violinArgv, violinProcess} from '../helpers/cli.js'

const sim = ['--connect', `sim:${EXAMPLE}`]

/** stderr as the user reads it: its non-empty lines. */
const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '')

describe('errors a user can read: one line, the flag named, a documented status', () => {
  const home = tempHome()
  after(() => home.remove())

  it('env info -c sim:FILE refuses --connect (exit 2) instead of "Cannot read properties of undefined"', async () => {
    const r = await violinArgv(['env', 'info', 'lab', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), [
      'error: --connect means nothing to "violin env info": it never acts on a --connect target',
      'Try: drop --connect (VIOLIN_HOME selects another inventory); see violin env info --help',
    ])
  })

  it('env create --vms 99999999999 is a usage error naming --vms and its limit, not "Invalid array length"', async () => {
    const r = await violinArgv(['env', 'create', 'lab', '--vms', '99999999999', '--kernel', '/k', '--dry-run'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: --vms: expected an integer less than or equal to 1000 but received: 99999999999')
  })

  it('usage --interval 9000000000000 is a usage error naming --interval and its limit, not "Invalid time value"', async () => {
    const r = await violinArgv(['usage', '--interval', '9000000000000', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: --interval: expected an integer less than or equal to 86400 but received: 9000000000000')
  })

  it('adapt on an empty inventory says so (exit 4) before it takes the lead', async () => {
    const r = await violinArgv(['adapt', '--interval', '1'], home.env)
    assert.equal(r.exitCode, 4)
    assert.deepEqual(lines(r.stderr), [
      'error: the inventory has no hosts',
      'Try: violin host add NAME --local --site SITE --driver libvirt, or use --connect sim:FILE',
    ])
  })

  it('adapt --once --interval 9000000000000 on sim is a usage error, not "Invalid time value"', async () => {
    const r = await violinArgv(['adapt', '--once', '--dry-run', '--interval', '9000000000000', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^error: --interval: expected an integer less than or equal to 86400/)
  })

  it('predict migration --concurrent 9000000000000 is a usage error, not "Invalid array length"', async () => {
    const r = await violinArgv(['predict', 'migration', '--memory', '1G', '--concurrent', '9000000000000'], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^error: --concurrent: expected an integer less than or equal to 1000/)
  })

  it('setmem --wait beyond a day is a usage error naming the flag', async () => {
    const r = await violinArgv(['setmem', 'web-1', '1G', '--wait', '9000000000000', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: --wait: expected an integer less than or equal to 86400 but received: 9000000000000')
  })

  it('schedinfo --set cap=99999999999 is a usage error, not a cap taken as set', async () => {
    const r = await violinArgv(['schedinfo', 'web-1', '--set', 'cap=99999999999', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: cap must be 0 (none) to 102400 (% of one CPU)')
  })

  it('a size beyond 1 PiB is a usage error, not a number with 19 digits', async () => {
    const r = await violinArgv(['setmem', 'web-1', '999999999999T', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: "999999999999T" is more than 1 PiB: no machine has that much')
  })

  it("oclif's parse errors are one line and point at the command's help", async () => {
    const r = await violinArgv(['list', '--format', 'xml', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: Expected --format=xml to be one of: table, csv, json, yaml', 'Try: violin list --help'])
    const json = await violinArgv(['list', '--format', 'xml', ...sim, '--json'], home.env)
    assert.deepEqual(json.json, {
      error: {
        type: 'UsageError',
        message: 'Expected --format=xml to be one of: table, csv, json, yaml',
        hint: 'violin list --help',
        exit_code: 2,
      },
    })
    const negative = await violinArgv(['vacate', 'east1', '--max-parallel=-1', ...sim], home.env)
    assert.deepEqual(lines(negative.stderr), [
      'error: --max-parallel: expected an integer greater than or equal to 1 but received: -1',
      'Try: violin vacate --help',
    ])
  })

  it("a flag's own parse error is one line too, without the flag named twice", async () => {
    const r = await violinArgv(
      ['host', 'add', 'x', '--local', '--site', 's', '--driver', 'sim', '--uri', EXAMPLE, '--agent-dir', 'rel'],
      home.env,
    )
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: --agent-dir must be an absolute path, not "rel"', 'Try: violin host add --help'])
    const ratio = await violinArgv(
      ['host', 'add', 'x', '--local', '--site', 's', '--driver', 'sim', '--uri', EXAMPLE, '--cpu-overcommit', 'NaN'],
      home.env,
    )
    assert.equal(ratio.exitCode, 2)
    assert.deepEqual(lines(ratio.stderr), [
      'error: --cpu-overcommit takes vCPUs per core, more than 0 and at most 64 (like 1.5 or 4), not "NaN"',
    ])
  })

  it('a name with a newline stays on the one error line, escaped', async () => {
    const r = await violinArgv(['dominfo', 'a\nb', ...sim], home.env)
    assert.equal(r.exitCode, 4)
    assert.ok(lines(r.stderr)[0]!.startsWith(String.raw`error: VM "a\nb" is not on any host`), r.stderr)
    assert.ok(lines(r.stderr).length <= 2, r.stderr)
  })

  it('"__proto__" and "constructor" are names like any other: not found, exit 4', async () => {
    for (const name of ['__proto__', 'constructor']) {
      const r = await violinArgv(['env', 'info', name], home.env)
      assert.equal(r.exitCode, 4, r.stderr)
      assert.equal(lines(r.stderr)[0], `error: environment "${name}" is not in the inventory`)
    }
  })

  it('a --plot file that cannot be written is a usage error naming the flag', async () => {
    const r = await violinArgv(['simulate', `${ROOT}/examples/scenarios/icac-1.yaml`, '--plot', 'x'.repeat(300)], home.env)
    assert.equal(r.exitCode, 2)
    assert.match(lines(r.stderr)[0]!, /^error: --plot: cannot write x+\.\.\.: ENAMETOOLONG$/)
  })

  it('an error violin did not expect (a TypeError) is one line with exit 1; its stack only with VIOLIN_DEBUG', async () => {
    class Broken extends ViolinCommand {
      static override id = 'broken'
      async run() {
        const missing = undefined as unknown as {field: string}
        return missing.field
      }
    }
    const config = await Config.load({root: ROOT})
    const plain = await captureOutput(() => Broken.run([], config))
    assert.equal((plain.error as {oclif?: {exit?: number}}).oclif?.exit, 1)
    assert.deepEqual(lines(plain.stderr), ["error: Cannot read properties of undefined (reading 'field')"])
    process.env.VIOLIN_DEBUG = '1'
    try {
      const debug = await captureOutput(() => Broken.run([], config))
      assert.match(debug.stderr, /^\s+at Broken\.run /m)
    } finally {
      delete process.env.VIOLIN_DEBUG
      process.exitCode = undefined
    }
  })
})

describe('--connect where it means nothing', () => {
  const home = tempHome()
  after(() => home.remove())

  for (const argv of [
    ['host', 'list'],
    ['simulate', 'x.yaml'],
    ['calibrate', '--show'],
    ['switch', 'status', 'lab'],
  ]) {
    it(`violin ${argv.join(' ')} refuses an explicit --connect with exit 2`, async () => {
      for (const connect of [['--connect', `sim:${EXAMPLE}`], [`--connect=sim:${EXAMPLE}`], ['-c', `sim:${EXAMPLE}`]]) {
        const r = await violinArgv([...argv, ...connect], home.env)
        assert.equal(r.exitCode, 2, r.stderr)
        assert.match(lines(r.stderr)[0]!, /^error: --connect means nothing to "violin /)
      }
    })
  }

  it('VIOLIN_CONNECT in the environment does not reach commands where it means nothing', async () => {
    const r = await violinArgv(['host', 'list', '--json'], {...home.env, VIOLIN_CONNECT: `sim:${EXAMPLE}`})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.deepEqual(r.json, [])
    const env = await violinArgv(['env', 'info', 'lab'], {...home.env, VIOLIN_CONNECT: `sim:${EXAMPLE}`})
    assert.equal(env.exitCode, 4, env.stderr)
    assert.equal(lines(env.stderr)[0], 'error: environment "lab" is not in the inventory')
  })

  it('and still reaches the commands that act on a target', async () => {
    const r = await violinArgv(['list', '--json'], {...home.env, VIOLIN_CONNECT: `sim:${EXAMPLE}`})
    assert.equal(r.exitCode, 0, r.stderr)
    assert.equal(r.json.vms.length, 11)
  })
})

describe('filters that each name something, but match nothing together', () => {
  const home = tempHome()
  before(async () => {
    for (const [name, site] of [
      ['east1', 'east'],
      ['west1', 'west'],
    ] as const) {
      const r = await violinArgv(['host', 'add', name, '--local', '--site', site, '--driver', 'sim', '--uri', EXAMPLE], home.env)
      assert.equal(r.exitCode, 0, r.stderr)
    }
  })
  after(() => home.remove())

  it('usage -H east1 --site west on sim says what matched nothing (exit 2), not an empty report dated 1970', async () => {
    const r = await violinArgv(['usage', '-H', 'east1', '--site', 'west', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: -H east1 and --site west match no host: east1 is in site east', 'Try: drop -H or --site'])
    assert.equal(r.stdout, '')
  })

  it('on the inventory too, instead of "the inventory has no hosts"', async () => {
    const r = await violinArgv(['usage', '-H', 'east1', '--site', 'west'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: -H east1 and --site west match no host: east1 is in site east')
  })

  it('env create --host east1 --head-site west says the two do not meet (exit 2), not "no host is in site west"', async () => {
    const r = await violinArgv(
      ['env', 'create', 'lab', '--vms', '2', '--kernel', '/k', '--host', 'east1', '--head-site', 'west', '--dry-run'],
      home.env,
    )
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), [
      'error: --head-site west has no host among --host east1',
      'Try: add a --host of site west, or drop --host',
    ])
  })

  it('list with several -H in another site names each', async () => {
    const r = await violinArgv(['list', '-H', 'east1', '-H', 'east2', '--site', 'west', ...sim, '--json'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(r.json.error.message, '-H east1 -H east2 and --site west match no host: east1, east2 are in site east')
  })
})

describe('commands, help and conflicting flags', () => {
  const home = tempHome()
  after(() => home.remove())

  it('an unknown command is named in the user\'s words, with the closest command (exit 2), not "hots:list not found"', async () => {
    const r = await violinArgv(['hots', 'list'], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: "hots list" is not a violin command', 'Try: violin host list'])
    const sub = await violinArgv(['host', 'lst'], home.env)
    assert.deepEqual(lines(sub.stderr), ['error: "host lst" is not a violin command', 'Try: violin host list'])
    const none = await violinArgv(['xyzzy'], home.env)
    assert.deepEqual(lines(none.stderr), ['error: "xyzzy" is not a violin command', 'Try: violin --help'])
  })

  it('and so in a real process, where oclif runs the hook from the built package', async () => {
    const r = await violinProcess(['hots', 'list'], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: "hots list" is not a violin command', 'Try: violin host list'])
    const json = await violinProcess(['lsit', '--json'], home.env)
    assert.equal(json.exitCode, 2)
    assert.deepEqual(json.json, {error: {type: 'UsageError', message: '"lsit" is not a violin command', hint: 'violin list', exit_code: 2}})
    const format = await violinProcess(['lsit', '--format', 'json'], home.env)
    assert.deepEqual(format.json, json.json, '--format json is --json, for an unknown command too')
  })

  // As child processes: in-process, oclif's development mode warns that it found no TypeScript source for the help class.
  it('help for an unknown command answers the same way, not "Command hots:list not found."', async () => {
    const r = await violinProcess(['help', 'hots', 'list'], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: "hots list" is not a violin command', 'Try: violin host list'])
    const flag = await violinProcess(['host', 'lst', '-h'], home.env)
    assert.equal(flag.exitCode, 2)
    assert.deepEqual(lines(flag.stderr), ['error: "host lst" is not a violin command', 'Try: violin host list'])
  })

  it("help prints a command's help; a name with spaces or shell words is an unknown command; --json is a usage error in JSON", async () => {
    const ok = await violinProcess(['help', 'host', 'add'], home.env)
    assert.equal(ok.exitCode, 0, ok.stderr)
    assert.match(ok.stdout, /^USAGE\n {2}\$ violin host add /m)
    const hostile = await violinProcess(['help', 'x; rm -rf /tmp/nothing'], home.env)
    assert.equal(hostile.exitCode, 2)
    assert.deepEqual(lines(hostile.stderr), ['error: "x; rm -rf /tmp/nothing" is not a violin command', 'Try: violin --help'])
    const json = await violinProcess(['help', 'list', '--json'], home.env)
    assert.equal(json.exitCode, 2)
    assert.deepEqual(json.json, {
      error: {type: 'UsageError', message: 'violin help prints text, not JSON', hint: 'drop --json', exit_code: 2},
    })
  })

  it('-h is --help', async () => {
    const r = await violinArgv(['list', '-h'], home.env)
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^USAGE\n {2}\$ violin list /m)
  })

  it('--json with --format csv is a usage error, not a silent choice; with --format json it is the same thing', async () => {
    const r = await violinArgv(['list', '--json', '--format', 'csv', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(r.json.error.message, '--json and --format csv ask for two different outputs')
    const same = await violinArgv(['list', '--json', '--format', 'json', ...sim], home.env)
    assert.equal(same.exitCode, 0, same.stderr)
    assert.equal(same.json.vms.length, 11)
  })

  it('list --name with --format or --json is a usage error', async () => {
    const r = await violinArgv(['list', '--name', '--format', 'csv', ...sim], home.env)
    assert.equal(r.exitCode, 2)
    assert.deepEqual(lines(r.stderr), ['error: --format=csv cannot also be provided when using --name', 'Try: violin list --help'])
  })
})

describe('raw errors the random-input test found', () => {
  const home = tempHome()
  after(() => home.remove())

  it('simulate --compare "," (no policy) is a usage error, not "Cannot read properties of undefined" from --plot', async () => {
    const r = await violinArgv(['simulate', `${ROOT}/examples/scenarios/icac-1.yaml`, '--compare=,', '--plot=never-written.svg'], home.env)
    assert.equal(r.exitCode, 2)
    assert.equal(lines(r.stderr)[0], 'error: --compare "," names no policy')
  })
})
