import {strict as assert} from 'node:assert'
import {EventEmitter} from 'node:events'

import {type EnvMove, moveEnvironment} from '../../src/services/env-migrate.js'
import {Session} from '../../src/services/session.js'
import {type SignalSource, stopOnSignals} from '../../src/services/signals.js'
import {planHostVacate, runVacate} from '../../src/services/vacate-hosts.js'
import {EXAMPLE} from '../helpers/cli.js'

describe('stopping on signals (src/services/signals.ts)', () => {
  it('the first SIGTERM asks to stop; a second one forces and exits at once with 130 or 143', () => {
    // An emitter of the test's own: emitting SIGTERM on the process would reach every other
    // listener in the runner (signal-exit's, loaded by ora, re-raises it and ends mocha).
    const source = new EventEmitter()
    const exits: number[] = []
    const said: string[] = []
    const stop = stopOnSignals({
      onFirst: (by) => said.push(by),
      onForce: (_by, code) => exits.push(code),
      source: source as unknown as SignalSource,
    })
    try {
      source.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual([stop.signal.aborted, stop.force.aborted, stop.by, said, exits], [true, false, 'SIGTERM', ['SIGTERM'], []])
      source.emit('SIGINT', 'SIGINT')
      assert.deepEqual([stop.force.aborted, exits], [true, [130]], 'a second signal of either kind forces, with its own code')
    } finally {
      stop.dispose()
    }
    assert.deepEqual([source.listenerCount('SIGTERM'), source.listenerCount('SIGINT')], [0, 0], 'disposed: nothing listens any more')
  })

  it('the same signal twice within 200 ms is one request (delivered twice), not a forced exit', () => {
    const source = new EventEmitter()
    const exits: number[] = []
    const said: string[] = []
    let t = 1000
    const stop = stopOnSignals({
      onFirst: (by) => said.push(by),
      onForce: (_by, code) => exits.push(code),
      source: source as unknown as SignalSource,
      now: () => t,
    })
    try {
      source.emit('SIGTERM', 'SIGTERM')
      t += 150
      source.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual(
        [stop.signal.aborted, stop.force.aborted, said, exits],
        [true, false, ['SIGTERM'], []],
        'the repeat is the same request: still stopping gracefully',
      )
      t += 100
      source.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual([stop.force.aborted, exits], [true, [143]], 'a SIGTERM sent later forces')
    } finally {
      stop.dispose()
    }
    const other = new EventEmitter()
    const forced: number[] = []
    const again = stopOnSignals({onForce: (_by, code) => forced.push(code), source: other as unknown as SignalSource, now: () => t})
    try {
      other.emit('SIGTERM', 'SIGTERM')
      other.emit('SIGINT', 'SIGINT')
      assert.deepEqual(forced, [130], 'another signal, however soon, is a second request')
    } finally {
      again.dispose()
    }
  })

  it('listens to the signals it is given only (a console detaches on SIGTERM; SIGINT stays the default)', () => {
    const source = new EventEmitter()
    const stop = stopOnSignals({signals: ['SIGTERM'], onForce: () => undefined, source: source as unknown as SignalSource})
    try {
      assert.deepEqual([source.listenerCount('SIGTERM'), source.listenerCount('SIGINT')], [1, 0])
      source.emit('SIGTERM', 'SIGTERM')
      assert.equal(stop.signal.aborted, true)
    } finally {
      stop.dispose()
    }
  })

  it('vacate: once stopped, the move in flight finishes and no new one begins', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const plan = await planHostVacate(session, ['east1'], 1000)
      assert.ok(plan.moves.length >= 2, JSON.stringify(plan.moves))
      const stop = new AbortController()
      const outcomes = await runVacate(session, plan, 1, () => stop.abort(), stop.signal)
      assert.deepEqual(
        outcomes.map((o) => [o.ok, o.notStarted ?? false]),
        plan.moves.map((_, i) => (i === 0 ? [true, false] : [false, true])),
      )
    } finally {
      await session.close()
    }
  })

  it('env migrate: once stopped, the move in flight finishes and no new one begins', async () => {
    const session = await Session.open({connect: `sim:${EXAMPLE}`})
    try {
      const moves: EnvMove[] = [
        {vm: 'web-1', from: 'east1', to: 'west1'},
        {vm: 'web-2', from: 'east1', to: 'west2'},
        {vm: 'web-3', from: 'east1', to: 'west1'},
      ]
      const stop = new AbortController()
      await moveEnvironment(session, moves, {
        maxParallel: 1,
        live: true,
        copyStorage: false,
        signal: stop.signal,
        onChange: (all) => all.some((m) => m.result) && stop.abort(),
      })
      assert.deepEqual(
        moves.map((m) => [m.vm, Boolean(m.result), m.notStarted ?? false]),
        [
          ['web-1', true, false],
          ['web-2', false, true],
          ['web-3', false, true],
        ],
      )
    } finally {
      await session.close()
    }
  })
})
