/**
 * Runs at most `max` tasks at once and queues the rest, in lanes: when a slot frees up, the
 * first lane with a waiting task gets it, in arrival order within the lane. Each lane's queue is
 * bounded; a task arriving at a full lane is refused at once (`QueueFullError`) instead of
 * waiting behind work that will take longer than any client waits, and one that waited
 * `maxWaitMs` without a slot is refused then.
 *
 * Password hashing uses it: each argon2 operation takes a core for ~40 ms and holds 19 MiB, so
 * a login storm filling the whole libuv pool would starve the event loop; and logins go in a
 * lane ahead of sign-ups, so a sign-up flood cannot stall the players already signed up.
 */
export interface ConcurrencyLimit<Lane extends string> {
  run<T>(task: () => Promise<T>, lane: Lane): Promise<T>
  readonly active: number
  waiting(lane?: Lane): number
}

export class QueueFullError extends Error {
  override name = 'QueueFullError'
  constructor(
    readonly lane: string,
    /** true: it waited in line `maxWaitMs` without getting a slot; false: the line was full. */
    readonly waitedTooLong = false
  ) {
    super(waitedTooLong ? `waited too long in the ${lane} queue` : `the ${lane} queue is full`)
  }
}

export interface ConcurrencyLimitOptions {
  /**
   * A queued task that has not started after this long is refused (`QueueFullError` with
   * `waitedTooLong`) rather than left waiting: behind a steady stream from a lane ahead of it,
   * it might never start, and its client (or the gateway, at its upstream timeout) gives up
   * first — with a 504 instead of a 503 saying when to come back. 0 or absent: no bound.
   */
  maxWaitMs?: number
}

/** `lanes`: each lane's queue bound, in priority order (first = served first). */
export function createConcurrencyLimit<Lane extends string>(
  max: number,
  lanes: Readonly<Record<Lane, number>>,
  { maxWaitMs = 0 }: ConcurrencyLimitOptions = {}
): ConcurrencyLimit<Lane> {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`)
  const order = Object.keys(lanes) as Lane[]
  const queues = new Map<Lane, Array<() => void>>(order.map((lane) => [lane, []]))
  let active = 0

  const release = () => {
    for (const lane of order) {
      const next = queues.get(lane)!.shift()
      if (next) return next()
    }
    active -= 1
  }

  /** Waits for a slot handed over by `release`, or gives up after `maxWaitMs`. */
  const turnIn = (queue: Array<() => void>, lane: Lane) =>
    new Promise<void>((resolveTurn, refuse) => {
      if (maxWaitMs <= 0) return void queue.push(resolveTurn)
      const timer = setTimeout(() => {
        const at = queue.indexOf(takeTurn)
        if (at !== -1) queue.splice(at, 1)
        refuse(new QueueFullError(lane, true))
      }, maxWaitMs)
      const takeTurn = () => {
        clearTimeout(timer)
        resolveTurn()
      }
      queue.push(takeTurn)
    })

  return {
    async run(task, lane) {
      const queue = queues.get(lane)
      if (!queue) throw new RangeError(`unknown lane ${lane}`)
      if (active < max) active += 1
      else if (queue.length >= lanes[lane]) throw new QueueFullError(lane)
      // The slot passes straight from the finishing task to the next waiter, so `active` never dips.
      else await turnIn(queue, lane)
      try {
        return await task()
      } finally {
        release()
      }
    },
    get active() {
      return active
    },
    waiting: (lane) => (lane ? queues.get(lane)!.length : [...queues.values()].reduce((sum, queue) => sum + queue.length, 0))
  }
}
