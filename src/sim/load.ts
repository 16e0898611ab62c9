import {SimCluster} from './cluster.js'
import {readSimFile} from './read.js'
import {parseScenario} from './scenario.js'
import {World} from './world.js'

/**
 * What `--connect sim:FILE` names: a cluster file (hosts and VMs that stay as they are,
 * examples/two-sites.yaml) or a scenario (environments that start, run their phases and
 * end, examples/scenarios/), told apart by its `environments:` list.
 */
export type SimTarget = {kind: 'cluster'; cluster: SimCluster} | {kind: 'scenario'; world: World}

export function loadSimTarget(file: string): SimTarget {
  const text = readSimFile(file)
  if (/^environments\s*:/m.test(text)) return {kind: 'scenario', world: new World(parseScenario(file, text))}
  return {kind: 'cluster', cluster: SimCluster.parse(file, text)}
}

/** The target's clock, seconds since the epoch. */
export function simTimeSec(target: SimTarget): number {
  return target.kind === 'cluster' ? target.cluster.timeSec : target.world.nowMs() / 1000
}

export function advanceSim(target: SimTarget, seconds: number): void {
  if (target.kind === 'cluster') target.cluster.advance(seconds)
  else target.world.advance(seconds)
}

export function simHosts(target: SimTarget): Array<{name: string; site: string}> {
  return target.kind === 'cluster' ? target.cluster.hosts : target.world.scenario.hosts
}
