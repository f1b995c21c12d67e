/**
 * Runs at most `max` tasks at once and queues the rest in arrival order. Password hashing uses
 * it: each argon2 operation takes a core for ~40 ms and holds 19 MiB, so letting a login storm
 * fill the whole libuv pool would starve the event loop (and every other process on the host)
 * of CPU and multiply the memory held.
 */
export interface ConcurrencyLimit {
  run<T>(task: () => Promise<T>): Promise<T>
  readonly active: number
  readonly waiting: number
}

export function createConcurrencyLimit(max: number): ConcurrencyLimit {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`)
  let active = 0
  const queue: Array<() => void> = []

  const release = () => {
    const next = queue.shift()
    if (next) next()
    else active -= 1
  }

  return {
    async run(task) {
      if (active < max) active += 1
      // The slot passes straight from the finishing task to the next waiter, so `active` never dips.
      else await new Promise<void>((resolveTurn) => queue.push(resolveTurn))
      try {
        return await task()
      } finally {
        release()
      }
    },
    get active() { return active },
    get waiting() { return queue.length }
  }
}
