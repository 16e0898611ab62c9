import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ViolinCommand, withoutConnect} from '../base-command.js'
import {UsageError} from '../errors.js'
import {formatFlags} from '../flags.js'
import {POLICY_NAMES} from '../policy/policies.js'
import type {SimulationResult, TimelineEvent} from '../sim/engine.js'
import {writeOutputFile} from '../files.js'
import {environmentResultsJson, timelineJson} from '../render/json-rows.js'
import {dataKeyed, rowsByName} from '../render/output.js'

/** The stable JSON contract of `simulate --json`. */
export interface SimulateJson {
  scenario: string
  policies: Record<
    string,
    {
      average_time_s: number | null
      overall_time_s: number | null
      migrations: number
      failed_environments: string[]
      environments: Record<string, {time_s: number | null; start_s: number | null; end_s: number | null; failed?: string}>
      timeline: TimelineEvent[]
    }
  >
}

const secs = (x: number | null | undefined) => (x === null || x === undefined ? 'failed' : `${Math.round(x)} s`)

export default class Simulate extends ViolinCommand {
  static override baseFlags = withoutConnect()
  static override summary = 'Run the adaptation policies against a simulated scenario: run times, migrations, a timeline.'
  static override description =
    `Reads a scenario (hosts, and environments whose VMs go through phases of CPU, memory and traffic; see examples/scenarios/; violin schema scenario prints its JSON Schema) and runs it in simulated time: fair-share CPU per host, memory that slows a swapping VM or crashes one with no swap, NIC saturation, migrations that take memory/bandwidth seconds and slow the VM meanwhile. Every interval the policy (the same code \`violin adapt\` runs) sees the cluster as the real loop would and its plan is carried out.

Reports per policy the run time of each environment, the average time (mean over the environments that completed) and the overall time (first start to last completion), as ICAC 2006 defines them, the migrations and the environments that failed. With one policy it also prints the timeline. --compare runs several policies on the same scenario. --plot writes a bar chart of the run times as SVG.`
  static override examples = [
    '<%= config.bin %> simulate examples/scenarios/icac-1.yaml --compare none,violin,idc,sandpiper',
    '<%= config.bin %> simulate examples/scenarios/icac-3-memory.yaml --policy violin',
    '<%= config.bin %> simulate examples/scenarios/thesis-network.yaml --compare idc,sandpiper --json',
    '<%= config.bin %> simulate examples/scenarios/icac-2.yaml --compare none,violin --plot icac-2.svg',
  ]
  static override args = {
    scenario: Args.string({description: 'The scenario file (YAML).', required: true}),
  }
  static override flags = {
    ...formatFlags,
    policy: Flags.option({options: POLICY_NAMES, summary: 'The policy to run.', exclusive: ['compare']})(),
    compare: Flags.string({summary: 'Run these policies, comma-separated (e.g. none,violin,idc,sandpiper).', helpValue: 'P,P...'}),
    plot: Flags.string({summary: 'Write a bar chart of the run times to this SVG file.', helpValue: 'FILE.svg'}),
  }

  async run(): Promise<SimulateJson> {
    const {args, flags} = await this.parse(Simulate)
    this.quiet = flags.quiet
    const policies = flags.compare
      ? flags.compare
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : [flags.policy ?? 'violin']
    if (policies.length === 0)
      throw new UsageError(
        `--compare "${flags.compare}" names no policy`,
        `violin simulate ${args.scenario} --compare ${POLICY_NAMES.join(',')}`,
      )
    for (const p of policies)
      if (!POLICY_NAMES.includes(p)) throw new UsageError(`unknown policy "${p}"`, `choose from ${POLICY_NAMES.join(', ')}`)
    if (new Set(policies).size !== policies.length) throw new UsageError('a policy is named twice in --compare')
    const {loadScenario} = await import('../sim/scenario.js')
    const {simulate} = await import('../sim/engine.js')
    const scenario = loadScenario(args.scenario)
    const results: SimulationResult[] = policies.map((p) => simulate(scenario, p))
    const payload: SimulateJson = {
      scenario: scenario.name,
      // Keyed by policy and environment names, printed as they are.
      policies: dataKeyed(
        Object.fromEntries(
          results.map((r) => [
            r.policy,
            {
              average_time_s: r.average_time_s,
              overall_time_s: r.overall_time_s,
              migrations: r.migrations,
              failed_environments: r.failed_environments,
              environments: environmentResultsJson(r.environments),
              timeline: timelineJson(r.timeline),
            },
          ]),
        ),
      ),
    }
    if (flags.plot) {
      const {plotSvg} = await import('../sim/run-times-plot.js')
      await writeOutputFile('--plot', flags.plot, plotSvg(results))
    }
    const base = results.find((r) => r.policy === 'none')
    const less = (x: number | null, b: number | null | undefined) => {
      if (x === null || !b || base === undefined) return ''
      const d = Math.round((1 - x / b) * 100)
      return d >= 0 ? ` (${d}% less)` : ` (${-d}% more)`
    }
    await this.render(
      flags.format,
      payload,
      results,
      [
        {header: 'Policy', get: (r) => r.policy},
        {
          header: 'Average',
          get: (r) => `${secs(r.average_time_s)}${r.policy === 'none' ? '' : less(r.average_time_s, base?.average_time_s)}`,
          align: 'right',
        },
        {
          header: 'Overall',
          get: (r) => `${secs(r.overall_time_s)}${r.policy === 'none' ? '' : less(r.overall_time_s, base?.overall_time_s)}`,
          align: 'right',
        },
        {header: 'Migrations', get: (r) => r.migrations, align: 'right'},
        {header: 'Failed', get: (r) => r.failed_environments.join(', ') || '-'},
      ],
      rowsByName('policy', 'policies'),
    )
    if (!this.jsonEnabled() && flags.format === 'table') {
      this.log('')
      const envs = Object.keys(results[0]!.environments)
      await this.render(flags.format, payload, envs, [
        {header: 'Environment', get: (e: string) => e},
        ...results.map((r) => ({
          header: r.policy,
          get: (e: string) => (r.environments[e]?.failed ? 'failed' : secs(r.environments[e]?.time_s)),
          align: 'right' as const,
        })),
      ])
      if (results.length === 1) {
        this.log('')
        for (const e of results[0]!.timeline) this.log(`${String(Math.round(e.t_s)).padStart(7)} s  ${e.kind.padEnd(8)} ${e.text}`)
      }
      if (flags.plot) this.note(`\nWrote ${flags.plot}`)
    }
    return payload
  }
}
