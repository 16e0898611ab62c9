/**
 * Benchmark dispatcher: `npm run bench -- NAME` (= `node --import tsx bench/run.ts NAME`)
 * imports bench/NAME.ts and awaits its `main()`.
 */
const BENCHES: Record<string, string> = {
  fleet:
    'agents writing samples of 1,000 and 10,000 hosts (10 VMs each) into a 3-member etcd: writes/s, latency p50/p99, usage --json and adapt --once --dry-run over them, vs SSH polling of 50 hosts per host',
  mesh: "CPU per frame through violin's userspace switch daemon vs a bare Node UDP relay",
  'mesh-net':
    'VM-to-VM TCP, RTT and outage after a move over both data planes (userspace switches in violin agents, kernel VXLAN) in network namespaces, vs socat alone and the bare underlay (root)',
  plan: 'time to build one adaptation plan per policy for 1,000 and 10,000 hosts (10 VMs each), and the 10k/1k ratio',
  'predict-accuracy':
    'calibrate from one idle guest size on the test bed, predict the other sizes (idle and dirtying) and four guests one at a time vs all at once; mean absolute percentage error per column (root)',
  migrate: 'live migrations of 128-1024 MiB guests, idle and dirtying, one at a time and 4 at once, on the test bed (root)',
  poll: 'first (cold) and second (warm) usage poll of 50 sshd hosts, against parallel-ssh',
  startup: 'CLI start-up time against bare node (needs npm run build)',
}

function usage(problem?: string): never {
  if (problem) console.error(`Error: ${problem}`)
  console.error('Usage: npm run bench -- NAME\n\nBenchmarks:')
  for (const [name, what] of Object.entries(BENCHES)) console.error(`  ${name.padEnd(10)} ${what}`)
  process.exit(2)
}

const name = process.argv[2]
if (!name) usage('which benchmark?')
if (!Object.hasOwn(BENCHES, name)) usage(`no benchmark "${name}"`)

const bench = (await import(`./${name}.ts`)) as {main(): Promise<void>}
try {
  await bench.main()
} catch (error) {
  console.error(`bench ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exitCode = 1
}
