import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {EXAMPLE, tempHome, violinProcess} from '../helpers/cli.js'

/** stderr as the user reads it: its non-empty lines. */
const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '')

/**
 * Hosts e1, e2 (east) and w1 (west), simulated (nothing is contacted); VMs db1, db2, web1,
 * web2 as host sync --write records them, and the environment lab (lab-head, lab-1).
 */
function inventory() {
  const host = (name: string, site: string) => ({name, site, transport: {kind: 'local'}, driver: 'sim', uri: EXAMPLE})
  const vm = (name: string, role: string, host: string) => ({
    name,
    role,
    host,
    mac: '52:54:00:00:00:01',
    vcpus: 1,
    memoryMiB: 256,
    maxMemoryMiB: 256,
  })
  return {
    version: 1,
    hosts: {e1: host('e1', 'east'), e2: host('e2', 'east'), w1: host('w1', 'west')},
    vms: {db1: {host: 'e1'}, db2: {host: 'e2'}, web1: {host: 'e1'}, web2: {host: 'w1'}},
    environments: {
      lab: {name: 'lab', headSite: 'east', vms: [vm('lab-head', 'head', 'e1'), vm('lab-1', 'compute', 'w1')]},
    },
  }
}

describe('violin rule add, list, rm: placement rules kept in the inventory', function () {
  this.timeout(60_000)
  let home: ReturnType<typeof tempHome>
  const cli = (args: string[]) => violinProcess(args, home.env)
  const listed = async () => {
    const r = await cli(['rule', 'list', '--json'])
    assert.equal(r.exitCode, 0, r.stderr)
    return r.json
  }
  beforeEach(() => {
    home = tempHome()
    writeFileSync(join(home.dir, 'inventory.json'), JSON.stringify(inventory(), null, 2))
  })
  afterEach(() => home.remove())

  it('adds each kind of rule, saying what it means, lists them as a table and as JSON, and removes them', async () => {
    const empty = await cli(['rule', 'list'])
    assert.deepEqual([empty.exitCode, empty.stdout], [0, 'No rules yet. Add one with: violin rule add anti-affinity NAME VM VM...'])
    assert.deepEqual(await listed(), [])

    const added: Array<[string[], string]> = [
      [['rule', 'add', 'anti-affinity', 'db-apart', 'db1', 'db2'], 'Rule db-apart added: db1, db2 never on one host.'],
      [['rule', 'add', 'affinity', 'lab-together', 'lab-head', 'lab-1'], 'Rule lab-together added: lab-head, lab-1 kept on one host.'],
      [['rule', 'add', 'pin', 'web1', '--host', 'e1'], 'Rule pin-web1 added: web1 only on host e1.'],
      [['rule', 'add', 'pin', 'web2', '--site', 'west', '--name', 'web2-west'], 'Rule web2-west added: web2 only in site west.'],
      [
        ['rule', 'add', 'exclude', 'db1', 'db2'],
        'Rule exclude-db1 added: db1 never moved or resized by the loop.\nRule exclude-db2 added: db2 never moved or resized by the loop.',
      ],
    ]
    for (const [argv, said] of added) {
      const r = await cli(argv)
      assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, said, ''], argv.join(' '))
    }

    const table = await cli(['rule', 'list'])
    assert.equal(table.exitCode, 0, table.stderr)
    assert.deepEqual(
      table.stdout.split('\n').map((l) => l.split(/\s{2,}/).map((c) => c.trim())),
      [
        ['Name', 'Kind', 'VMs', 'Where', 'Rule'],
        ['-'.repeat(table.stdout.split('\n')[1]!.length)],
        ['db-apart', 'anti-affinity', 'db1 db2', '-', 'db1, db2 never on one host'],
        ['exclude-db1', 'exclude', 'db1', '-', 'db1 never moved or resized by the loop'],
        ['exclude-db2', 'exclude', 'db2', '-', 'db2 never moved or resized by the loop'],
        ['lab-together', 'affinity', 'lab-head lab-1', '-', 'lab-head, lab-1 kept on one host'],
        ['pin-web1', 'pin', 'web1', 'host e1', 'web1 only on host e1'],
        ['web2-west', 'pin', 'web2', 'site west', 'web2 only in site west'],
      ],
    )

    const rule = (name: string, kind: string, vms: string[], host: string | null = null, site: string | null = null) => ({
      name,
      kind,
      vms,
      host,
      site,
    })
    assert.deepEqual(await listed(), [
      rule('db-apart', 'anti-affinity', ['db1', 'db2']),
      rule('exclude-db1', 'exclude', ['db1']),
      rule('exclude-db2', 'exclude', ['db2']),
      rule('lab-together', 'affinity', ['lab-head', 'lab-1']),
      rule('pin-web1', 'pin', ['web1'], 'e1'),
      rule('web2-west', 'pin', ['web2'], null, 'west'),
    ])

    const csv = await cli(['rule', 'list', '--format', 'csv'])
    assert.equal(csv.stdout.split('\n')[0], 'name,kind,vms,host,site')
    assert.equal(csv.stdout.split('\n')[1], 'db-apart,anti-affinity,db1;db2,,')

    const rm = await cli(['rule', 'rm', 'db-apart', 'pin-web1'])
    assert.deepEqual([rm.exitCode, rm.stdout, rm.stderr], [0, 'Rule db-apart removed.\nRule pin-web1 removed.', ''])
    const rmJson = await cli(['rule', 'rm', 'web2-west', '--json'])
    assert.deepEqual([rmJson.exitCode, rmJson.json], [0, [rule('web2-west', 'pin', ['web2'], null, 'west')]])
    assert.deepEqual(
      (await listed()).map((r: {name: string}) => r.name),
      ['exclude-db1', 'exclude-db2', 'lab-together'],
    )
  })

  it('--json prints the rules added; --quiet prints nothing; the inventory file keeps them by name', async () => {
    const json = await cli(['rule', 'add', 'exclude', 'web1', 'web2', '--json'])
    assert.equal(json.exitCode, 0, json.stderr)
    assert.deepEqual(json.json, [
      {name: 'exclude-web1', kind: 'exclude', vms: ['web1'], host: null, site: null},
      {name: 'exclude-web2', kind: 'exclude', vms: ['web2'], host: null, site: null},
    ])
    const quiet = await cli(['rule', 'add', 'pin', 'db1', '--host', 'e2', '--quiet'])
    assert.deepEqual([quiet.exitCode, quiet.stdout, quiet.stderr], [0, '', ''])
    const quietRm = await cli(['rule', 'rm', 'pin-db1', '-q'])
    assert.deepEqual([quietRm.exitCode, quietRm.stdout, quietRm.stderr], [0, '', ''])
    const file = JSON.parse(readFileSync(join(home.dir, 'inventory.json'), 'utf8'))
    assert.deepEqual(file.rules, {
      'exclude-web1': {kind: 'exclude', name: 'exclude-web1', vm: 'web1'},
      'exclude-web2': {kind: 'exclude', name: 'exclude-web2', vm: 'web2'},
    })
    await cli(['rule', 'rm', 'exclude-web1', 'exclude-web2'])
    assert.ok(!('rules' in JSON.parse(readFileSync(join(home.dir, 'inventory.json'), 'utf8'))), 'no rules: no rules key')
  })

  it('takes a VM the inventory does not know with --force (one not created yet)', async () => {
    const refused = await cli(['rule', 'add', 'anti-affinity', 'new-apart', 'new1', 'new2'])
    assert.equal(refused.exitCode, 2)
    const r = await cli(['rule', 'add', 'anti-affinity', 'new-apart', 'new1', 'new2', '--force'])
    assert.deepEqual([r.exitCode, r.stdout], [0, 'Rule new-apart added: new1, new2 never on one host.'], r.stderr)
  })

  describe('refuses, in one line (+ Try:), and changes nothing', () => {
    /** Rules already there, for the refusals that need some. */
    const existing: string[][] = [
      ['rule', 'add', 'anti-affinity', 'db-apart', 'db1', 'db2'],
      ['rule', 'add', 'pin', 'web1', '--host', 'e1'],
      ['rule', 'add', 'exclude', 'web2'],
    ]
    const cases: Array<[string, string[], number, RegExp, RegExp?]> = [
      [
        'a rule name with shell syntax',
        ['rule', 'add', 'anti-affinity', 'x;reboot', 'db1', 'db2'],
        2,
        /^error: "x;reboot" is not a rule name$/,
        /^Try: use letters, digits, dot, dash and underscore/,
      ],
      ['a rule name with a newline', ['rule', 'add', 'affinity', 'a\nb', 'db1', 'web1'], 2, /^error: "a\\nb" is not a rule name$/],
      [
        'a --name with a blank',
        ['rule', 'add', 'pin', 'db1', '--host', 'e1', '--name', 'my pin'],
        2,
        /^error: "my pin" is not a rule name$/,
      ],
      [
        'a default name too long for a rule',
        ['rule', 'add', 'exclude', 'v'.repeat(62), '--force'],
        2,
        /^error: the default name "exclude-v+" is not a rule name$/,
        /^Try: give one with --name: /,
      ],
      [
        'a VM name with shell syntax',
        ['rule', 'add', 'anti-affinity', 'ok', 'db1', '$(reboot)'],
        2,
        /^error: "\$\(reboot\)" is not a VM name$/,
        /^Try: use letters, digits, dot, dash and underscore$/,
      ],
      ['a VM name with a newline', ['rule', 'add', 'exclude', 'db1\nweb1'], 2, /^error: "db1\\nweb1" is not a VM name$/],
      ['a pinned VM name with a quote', ['rule', 'add', 'pin', `it's`, '--host', 'e1'], 2, /^error: "it's" is not a VM name$/],
      ['a VM named twice', ['rule', 'add', 'anti-affinity', 'ok', 'db1', 'db2', 'db1'], 2, /^error: VM db1 is named twice$/],
      [
        'one VM in an anti-affinity rule',
        ['rule', 'add', 'anti-affinity', 'ok', 'db1'],
        2,
        /^error: an anti-affinity rule takes two VMs or more, not 1$/,
      ],
      ['no VM in an affinity rule', ['rule', 'add', 'affinity', 'ok'], 2, /^error: Missing 1 required arg/],
      [
        'a VM the inventory does not know',
        ['rule', 'add', 'affinity', 'ok', 'db1', 'ghost'],
        2,
        /^error: VM ghost is not in the inventory$/,
        /^Try: violin host sync --write to record the hosts' VMs, or --force for a VM not created yet$/,
      ],
      [
        'VMs the inventory does not know',
        ['rule', 'add', 'exclude', 'ghost1', 'ghost2'],
        2,
        /^error: VMs ghost1, ghost2 are not in the inventory$/,
      ],
      [
        'a pin with neither --host nor --site',
        ['rule', 'add', 'pin', 'db1'],
        2,
        /^error: give exactly one of --host HOST and --site SITE: where the VM may run$/,
      ],
      [
        'a pin with both --host and --site',
        ['rule', 'add', 'pin', 'db1', '--host', 'e1', '--site', 'east'],
        2,
        /^error: give exactly one of --host HOST and --site SITE/,
      ],
      [
        'a pin to a host not in the inventory',
        ['rule', 'add', 'pin', 'db1', '--host', 'e9'],
        2,
        /^error: host "e9" is not in the inventory$/,
        /^Try: violin host list$/,
      ],
      [
        'a pin to a site no host is in',
        ['rule', 'add', 'pin', 'db1', '--site', 'mars'],
        2,
        /^error: site "mars" is the site of no host in the inventory$/,
      ],
      [
        'a pin to a host with shell syntax',
        ['rule', 'add', 'pin', 'db1', '--host', 'e1;reboot'],
        2,
        /^error: host "e1;reboot" is not in the inventory$/,
      ],
      [
        '--name with several excluded VMs',
        ['rule', 'add', 'exclude', 'db1', 'db2', '--name', 'dbs'],
        2,
        /^error: --name names one rule, and 2 VMs make 2 rules$/,
      ],
      [
        'a name already taken',
        ['rule', 'add', 'affinity', 'db-apart', 'lab-head', 'lab-1'],
        2,
        /^error: rule "db-apart" already exists$/,
        /^Try: violin rule rm db-apart first, or give another --name$/,
      ],
      [
        'a second rule of several whose name is taken (none is added)',
        ['rule', 'add', 'exclude', 'db1', 'web2'],
        2,
        /^error: rule "exclude-web2" already exists$/,
      ],
      [
        'VMs kept together that a rule keeps apart',
        ['rule', 'add', 'affinity', 'db-together', 'db1', 'db2'],
        2,
        /^error: the rules would contradict each other: rule db-apart keeps db1 and db2 apart, rule db-together keeps them together$/,
      ],
      [
        'a second pin for one VM',
        ['rule', 'add', 'pin', 'web1', '--site', 'east', '--name', 'web1-east'],
        2,
        /^error: the rules would contradict each other: rules pin-web1 and web1-east both pin web1$/,
      ],
      ['an unknown rule to remove', ['rule', 'rm', 'nope'], 4, /^error: rule "nope" is not in the inventory$/, /^Try: violin rule list$/],
      [
        'one unknown rule among those to remove (none is removed)',
        ['rule', 'rm', 'db-apart', 'nope'],
        4,
        /^error: rule "nope" is not in the inventory$/,
      ],
      ['a rule name to remove with shell syntax', ['rule', 'rm', 'db-apart;reboot'], 2, /^error: "db-apart;reboot" is not a rule name$/],
      [
        '--connect, which means nothing to the rules',
        ['rule', 'list', '--connect', `sim:${EXAMPLE}`],
        2,
        /^error: --connect means nothing to "violin rule list"/,
      ],
    ]

    for (const [what, argv, code, message, hint] of cases) {
      it(`${what}: exit ${code}`, async () => {
        for (const setup of existing) assert.equal((await cli(setup)).exitCode, 0)
        const before = await listed()
        const r = await cli(argv)
        assert.equal(r.exitCode, code, r.stderr)
        assert.equal(r.stdout, '')
        const said = lines(r.stderr)
        assert.match(said[0]!, message)
        assert.ok(said.length === 1 || (said.length === 2 && said[1]!.startsWith('Try: ')), r.stderr)
        if (hint) assert.match(said[1] ?? '', hint)
        assert.deepEqual(await listed(), before)
      })
    }

    it('VMs kept together but pinned to different hosts: refused, naming the pins', async () => {
      for (const setup of existing) assert.equal((await cli(setup)).exitCode, 0)
      assert.equal((await cli(['rule', 'add', 'pin', 'db1', '--host', 'e2'])).exitCode, 0)
      const before = await listed()
      const r = await cli(['rule', 'add', 'affinity', 'web-db', 'web1', 'db1'])
      assert.equal(r.exitCode, 2)
      assert.equal(
        lines(r.stderr)[0],
        'error: the rules would contradict each other: rule web-db keeps web1, db1 together, but pin-web1 and pin-db1 pin them apart',
      )
      assert.deepEqual(await listed(), before)
    })

    it('under --json: the error envelope with the same status', async () => {
      const r = await cli(['rule', 'rm', 'nope', '--json'])
      assert.equal(r.exitCode, 4)
      assert.deepEqual(r.json, {
        error: {type: 'NotFoundError', message: 'rule "nope" is not in the inventory', hint: 'violin rule list', exit_code: 4},
      })
    })
  })

  it('names the line and field of a rule broken by hand (exit 3), and writes nothing', async () => {
    const broken = {...inventory(), rules: {apart: {kind: 'anti-affinity', name: 'apart', vms: ['db1']}}}
    const text = JSON.stringify(broken, null, 2)
    const path = join(home.dir, 'inventory.json')
    writeFileSync(path, text)
    const all = text.split('\n')
    const line = all.findIndex((l, i) => i > all.indexOf('  "rules": {') && l.includes('"vms": [')) + 1
    for (const argv of [
      ['rule', 'list'],
      ['rule', 'rm', 'apart'],
      ['rule', 'add', 'exclude', 'db1'],
    ]) {
      const r = await cli(argv)
      assert.equal(r.exitCode, 3, argv.join(' '))
      assert.deepEqual(lines(r.stderr), [
        `error: ${path}:${line}:14: rules.apart.vms: expected a list of two or more different VM names, found a list of 1`,
        'Try: fix the file by hand; violin never rewrites a file it cannot read',
      ])
    }
    assert.equal(readFileSync(path, 'utf8'), text)
  })
})
