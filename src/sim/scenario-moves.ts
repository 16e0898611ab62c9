import type {World, WorldVm} from './world.js'

/**
 * Live migrations in a running scenario, as `violin adapt --connect sim:SCENARIO` carries
 * them out: the world's clock runs while they copy, and it runs only when every move under
 * way is copying. A move is under way from when its caller holds a slot (`hold`) until it
 * lets go, which it does after writing its measurements; while one is planning or writing,
 * simulated time stands still. So the 5th move of an environment moved 4 at a time starts
 * when the 1st ends in simulated time, however long the disk took in between, and a run
 * gives the same result every time.
 */
export class ScenarioMoves {
  private holds = 0
  private copying: Array<{vm: WorldVm; done: () => void}> = []
  private scheduled = false

  constructor(private readonly world: World) {}

  /** A move is under way: time waits for it until the returned function is called (once). */
  hold(): () => void {
    this.holds++
    let held = true
    return () => {
      if (!held) return
      held = false
      this.holds--
      this.schedule()
    }
  }

  /** Resolves when `vm`'s migration (already started in the world) has ended. */
  copy(vm: WorldVm): Promise<void> {
    return new Promise((done) => {
      this.copying.push({vm, done})
      this.schedule()
    })
  }

  private ended(vm: WorldVm): boolean {
    return !vm.migration || this.world.over || !this.world.vms.has(vm.spec.name)
  }

  /** After the current turn of the event loop: what a move does next without I/O happens first. */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.run()
    })
  }

  private run(): void {
    if (this.copying.length === 0 || this.copying.length < this.holds) return
    while (!this.copying.some(({vm}) => this.ended(vm))) this.world.tick()
    const ended = this.copying.filter(({vm}) => this.ended(vm))
    this.copying = this.copying.filter((c) => !ended.includes(c))
    for (const c of ended) c.done()
    this.schedule()
  }
}

const MOVES = new WeakMap<World, ScenarioMoves>()

/** The one coordinator of a world's moves, shared by its hosts' drivers and the session. */
export function movesOf(world: World): ScenarioMoves {
  let moves = MOVES.get(world)
  if (!moves) {
    moves = new ScenarioMoves(world)
    MOVES.set(world, moves)
  }
  return moves
}
