import {UsageError} from '../errors.js'
import {HOST_NAME} from '../inventory/host.js'
import {Inventory} from '../inventory/inventory.js'
import {RULE_NAME, type Rule, type RuleKind, vmsOfRule} from '../policy/rules.js'

/**
 * `violin rule add|list|rm`: placement rules kept in the inventory. Every mistake is
 * refused here, in one line, before the inventory is written; the inventory itself
 * refuses a name taken and rules that contradict each other (under its lock).
 */

/** A rule as --json prints it: `vms` always a list, `host` and `site` null unless a pin has one. */
export interface RuleJson {
  name: string
  kind: RuleKind
  vms: string[]
  host: string | null
  site: string | null
}

export function ruleJson(rule: Rule): RuleJson {
  return {
    name: rule.name,
    kind: rule.kind,
    vms: vmsOfRule(rule),
    host: 'host' in rule ? rule.host : null,
    site: 'site' in rule ? rule.site : null,
  }
}

/** Where a rule puts its VM, for the table: "host e1", "site east", or undefined. */
export function ruleWhere(rule: Rule): string | undefined {
  if (rule.kind !== 'pin') return undefined
  return 'host' in rule ? `host ${rule.host}` : `site ${rule.site}`
}

function checkRuleName(name: string, byDefault = false): void {
  if (!RULE_NAME.test(name))
    throw new UsageError(
      `${byDefault ? 'the default name ' : ''}${JSON.stringify(name)} is not a rule name`,
      `${byDefault ? 'give one with --name: ' : 'use '}letters, digits, dot, dash and underscore (at most 63, the first a letter or digit)`,
    )
}

/** VM names as environments' VMs are held: one word a table, a file name and a log line can carry. */
function checkVmNames(vms: readonly string[]): void {
  for (const vm of vms)
    if (!HOST_NAME.test(vm)) throw new UsageError(`${JSON.stringify(vm)} is not a VM name`, 'use letters, digits, dot, dash and underscore')
  const seen = new Set<string>()
  for (const vm of vms) {
    if (seen.has(vm)) throw new UsageError(`VM ${vm} is named twice`, 'name each VM once')
    seen.add(vm)
  }
}

/** The VMs the inventory knows: those host sync --write recorded, and every environment's. */
function knownVms(inventory: Inventory): Set<string> {
  return new Set([...Object.keys(inventory.vms()), ...inventory.environments().flatMap((e) => e.vms.map((v) => v.name))])
}

function checkVmsKnown(inventory: Inventory, vms: readonly string[], force: boolean): void {
  if (force) return
  const known = knownVms(inventory)
  const unknown = vms.filter((vm) => !known.has(vm))
  if (unknown.length > 0)
    throw new UsageError(
      `${unknown.length === 1 ? 'VM' : 'VMs'} ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the inventory`,
      "violin host sync --write to record the hosts' VMs, or --force for a VM not created yet",
    )
}

async function add(rules: Rule[], force: boolean): Promise<Rule[]> {
  for (const rule of rules) checkRuleName(rule.name)
  const inventory = await Inventory.open()
  checkVmsKnown(inventory, [...new Set(rules.flatMap(vmsOfRule))], force)
  await inventory.addRules(rules)
  return rules
}

export interface PinInput {
  vm: string
  host?: string
  site?: string
  name?: string
  force: boolean
}

/** `rule add pin VM --host H | --site S`: the VM only ever placed on that host, or in that site. */
export async function addPinRule(input: PinInput): Promise<Rule> {
  if ((input.host === undefined) === (input.site === undefined))
    throw new UsageError('give exactly one of --host HOST and --site SITE: where the VM may run')
  checkVmNames([input.vm])
  const name = input.name ?? `pin-${input.vm}`
  checkRuleName(name, input.name === undefined)
  const inventory = await Inventory.open()
  if (input.host !== undefined && !inventory.hosts().some((h) => h.name === input.host))
    throw new UsageError(`host ${JSON.stringify(input.host)} is not in the inventory`, 'violin host list')
  if (input.site !== undefined && !inventory.hosts().some((h) => h.site === input.site))
    throw new UsageError(`site ${JSON.stringify(input.site)} is the site of no host in the inventory`, 'violin host list')
  const rule: Rule =
    input.host !== undefined ? {kind: 'pin', name, vm: input.vm, host: input.host} : {kind: 'pin', name, vm: input.vm, site: input.site!}
  checkVmsKnown(inventory, [input.vm], input.force)
  await inventory.addRules([rule])
  return rule
}

/** `rule add exclude VM...`: one rule per VM, `exclude-VM` (or --name, for one VM). */
export async function addExcludeRules(input: {vms: string[]; name?: string; force: boolean}): Promise<Rule[]> {
  if (input.name !== undefined && input.vms.length > 1)
    throw new UsageError(
      `--name names one rule, and ${input.vms.length} VMs make ${input.vms.length} rules`,
      'leave --name out (each rule is exclude-VM), or give one VM',
    )
  checkVmNames(input.vms)
  for (const vm of input.vms) if (input.name === undefined) checkRuleName(`exclude-${vm}`, true)
  return add(
    input.vms.map((vm): Rule => ({kind: 'exclude', name: input.name ?? `exclude-${vm}`, vm})),
    input.force,
  )
}

/** `rule add affinity|anti-affinity NAME VM VM...`: two or more different VMs kept together, or apart. */
export async function addGroupRule(input: {
  kind: 'affinity' | 'anti-affinity'
  name: string
  vms: string[]
  force: boolean
}): Promise<Rule> {
  checkRuleName(input.name)
  checkVmNames(input.vms)
  if (input.vms.length < 2) throw new UsageError(`an ${input.kind} rule takes two VMs or more, not ${input.vms.length}`)
  const [rule] = await add([{kind: input.kind, name: input.name, vms: input.vms}], input.force)
  return rule!
}

export async function listRules(): Promise<Rule[]> {
  return (await Inventory.open()).rules()
}

/** `rule rm NAME...`: all or none; an unknown name is exit 4, naming it. */
export async function removeRules(names: string[]): Promise<Rule[]> {
  for (const name of names) checkRuleName(name)
  return (await Inventory.open()).removeRules(names)
}
