import {ViolinCommand} from './base-command.js'
import {ExitCode} from './errors.js'
import {envVmColumns, envVmJson} from './render/environment.js'
import {renderTable} from './render/table.js'
import type {CreatedEnvironment, VmOutcome} from './services/environments.js'

/** What the environment commands share: reporting per-VM outcomes and their exit status. */
export abstract class EnvCommand extends ViolinCommand {
  /** Reports VMs that failed on stderr and sets 7 (partial) or 1 (all failed). */
  protected exitForVms(outcomes: readonly VmOutcome[]): void {
    const failed = outcomes.filter((o) => o.error)
    for (const f of failed) if (!this.jsonEnabled()) this.logToStderr(`warning: ${f.vm} on ${f.host}: ${f.error!.message}`)
    if (failed.length > 0) process.exitCode = failed.length < outcomes.length ? ExitCode.partial : ExitCode.failure
  }

  protected async reportCreated(created: CreatedEnvironment) {
    const env = created.environment
    if (!this.quiet && !this.jsonEnabled()) this.log(await renderTable(env.vms, envVmColumns.filter((c) => c.header !== 'State' && c.header !== 'Site')))
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
