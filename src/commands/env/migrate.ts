import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {EnvCommand} from '../../env-command.js'
import {formatMiB} from '../../units.js'
import {type EnvMove, moveEnvironment, planEnvironmentMove} from '../../services/env-migrate.js'
import {SIGNAL_EXIT_CODE} from '../../services/signals.js'
import {MAX_COUNT} from '../../flags.js'

export default class EnvMigrate extends EnvCommand {
  static override summary = 'Move the compute nodes of an environment to another site; the head node stays home.'
  static override description =
    "Compute nodes are spread over the site's hosts that have room, and moved live, at most --max-parallel at once. Each move is checked on its own (files reachable at the destination, room): one that fails is reported and its VM keeps running where it was; the others go on. Exit 0 when all moved, 7 when some did, 1 when none did. On SIGINT or SIGTERM the moves in flight finish and no new one begins: exit 130 or 143 when some were not started (a second signal exits at once). Every move is recorded in the migration history."
  static override examples = [
    '<%= config.bin %> env migrate lab --site west',
    '<%= config.bin %> env migrate lab --site west --max-parallel 4 --dry-run',
  ]
  static override args = {name: Args.string({description: 'environment name', required: true})}
  static override flags = {
    site: Flags.string({summary: 'The site to move the compute nodes to.', required: true, helpValue: 'SITE'}),
    'max-parallel': Flags.integer({summary: 'Migrations at once.', default: 2, min: 1, max: MAX_COUNT, helpValue: 'N'}),
    offline: Flags.boolean({summary: 'Pause the VMs while they move (not live).'}),
    'copy-storage-all': Flags.boolean({summary: 'Copy private writable disks along (sites share no storage).'}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Show the moves; change nothing.'}),
  }

  async run() {
    const {args, flags} = await this.parse(EnvMigrate)
    this.quiet = flags.quiet
    const session = await this.openSession(flags)
    const env = session.inventory!.environment(args.name)
    const moves = await planEnvironmentMove(session, env, flags.site)
    if (moves.length === 0) {
      this.note(`Every compute node of ${env.name} is already in site ${flags.site}.`)
      return {name: env.name, site: flags.site, dry_run: flags['dry-run'], moves: []}
    }
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) for (const m of moves) this.log(`would move ${m.vm} from ${m.from} to ${m.to}`)
      return {name: env.name, site: flags.site, dry_run: true, moves: moves.map(toJson)}
    }
    const stop = this.stopOnSignals('the moves in flight')
    const progress = await this.progress(`Moving ${moves.length} VMs of ${env.name} to ${flags.site}...`)
    await moveEnvironment(session, moves, {
      signal: stop.signal,
      maxParallel: flags['max-parallel'],
      live: !flags.offline,
      copyStorage: flags['copy-storage-all'],
      onChange: (all) => progress.update(summary(env.name, flags.site, all)),
      timedFor: this.id,
    }).finally(() => progress.stop())
    for (const m of moves) if (m.result) this.note(`Moved ${m.vm} from ${m.from} to ${m.to}: ${measured(m)}.`)
    this.exitForVms(moves.map((m) => ({vm: m.vm, host: m.from, error: m.error})))
    const notStarted = moves.filter((m) => m.notStarted)
    if (stop.by && notStarted.length > 0) {
      if (!this.jsonEnabled())
        this.logToStderr(`stopped by ${stop.by}: not moved: ${notStarted.map((m) => m.vm).join(', ')} (they run where they were)`)
      process.exitCode = SIGNAL_EXIT_CODE[stop.by]
    }
    return {name: env.name, site: flags.site, dry_run: false, moves: moves.map(toJson)}
  }
}

function summary(env: string, site: string, moves: readonly EnvMove[]): string {
  const done = moves.filter((m) => m.result).length
  const failed = moves.filter((m) => m.error).length
  const running = moves.filter((m) => m.plan && !m.result && !m.error).map((m) => m.vm)
  return `Moving ${env} to ${site}: ${done}/${moves.length} moved${failed ? `, ${failed} failed` : ''}${running.length ? `; now: ${running.join(', ')}` : ''}`
}

function measured(m: EnvMove): string {
  const r = m.result!
  return [
    `${(r.wallMs / 1000).toFixed(1)} s wall`,
    r.downtimeMs !== undefined && `${r.downtimeMs} ms downtime`,
    r.dataBytes !== undefined && `${formatMiB(r.dataBytes / 1024 ** 2)} sent`,
  ]
    .filter(Boolean)
    .join(', ')
}

function toJson(m: EnvMove) {
  return {
    vm: m.vm,
    from: m.from,
    to: m.to,
    ok: m.error ? false : m.result ? true : null,
    not_started: Boolean(m.notStarted),
    wall_ms: m.result ? Math.round(m.result.wallMs) : null,
    total_ms: m.result?.totalMs ?? null,
    downtime_ms: m.result?.downtimeMs ?? null,
    sent_bytes: m.result?.dataBytes ?? null,
    error: m.error?.message ?? null,
  }
}
