import {strict as assert} from 'node:assert'

import {calibrate} from '../../src/predict/calibration.js'
import {withPredictions} from '../../src/predict/plan.js'
import {predictMigration} from '../../src/predict/predict.js'
import type {Action, VmView} from '../../src/policy/cluster-view.js'

const vm = (name: string, memoryMiB: number): VmView => ({
  name,
  host: 'h1',
  vcpus: 1,
  memoryMiB,
  maxMemoryMiB: memoryMiB,
  cpuShares: 1024,
  cpu: 1,
  cpuDemand: 1,
})

describe("an adaptation plan's predicted move times (src/predict/plan.ts)", () => {
  const vms = [vm('a', 1024), vm('b', 1024), vm('c', 1024), vm('d', 1024), vm('e', 1024)]
  const cal = calibrate([{mode: 'live', memory_mib: 1024, sent_mib: 100, concurrent: 1, total_ms: 1600, wall_ms: 4000}], 'test')

  it('gives a single move the time of one migration, and leaves other actions alone', () => {
    const actions: Action[] = [
      {kind: 'migrate', vm: 'a', from: 'h1', to: 'h2', reason: 'r'},
      {kind: 'set-shares', vm: 'b', host: 'h1', from: 1024, to: 2048, reason: 'r'},
    ]
    const [move, shares] = withPredictions(actions, vms, cal)
    assert.equal((move as {predictedMs?: number}).predictedMs, predictMigration(cal, {mode: 'live', memoryMiB: 1024}).wall_ms)
    assert.deepEqual(shares, actions[1])
  })

  it("gives an environment's move the time of its moves run 4 at once: more than one, less than all in a row", () => {
    const env: Action = {
      kind: 'migrate-environment',
      environment: 'E',
      fromSite: 'A',
      toSite: 'B',
      moves: ['a', 'b', 'c', 'd', 'e'].map((v) => ({vm: v, from: 'h1', to: 'h2'})),
      reason: 'r',
    }
    const one = predictMigration(cal, {mode: 'live', memoryMiB: 1024}).wall_ms
    const ms = (withPredictions([env], vms, cal)[0] as {predictedMs: number}).predictedMs
    assert.ok(ms > one && ms < 5 * one, `${ms} ms for 5 VMs, ${one} ms for one`)
  })

  it('leaves a move of a VM it cannot see unestimated', () => {
    const [move] = withPredictions([{kind: 'migrate', vm: 'ghost', from: 'h1', to: 'h2', reason: 'r'}], vms, undefined)
    assert.equal((move as {predictedMs?: number}).predictedMs, undefined)
  })
})
