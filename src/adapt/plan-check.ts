/**
 * `plan apply`'s re-check: each action of a saved plan against the cluster now, in the
 * plan's order, with the capacity of the actions accepted before it deducted (as the plan
 * was made). An action whose premise no longer holds is refused with the reason: its VM
 * moved or stopped, its balloon or shares changed, its destination is full, closed or did
 * not answer, or a rule forbids it now (for a VM an affinity rule keeps with others, the
 * Ledger asks the rules of its companions too: one refused, the others' moves are). Pure.
 */
import {Ledger} from '../policy/guards.js'
import {type Action, type ClusterView, DEFAULT_POLICY_OPTIONS, type VmView} from '../policy/cluster-view.js'

export interface Refusal {
  action: Action
  why: string
}

export interface Checked {
  accepted: Action[]
  refused: Refusal[]
}

export function checkPlan(actions: readonly Action[], now: ClusterView, unanswered: ReadonlySet<string>): Checked {
  // The plan was made under the guards (cap, cooldown): only its premises are judged here.
  const ledger = new Ledger(now, {...DEFAULT_POLICY_OPTIONS, maxMigrations: Number.POSITIVE_INFINITY, cooldownMs: 0})
  const hosts = new Set(now.hosts.map((h) => h.name))
  const accepted: Action[] = []
  const refused: Refusal[] = []
  const absent = (host: string) => (unanswered.has(host) ? `${host} did not answer` : `${host} is not among the hosts now`)
  /** Why `vm` cannot be found where the plan left it on `host`, or the VM. */
  const find = (name: string, host: string): VmView | string => {
    if (!hosts.has(host)) return absent(host)
    const vm = ledger.vmNamed(name)
    if (!vm) return `${name} is not running on any host that answered`
    const at = ledger.hostOf(vm)
    return at === host ? vm : `${name} is on ${at} now, not on ${host} as planned`
  }
  /** Records one move if its premises hold; else why not. */
  const move = (m: {vm: string; from: string; to: string}): string | undefined => {
    const vm = find(m.vm, m.from)
    if (typeof vm === 'string') return vm
    if (!hosts.has(m.to)) return absent(m.to)
    const why = ledger.frozen(vm) ?? ledger.whyNot(vm, m.to)
    if (why) return why
    // Alone: the plan lists each companion of an affinity rule as its own move.
    ledger.putBack(vm, m.to)
    return undefined
  }
  for (const a of actions) {
    let why: string | undefined
    switch (a.kind) {
      case 'migrate':
        why = move(a)
        break
      case 'migrate-environment': {
        const done: Array<{vm: VmView; from: string}> = []
        for (const m of a.moves) {
          why = move(m)
          if (why) {
            why = `${m.vm}: ${why}`
            break
          }
          done.push({vm: ledger.vmNamed(m.vm)!, from: m.from})
        }
        // All of an environment moves, or none of it.
        if (why) for (const d of done.reverse()) ledger.putBack(d.vm, d.from)
        break
      }
      case 'set-memory': {
        const vm = find(a.vm, a.host)
        if (typeof vm === 'string') why = vm
        else if (ledger.frozen(vm)) why = ledger.frozen(vm)
        else if (vm.memoryMiB !== a.fromMiB) why = `${a.vm} has ${vm.memoryMiB} MiB now; the plan assumed ${a.fromMiB} MiB`
        else if (a.toMiB > a.fromMiB && ledger.freeMemoryMiB(a.host) < a.toMiB - a.fromMiB)
          why = `${a.host} has ${Math.max(0, Math.floor(ledger.freeMemoryMiB(a.host)))} MiB left, less than the ${a.toMiB - a.fromMiB} MiB ${a.vm} would take`
        else ledger.resizeMemory(vm, a.toMiB)
        break
      }
      case 'set-shares': {
        const vm = find(a.vm, a.host)
        if (typeof vm === 'string') why = vm
        else if (ledger.frozen(vm)) why = ledger.frozen(vm)
        else if (vm.cpuShares !== a.from) why = `${a.vm} has ${vm.cpuShares} CPU shares now; the plan assumed ${a.from}`
        break
      }
    }
    if (why) refused.push({action: a, why})
    else accepted.push(a)
  }
  return {accepted, refused}
}
