import {ViolinCommand, withoutConnect} from './base-command.js'
import {ExitCode} from './errors.js'
import {envVmJson, renderPlan} from './render/environment-table.js'
import {type CreatedEnvironment, createEnvironment} from './services/env-create.js'
import type {VmOutcome} from './services/env-lifecycle.js'
import {planEnvironment} from './services/env-plan.js'
import type {EnvironmentRequest} from './services/env-request.js'
import type {Session} from './services/session.js'

/** What the environment commands share: reporting per-VM outcomes and their exit status. */
export abstract class EnvCommand extends ViolinCommand {
  /** Environments live in the inventory: a --connect target has none. */
  static override baseFlags = withoutConnect()

  /** Reports VMs that failed on stderr and sets 7 (partial) or 1 (all failed). */
  protected exitForVms(outcomes: readonly VmOutcome[]): void {
    const failed = outcomes.filter((o) => o.error)
    for (const f of failed) if (!this.jsonEnabled()) this.logToStderr(`warning: ${f.vm} on ${f.host}: ${f.error!.message}`)
    if (failed.length > 0) process.exitCode = failed.length < outcomes.length ? ExitCode.partial : ExitCode.failure
  }

  /** env create and env define: place, then (unless a dry run) define and start, and report. */
  protected async create(session: Session, request: EnvironmentRequest, options: {dryRun: boolean; start: boolean}) {
    const placing = await this.progress(`Placing ${request.name}...`)
    const plan = await planEnvironment(session, request).finally(() => placing.stop())
    for (const u of plan.unreachable) this.warnHost(u.host, u.error)
    if (options.dryRun) {
      if (!this.jsonEnabled()) this.log(await renderPlan(plan.environment.vms))
      return {dryRun: true, name: plan.environment.name, head_site: plan.environment.headSite, vms: plan.environment.vms.map(envVmJson)}
    }
    const creating = await this.progress(`Creating ${request.name} (${request.vms.length} VMs)...`)
    const created = await createEnvironment(session, plan, {start: options.start}).finally(() => creating.stop())
    return this.reportCreated(created)
  }

  private async reportCreated(created: CreatedEnvironment) {
    const env = created.environment
    if (!this.quiet && !this.jsonEnabled()) this.log(await renderPlan(env.vms))
    const hosts = [...new Set(env.vms.map((v) => v.host))]
    this.note(`Created environment ${env.name}: ${env.vms.length} VMs on ${hosts.join(', ')}; ${created.started.length} started.`)
    this.exitForVms([...created.started.map((vm) => ({vm, host: env.vms.find((v) => v.name === vm)!.host})), ...created.failed])
    return {
      name: env.name,
      head_site: env.headSite,
      vms: env.vms.map(envVmJson),
      started: created.started,
      failed: created.failed.map((f) => ({vm: f.vm, host: f.host, error: f.error.message})),
    }
  }
}
