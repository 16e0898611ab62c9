/**
 * The operator's rules around any policy: before it plans, a pass mends the rules the
 * cluster breaks now (a VM moved by hand off its pin, two anti-affine VMs started on one
 * host, an affinity group apart), within the same guards and cap; after, each move of a VM
 * an affinity rule keeps with others carries them along (the policy's Ledger already
 * counted their capacity). What cannot be mended is said in the plan's notes, by rule.
 * The guards of every move (pin, anti-affinity, exclude) are the Ledger's (guards.ts).
 */
import {Ledger} from './guards.js'
import type {Action, ClusterView, HostView, Policy, PolicyOptions, VmView} from './cluster-view.js'
import {broken, type Rule, RuleBook} from './rules.js'

export function obeyingRules(policy: Policy, options: {mend: boolean} = {mend: true}): Policy {
  return (view, policyOptions) => {
    if (!view.rules?.length) return policy(view, policyOptions)
    const mended = options.mend ? mendRules(view, policyOptions) : {actions: [], notes: [], view, migrations: 0}
    const plan = policy(mended.view, {...policyOptions, maxMigrations: Math.max(0, policyOptions.maxMigrations - mended.migrations)})
    // The mends carry their companions already.
    const actions = [...mended.actions, ...withCompanions(plan.actions, mended.view)]
    return {...plan, actions, notes: [...mended.notes, ...plan.notes, ...stillBroken(view.rules, view, actions)]}
  }
}

/** The rules the plan leaves broken, each once: "rule db-apart not kept: db1 and db2 share e1". */
function stillBroken(rules: Rule[], view: ClusterView, actions: Action[]): string[] {
  const placement = new Map(view.vms.map((vm) => [vm.name, vm.host]))
  for (const a of actions) {
    if (a.kind === 'migrate') placement.set(a.vm, a.to)
    if (a.kind === 'migrate-environment') for (const m of a.moves) placement.set(m.vm, m.to)
  }
  const siteOf = new Map(view.hosts.map((h) => [h.name, h.site]))
  const left = broken(rules, placement, (h) => siteOf.get(h))
  // A plan is read by a person: the first few by name, then how many more.
  const said = left.slice(0, NOTED_BROKEN).map((b) => `rule ${b.rule} not kept: ${b.text}`)
  return left.length > NOTED_BROKEN ? [...said, `and ${left.length - NOTED_BROKEN} more rules not kept`] : said
}

/** Broken rules a plan names one by one. */
const NOTED_BROKEN = 20

/**
 * Each migration of a VM in an affinity rule, followed by the migrations of its companions
 * not already on the destination (an environment's move gains their moves).
 */
export function withCompanions(actions: Action[], view: ClusterView): Action[] {
  const rules = new RuleBook(view.rules)
  if (rules.empty) return actions
  const at = new Map(view.vms.map((vm) => [vm.name, vm.host]))
  const along = (vm: string, to: string) => {
    const group = rules.groupOf(vm)
    const moves: Array<{vm: string; from: string; to: string; rule: string}> = []
    at.set(vm, to)
    for (const other of group?.vms ?? []) {
      const from = at.get(other)
      if (other === vm || from === undefined || from === to) continue
      moves.push({vm: other, from, to, rule: group!.rule})
      at.set(other, to)
    }
    return moves
  }
  const out: Action[] = []
  for (const a of actions) {
    if (a.kind === 'migrate') {
      out.push(a)
      for (const m of along(a.vm, a.to))
        out.push({
          kind: 'migrate',
          vm: m.vm,
          from: m.from,
          to: m.to,
          reason: `${m.vm} goes with ${a.vm}: rule ${m.rule} keeps them on one host`,
        })
    } else if (a.kind === 'migrate-environment') {
      const extra = a.moves.flatMap((m) => along(m.vm, m.to)).filter((m) => !a.moves.some((n) => n.vm === m.vm))
      out.push(extra.length === 0 ? a : {...a, moves: [...a.moves, ...extra.map(({vm, from, to}) => ({vm, from, to}))]})
    } else out.push(a)
  }
  return out
}

/**
 * Moves that bring the cluster back within its rules, in the order the rules are listed,
 * under the pass's guards (cap, cooldown, exclude, capacity). Returns them with the view as
 * they leave it (the moved VMs on their new hosts, in their cooldown) for the policy.
 */
export function mendRules(
  view: ClusterView,
  options: PolicyOptions,
): {actions: Action[]; notes: string[]; view: ClusterView; migrations: number} {
  const ledger = new Ledger(view, options)
  const actions: Action[] = []
  const notes: string[] = []
  const siteOf = new Map(view.hosts.map((h) => [h.name, h.site]))
  const move = (vm: VmView, to: string, reason: string) => {
    const from = ledger.hostOf(vm)!
    const companions = ledger.move(vm, to)
    actions.push({kind: 'migrate', vm: vm.name, from, to, reason})
    for (const c of companions)
      actions.push({kind: 'migrate', vm: c.vm.name, from: c.from, to, reason: `${c.vm.name} goes with ${vm.name}: ${reason}`})
  }
  /** Moves `vm` to the least-loaded of `candidates()` that fits (`prefer` first), or says why not. */
  const tryMove = (vm: VmView, candidates: () => HostView[], rule: string, why: string, prefer?: string) => {
    const held = ledger.held(vm)
    if (held) {
      notes.push(`rule ${rule}: ${vm.name} not moved: ${held}`)
      return
    }
    const open = candidates()
    const to = open
      .filter((h) => ledger.fits(vm, h.name))
      .sort(
        (a, b) =>
          Number(b.name === prefer) - Number(a.name === prefer) ||
          ledger.load(a.name) - ledger.load(b.name) ||
          a.name.localeCompare(b.name),
      )[0]
    if (!to) {
      const first = open[0]
      notes.push(
        `rule ${rule}: ${vm.name} not moved: ${first ? (ledger.whyNot(vm, first.name) ?? 'no host fits') : 'no open host may take it'}`,
      )
      return
    }
    move(vm, to.name, `rule ${rule}: ${why}`)
  }
  const broke = broken(view.rules ?? [], new Map(view.vms.map((vm) => [vm.name, vm.host])), (h) => siteOf.get(h))
  for (const [i, b] of broke.entries()) {
    // Past the cap nothing more can move: the rest are counted in one note (stillBroken names each).
    if (ledger.capped) {
      notes.push(`${broke.length - i} broken rule(s) not mended: the pass's cap of ${options.maxMigrations} migration(s) is reached`)
      break
    }
    const rule = view.rules!.find((r) => r.name === b.rule)!
    // Each rule is judged on the cluster as the earlier mends leave it.
    const now = (name: string) => ledger.vmNamed(name)
    if (rule.kind === 'pin') {
      const vm = now(rule.vm)
      const home = vm && ledger.hostOf(vm)
      if (!vm || !home || !ledger.rules.pinned(vm.name, home, siteOf.get(home) ?? '')) continue
      tryMove(vm, () => ledger.destinations(vm), rule.name, b.text)
    } else if (rule.kind === 'anti-affinity') {
      // The later VMs of the rule leave a host they share with an earlier one.
      const seen = new Set<string>()
      for (const name of rule.vms) {
        const vm = now(name)
        const home = vm && ledger.hostOf(vm)
        if (!vm || !home) continue
        if (!seen.has(home)) {
          seen.add(home)
          continue
        }
        const site = siteOf.get(home)
        tryMove(
          vm,
          () => {
            const open = ledger.destinations(vm)
            const inSite = open.filter((h) => h.site === site)
            return inSite.some((h) => ledger.fits(vm, h.name)) ? inSite : open
          },
          rule.name,
          `${name} shares ${home} with another VM of the rule`,
        )
      }
    } else if (rule.kind === 'affinity') {
      // To the host most of them are on already (the first such in the rule's order), else wherever they all fit.
      const count = new Map<string, number>()
      for (const name of rule.vms) {
        const vm = now(name)
        const home = vm && ledger.hostOf(vm)
        if (home) count.set(home, (count.get(home) ?? 0) + 1)
      }
      const target = [...count].sort((a, b) => b[1] - a[1])[0]?.[0]
      const stray = rule.vms.map(now).find((vm) => vm && ledger.hostOf(vm) !== target)
      if (!stray || !target) continue
      tryMove(
        stray,
        () => view.hosts.filter((h) => h.name === target || ledger.allows(stray, h.name)),
        rule.name,
        `its VMs are apart (${b.text.replace(/^apart: /, '')})`,
        target,
      )
    }
  }
  if (actions.length === 0) return {actions, notes, view, migrations: 0}
  const movedTo = new Map(actions.flatMap((a) => (a.kind === 'migrate' ? [[a.vm, a.to] as const] : [])))
  const after: ClusterView = {
    ...view,
    vms: view.vms.map((vm) => {
      const to = movedTo.get(vm.name)
      return to ? {...vm, host: to, lastMigratedMs: view.nowMs} : vm
    }),
  }
  return {actions, notes, view: after, migrations: ledger.migrationsPlanned}
}
