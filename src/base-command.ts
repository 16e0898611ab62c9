import {Command, Errors, Flags} from '@oclif/core'

import {ExitCode, ViolinError} from './errors.js'
import {recordCommandTail} from './monitor/command-timing.js'
import {type Progress, startProgress} from './render/progress.js'
import {type Column, type Format, renderCsv, renderTable} from './render/table.js'
import type {HostOutcome} from './services/fanout.js'
import {Session} from './services/session.js'
import {type StopRequest, stopOnSignals} from './services/signals.js'

/**
 * The one base of every violin command: global flags, the session (inventory or
 * --connect), rendering, and the mapping of every error to a documented exit status.
 */
export abstract class ViolinCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    connect: Flags.string({
      char: 'c',
      summary: 'Act on this target instead of the inventory: sim:FILE or a libvirt URI.',
      helpValue: 'TARGET',
      env: 'VIOLIN_CONNECT',
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({char: 'q', summary: 'Print only results and errors (for cron).', helpGroup: 'GLOBAL'}),
    'accept-new-host-key': Flags.boolean({
      summary: "Record an SSH host key not yet in known_hosts (OpenSSH's accept-new); a changed key is always refused.",
      helpGroup: 'GLOBAL',
    }),
  }

  protected quiet = false
  private session?: Session

  protected async openSession(flags: {connect?: string; 'accept-new-host-key'?: boolean}): Promise<Session> {
    this.session = await Session.open({connect: flags.connect, acceptNewHostKey: flags['accept-new-host-key']})
    return this.session
  }

  protected progress(text: string): Promise<Progress> {
    return startProgress(text, !this.quiet && !this.jsonEnabled())
  }

  /**
   * A long-running command's stop: the first SIGINT/SIGTERM aborts the returned signal and
   * says on stderr what still finishes; a second one exits at once (130/143).
   */
  protected stopOnSignals(inFlight: string, print: (write: () => void) => void = (write) => write()): StopRequest {
    const stop = stopOnSignals((by) => {
      if (!this.jsonEnabled()) print(() => this.logToStderr(`${by}: stopping after ${inFlight} (again to force)`))
    })
    this.stops.push(stop)
    return stop
  }

  private readonly stops: StopRequest[] = []

  /** Prints what a change did, on stdout; silent under --quiet and --json. */
  protected note(text: string): void {
    if (!this.quiet && !this.jsonEnabled()) this.log(text)
  }

  /** Reports one host's failure on stderr while the others' results still print. */
  protected warnHost(host: string, error: Error): void {
    if (!this.jsonEnabled()) this.logToStderr(`warning: ${host}: ${error.message}`)
  }

  /**
   * Sets the exit status of a command that asked several hosts: 7 (partial) when some
   * failed, or the failure's own status (5 unreachable, 6 refused...) when all did.
   */
  protected exitForHosts(asked: number, failures: {exitCode?: number}[]): void {
    if (failures.length === 0) return
    const first = failures[0]!.exitCode ?? ExitCode.failure
    process.exitCode = failures.length < asked ? ExitCode.partial : failures.every((f) => f.exitCode === first) ? first : ExitCode.partial
  }

  /** exitForHosts for the outcomes of a fan-out: every host asked, the failed ones counted. */
  protected exitForOutcomes(outcomes: readonly HostOutcome<unknown>[]): void {
    this.exitForHosts(outcomes.length, outcomes.flatMap((o) => (o.ok ? [] : [o.error as {exitCode?: number}])))
  }

  /** Renders rows as --format asks; under --json oclif prints the returned payload instead. */
  protected async render<R>(format: Format | undefined, payload: unknown, rows: R[], columns: Column<R>[]): Promise<void> {
    if (this.jsonEnabled()) return
    if (format === 'json') this.log(JSON.stringify(payload, null, 2))
    else if (format === 'csv') this.log(renderCsv(rows, columns))
    else if (rows.length > 0) this.log(await renderTable(rows, columns))
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.session?.close()
    // A timing for predictions: failing to note it must not fail a command whose work is done.
    if (this.session) await recordCommandTail(this.id ?? 'violin', performance.now(), this.session.stateDir).catch(() => undefined)
    for (const stop of this.stops) stop.dispose()
    return super.finally(error)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    const violin = error instanceof ViolinError
    const parseError = !violin && error.oclif?.exit === 2
    const code = violin ? error.exitCode : parseError ? ExitCode.usage : ExitCode.failure
    process.exitCode = code
    if (this.jsonEnabled()) {
      this.logJson({error: {type: error.name, message: error.message, hint: violin ? error.hint : undefined, exitCode: code}})
    } else {
      this.logToStderr(`error: ${error.message}`)
      if (violin && error.hint) this.logToStderr(`Try: ${error.hint}`)
      if (!violin && !parseError && process.env.VIOLIN_DEBUG) this.logToStderr(error.stack ?? '')
    }
    throw new Errors.ExitError(code)
  }
}

