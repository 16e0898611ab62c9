/**
 * Placement rules an operator sets and every decision obeys (the adaptation policies,
 * vacate, env create's placement): the affinity, anti-affinity, pin and ignore rules of
 * the rebalancers operators already know (ProxLB, OpenStack's server groups). Pure.
 *
 * - pin: the VM may only run on one host, or in one site;
 * - exclude: the loop never moves or resizes the VM;
 * - anti-affinity: no two of the VMs on one host;
 * - affinity: the VMs kept on one host, moved together.
 */
export type Rule =
  | {kind: 'pin'; name: string; vm: string; host: string}
  | {kind: 'pin'; name: string; vm: string; site: string}
  | {kind: 'exclude'; name: string; vm: string}
  | {kind: 'anti-affinity'; name: string; vms: string[]}
  | {kind: 'affinity'; name: string; vms: string[]}

export type RuleKind = Rule['kind']
export const RULE_KINDS = ['pin', 'exclude', 'anti-affinity', 'affinity'] as const satisfies readonly RuleKind[]

/** A rule name: what `rule rm` takes. */
export const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

/** The VMs a rule names. */
export function vmsOfRule(rule: Rule): string[] {
  return rule.kind === 'pin' || rule.kind === 'exclude' ? [rule.vm] : rule.vms
}

/** "pin web1 to host east1", "anti-affinity db: db1, db2". */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'pin':
      return 'host' in rule ? `${rule.vm} only on host ${rule.host}` : `${rule.vm} only in site ${rule.site}`
    case 'exclude':
      return `${rule.vm} never moved or resized by the loop`
    case 'anti-affinity':
      return `${rule.vms.join(', ')} never on one host`
    case 'affinity':
      return `${rule.vms.join(', ')} kept on one host`
  }
}

/**
 * The rules indexed by VM, for the questions a plan asks of every candidate move. Built
 * once per plan; every query is O(rules of that VM).
 */
export class RuleBook {
  private readonly pins = new Map<string, Extract<Rule, {kind: 'pin'}>>()
  private readonly excluded = new Map<string, Rule>()
  private readonly apart = new Map<string, Array<Extract<Rule, {kind: 'anti-affinity'}>>>()
  private readonly together = new Map<string, Extract<Rule, {kind: 'affinity'}>>()

  constructor(readonly rules: readonly Rule[] = []) {
    for (const rule of rules) {
      switch (rule.kind) {
        case 'pin':
          this.pins.set(rule.vm, rule)
          break
        case 'exclude':
          this.excluded.set(rule.vm, rule)
          break
        case 'anti-affinity':
          for (const vm of rule.vms) this.apart.set(vm, [...(this.apart.get(vm) ?? []), rule])
          break
        case 'affinity':
          for (const vm of rule.vms) this.together.set(vm, rule)
          break
      }
    }
  }

  get empty(): boolean {
    return this.rules.length === 0
  }

  /** Why the loop may not touch this VM at all (move or resize), or undefined. */
  frozen(vm: string): string | undefined {
    const rule = this.excluded.get(vm)
    return rule && `rule ${rule.name} excludes ${vm} from the loop`
  }

  /** Why `vm` may not run on `host` of `site`, by its pin, or undefined. */
  pinned(vm: string, host: string, site: string): string | undefined {
    const pin = this.pins.get(vm)
    if (!pin) return undefined
    if ('host' in pin) return pin.host === host ? undefined : `rule ${pin.name} pins ${vm} to host ${pin.host}`
    return pin.site === site ? undefined : `rule ${pin.name} pins ${vm} to site ${pin.site}`
  }

  /** The anti-affinity rules naming `vm`, with the other VMs each keeps apart from it. */
  apartFrom(vm: string): Array<{rule: string; others: string[]}> {
    return (this.apart.get(vm) ?? []).map((r) => ({rule: r.name, others: r.vms.filter((v) => v !== vm)}))
  }

  /** The affinity rule naming `vm` (a VM is in one at most: see `contradictions`). */
  groupOf(vm: string): {rule: string; vms: string[]} | undefined {
    const rule = this.together.get(vm)
    return rule && {rule: rule.name, vms: rule.vms}
  }
}

/**
 * What no placement could satisfy: a VM in two affinity rules, two VMs both kept together
 * and apart, two pins for one VM, VMs kept together but pinned to different hosts or sites.
 * Each in words; empty when the rules agree.
 */
export function contradictions(rules: readonly Rule[]): string[] {
  const found: string[] = []
  const group = new Map<string, string>()
  const pin = new Map<string, Extract<Rule, {kind: 'pin'}>>()
  for (const rule of rules) {
    if (rule.kind === 'pin') {
      const other = pin.get(rule.vm)
      if (other) found.push(`rules ${other.name} and ${rule.name} both pin ${rule.vm}`)
      else pin.set(rule.vm, rule)
    }
    if (rule.kind !== 'affinity') continue
    for (const vm of rule.vms) {
      const other = group.get(vm)
      if (other) found.push(`${vm} is in two affinity rules, ${other} and ${rule.name}: join them into one`)
      else group.set(vm, rule.name)
    }
  }
  for (const rule of rules) {
    if (rule.kind === 'anti-affinity') {
      for (const [i, a] of rule.vms.entries()) {
        for (const b of rule.vms.slice(i + 1)) {
          const g = group.get(a)
          if (g && g === group.get(b)) found.push(`rule ${rule.name} keeps ${a} and ${b} apart, rule ${g} keeps them together`)
        }
      }
    }
    if (rule.kind === 'affinity') {
      const pins = rule.vms.flatMap((vm) => {
        const p = pin.get(vm)
        return p ? [p] : []
      })
      const places = new Set(pins.map((p) => ('host' in p ? `host ${p.host}` : `site ${p.site}`)))
      const hosts = new Set(pins.flatMap((p) => ('host' in p ? [p.host] : [])))
      if (hosts.size > 1 || (hosts.size === 0 && places.size > 1))
        found.push(`rule ${rule.name} keeps ${rule.vms.join(', ')} together, but ${pins.map((p) => p.name).join(' and ')} pin them apart`)
    }
  }
  return found
}

/**
 * The rules a placement breaks now (VMs placed before the rule, or moved by hand): each in
 * words, for a plan's notes and `rule list`. `placement` maps each running VM to its host.
 */
export function broken(
  rules: readonly Rule[],
  placement: ReadonlyMap<string, string>,
  siteOf: (host: string) => string | undefined,
): Array<{rule: string; text: string}> {
  const out: Array<{rule: string; text: string}> = []
  for (const rule of rules) {
    if (rule.kind === 'pin') {
      const at = placement.get(rule.vm)
      if (at === undefined) continue
      if ('host' in rule && at !== rule.host) out.push({rule: rule.name, text: `${rule.vm} runs on ${at}, not on ${rule.host}`})
      if ('site' in rule && siteOf(at) !== rule.site)
        out.push({rule: rule.name, text: `${rule.vm} runs on ${at} in site ${siteOf(at) ?? '?'}, not in ${rule.site}`})
    } else if (rule.kind === 'anti-affinity') {
      const byHost = new Map<string, string[]>()
      for (const vm of rule.vms) {
        const at = placement.get(vm)
        if (at !== undefined) byHost.set(at, [...(byHost.get(at) ?? []), vm])
      }
      for (const [host, vms] of byHost) if (vms.length > 1) out.push({rule: rule.name, text: `${vms.join(' and ')} share ${host}`})
    } else if (rule.kind === 'affinity') {
      const at = rule.vms.flatMap((vm) => {
        const h = placement.get(vm)
        return h === undefined ? [] : [`${vm} on ${h}`]
      })
      const hosts = new Set(rule.vms.map((vm) => placement.get(vm)).filter((h) => h !== undefined))
      if (hosts.size > 1) out.push({rule: rule.name, text: `apart: ${at.join(', ')}`})
    }
  }
  return out
}
