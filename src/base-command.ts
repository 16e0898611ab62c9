import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'

import {ExitCode, UsageError, ViolinError} from './errors.js'
import {recordCommandTail} from './monitor/command-timing.js'
import {type CsvRows, defaultCsvRows, jsonLine, renderCsvRows, renderYaml, toJsonValue} from './render/output.js'
import {type Progress, startProgress} from './render/progress.js'
import {type Column, type Format, renderTable} from './render/table.js'
import type {HostOutcome} from './services/fanout.js'
import {Session} from './services/session.js'
import {type StopRequest, stopOnSignals} from './services/signals.js'
import {closeStore} from './store/open.js'

const globalFlags = {
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

type GlobalFlags = typeof globalFlags

/**
 * The one base of every violin command: global flags, the session (inventory or
 * --connect), rendering, and the mapping of every error to a documented exit status.
 */
export abstract class ViolinCommand extends Command {
  static override enableJsonFlag = true

  /** --connect is optional: a command where it means nothing leaves it out (withoutConnect). */
  static override baseFlags: Omit<GlobalFlags, 'connect'> & Partial<Pick<GlobalFlags, 'connect'>> = globalFlags

  protected quiet = false
  /** --no-header: tables and CSV without their header row. */
  protected noHeader = false
  private session?: Session

  /** Flags that contradict each other are a usage error, not a silent choice of one. */
  // biome-ignore lint/suspicious/noExplicitAny: the signature of oclif's Command.parse, which this overrides
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    this.noHeader = (parsed.flags as {'no-header'?: boolean})['no-header'] === true
    const format = (parsed.flags as {format?: unknown}).format
    if (this.jsonEnabled() && typeof format === 'string' && format !== 'json' && !parsed.metadata.flags.format?.setFromDefault) {
      throw new UsageError(
        `--json and --format ${format} ask for two different outputs`,
        `keep one: --json (the same as --format json), or --format ${format}`,
      )
    }
    return parsed
  }

  /**
   * --format json is --json: the payload printed once by oclif, errors as the
   * {"error": {...}} envelope, no progress and no notes.
   */
  override jsonEnabled(): boolean {
    return super.jsonEnabled() || formatJsonIn(this.argv)
  }

  protected async openSession(flags: {connect?: string; 'accept-new-host-key'?: boolean}): Promise<Session> {
    this.session = await Session.open({connect: flags.connect, acceptNewHostKey: flags['accept-new-host-key']})
    return this.session
  }

  protected progress(text: string): Promise<Progress> {
    return startProgress(text, !this.quiet && !this.jsonEnabled())
  }

  /**
   * A long-running command's stop: the first SIGINT/SIGTERM aborts the returned signal and
   * says on stderr what still finishes; a second one aborts its force signal and exits at once (130/143).
   */
  protected stopOnSignals(inFlight: string, print: (write: () => void) => void = (write) => write()): StopRequest {
    const stop = stopOnSignals({
      onFirst: (by) => {
        if (!this.jsonEnabled()) print(() => this.logToStderr(`${by}: stopping after ${inFlight} (again to force)`))
      },
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
    // Most errors already begin with `host "NAME"`: the name is said once.
    if (!this.jsonEnabled()) this.logToStderr(`warning: ${error.message.startsWith(`host "${host}"`) ? '' : `${host}: `}${error.message}`)
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
    this.exitForHosts(
      outcomes.length,
      outcomes.flatMap((o) => (o.ok ? [] : [o.error as {exitCode?: number}])),
    )
  }

  /**
   * Prints a result as --format asks: a table of `rows` for people; for programs the
   * payload itself (render/output.ts): yaml, or csv whose rows are those `csv` picks from
   * the payload as --json prints it (the scalar fields, the JSON keys as header). Under
   * --json (or --format json) oclif prints the returned payload instead.
   */
  protected async render<R>(
    format: Format | undefined,
    payload: unknown,
    rows: R[],
    columns: Column<R>[],
    csv: CsvRows = defaultCsvRows,
  ): Promise<void> {
    if (this.jsonEnabled()) return
    if (format === 'yaml') this.log(await renderYaml(payload))
    else if (format === 'csv') {
      const text = renderCsvRows(csv(toJsonValue(payload)), {header: !this.noHeader})
      if (text) this.log(text)
    } else if (rows.length > 0) this.log(await renderTable(rows, columns, {header: !this.noHeader}))
  }

  /**
   * A payload as scripts read it (render/output.ts: snake_case keys, null for unknown,
   * ISO times), as plain JSON.stringify: oclif's colorizeJson tokenizes the text with
   * regular expressions, about 2 s for the 20 MB of `usage --json` over 10,000 hosts.
   * Colours only on a terminal, where a person reads a page of it.
   */
  override logJson(json: unknown): void {
    const value = toJsonValue(json)
    if (process.stdout.isTTY) return super.logJson(value)
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** One reading of a streaming command (usage --watch) under --json: one JSON Lines record. */
  protected logJsonLine(json: unknown): void {
    process.stdout.write(`${jsonLine(json)}\n`)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await this.session?.close()
    // A timing for predictions: failing to note it must not fail a command whose work is done.
    if (this.session)
      await recordCommandTail(
        this.id ?? 'violin',
        this.session.lastTimedMigrationEndMs,
        performance.now(),
        await this.session.store(),
      ).catch(() => undefined)
    for (const stop of this.stops) stop.dispose()
    await closeStore()
    return super.finally(error)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    const refused = refusedConnect(error, this.id)
    if (refused) error = refused
    const violin = error instanceof ViolinError
    const parseError = !violin && error.oclif?.exit === 2
    const code = violin ? error.exitCode : parseError ? ExitCode.usage : ExitCode.failure
    process.exitCode = code
    // oclif rewrites the message of an error thrown by a flag's own parse (ours included).
    const flagParse = /^Parsing --\S+ \n/.test(error.message)
    const message = parseError || flagParse ? parseMessage(error.message) : error.message
    const help = `${this.config.bin} ${(this.id ?? '').replaceAll(':', ' ')} --help`
    const hint = (error instanceof ViolinError ? error.hint : undefined) ?? (parseError || flagParse ? help : undefined)
    if (this.jsonEnabled()) {
      this.logJson({error: {type: parseError ? 'UsageError' : error.name, message, hint: hint ?? null, exit_code: code}})
    } else {
      this.logToStderr(`error: ${oneLine(message)}`)
      if (hint) this.logToStderr(`Try: ${oneLine(hint)}`)
      if (!violin && !parseError && process.env.VIOLIN_DEBUG) this.logToStderr(error.stack ?? '')
    }
    throw new Errors.ExitError(code)
  }
}

/**
 * oclif's parse errors in one line, naming the flag: "Parsing --vms \n\tExpected an integer
 * greater than or equal to 1 but received: 0\nSee more help with --help" becomes
 * "--vms: expected an integer greater than or equal to 1 but received: 0".
 */
export function parseMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^See more help with --help$/.test(l))
    .map((l) => l.replace(/^The following errors? occurred:\s*/, ''))
    .filter(Boolean)
  const parsing = /^Parsing (--\S+)$/.exec(lines[0] ?? '')
  if (parsing && lines.length > 1) {
    const detail = lines.slice(1).join(' ')
    return detail.startsWith(parsing[1]!) ? detail : `${parsing[1]}: ${detail[0]!.toLowerCase()}${detail.slice(1)}`
  }
  return lines.join('; ')
}

/** --format json or --format=json before any `--`: the same as --json. */
export function formatJsonIn(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const args = end === -1 ? argv : argv.slice(0, end)
  return args.some((a, i) => a === '--format=json' || (a === '--format' && args[i + 1] === 'json'))
}

/** One line whatever a message carries: a name with a newline or a tab is shown escaped, not broken over lines. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return text.replaceAll(/[\u0000-\u001F\u007F]/g, (c) => JSON.stringify(c).slice(1, -1))
}

/**
 * The global flags of a command that never acts on a --connect target (it works on the
 * inventory, a local daemon or files): VIOLIN_CONNECT in the environment does not reach
 * it, and an explicit --connect is refused with exit 2 (refusedConnect).
 */
export function withoutConnect(): Omit<GlobalFlags, 'connect'> {
  const {connect: _, ...rest} = globalFlags
  return rest
}

/** oclif's "Nonexistent flag: --connect" on a command without it, said as what it means. */
function refusedConnect(error: Error & {flags?: unknown}, id: string | undefined): UsageError | undefined {
  if (!Array.isArray(error.flags) || !error.flags.some((f) => typeof f === 'string' && /^(--connect(=|$)|-c)/.test(f))) return undefined
  const command = `violin ${(id ?? '').replaceAll(':', ' ')}`
  return new UsageError(
    `--connect means nothing to "${command}": it never acts on a --connect target`,
    `drop --connect (VIOLIN_HOME selects another inventory); see ${command} --help`,
  )
}
