import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { QueueFullError, createConcurrencyLimit } from '../src/concurrency-limit.js'

const UNBOUNDED = { only: Number.POSITIVE_INFINITY }

test('never runs more than max tasks at once, runs every task, in arrival order', async () => {
  const limit = createConcurrencyLimit(2, UNBOUNDED)
  let running = 0
  let peak = 0
  const started: number[] = []
  const results = await Promise.all(Array.from({ length: 10 }, (_, index) => limit.run(async () => {
    started.push(index)
    running += 1
    peak = Math.max(peak, running)
    await sleep(5)
    running -= 1
    return index * 2
  }, 'only')))
  assert.equal(peak, 2)
  assert.deepEqual(results, Array.from({ length: 10 }, (_, index) => index * 2))
  assert.deepEqual(started, [...started].sort((a, b) => a - b))
  assert.equal(limit.active, 0)
  assert.equal(limit.waiting(), 0)
})

test('a failing task frees its slot and its error reaches only its caller', async () => {
  const limit = createConcurrencyLimit(1, UNBOUNDED)
  const failing = limit.run(async () => { throw new Error('boom') }, 'only')
  const next = limit.run(async () => 'ran', 'only')
  assert.equal(limit.waiting(), 1)
  await assert.rejects(failing, /boom/)
  assert.equal(await next, 'ran')
  assert.equal(limit.active, 0)
})

test('a freed slot goes to the first lane with a waiter: logins overtake queued sign-ups', async () => {
  const limit = createConcurrencyLimit(1, { priority: 10, signup: 10 })
  const order: string[] = []
  const job = (name: string) => async () => {
    order.push(name)
    await sleep(2)
  }
  const all = [
    limit.run(job('first'), 'signup'),
    limit.run(job('signup-1'), 'signup'),
    limit.run(job('signup-2'), 'signup'),
    limit.run(job('login-1'), 'priority'),
    limit.run(job('login-2'), 'priority')
  ]
  assert.equal(limit.waiting('signup'), 2)
  assert.equal(limit.waiting('priority'), 2)
  await Promise.all(all)
  assert.deepEqual(order, ['first', 'login-1', 'login-2', 'signup-1', 'signup-2'])
})

test('a full lane refuses at once, and the other lane still queues', async () => {
  const limit = createConcurrencyLimit(1, { priority: 5, signup: 1 })
  let release = () => {}
  const blocker = limit.run(() => new Promise<void>((resolve) => (release = resolve)), 'priority')
  const queued = limit.run(async () => 'signed up', 'signup')
  await assert.rejects(limit.run(async () => 'never', 'signup'), (error) => error instanceof QueueFullError && error.lane === 'signup')
  const login = limit.run(async () => 'logged in', 'priority')
  release()
  await blocker
  assert.deepEqual(await Promise.all([login, queued]), ['logged in', 'signed up'])
})

test('refuses a limit that would run nothing, or an unknown lane', async () => {
  assert.throws(() => createConcurrencyLimit(0, UNBOUNDED), RangeError)
  await assert.rejects(createConcurrencyLimit(1, UNBOUNDED).run(async () => 1, 'other' as 'only'), RangeError)
})

test('a task that waited maxWaitMs without a slot is refused then; one that got its slot in time runs', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const limit = createConcurrencyLimit(1, { priority: 10, signup: 10 }, { maxWaitMs: 3_000 })
  let releaseBlocker = () => {}
  const blocker = limit.run(() => new Promise<void>((resolve) => (releaseBlocker = resolve)), 'priority')
  const starved = limit.run(async () => 'signed up late', 'signup')
  const outcome = starved.then(
    () => 'ran',
    (error: unknown) => (error instanceof QueueFullError && error.waitedTooLong && error.lane === 'signup' ? 'refused: waited too long' : String(error))
  )
  t.mock.timers.tick(2_999)
  assert.equal(limit.waiting('signup'), 1, 'still in line just before the bound')
  t.mock.timers.tick(1)
  assert.equal(await outcome, 'refused: waited too long')
  assert.equal(limit.waiting('signup'), 0, 'and out of the line')

  // A task handed its slot before the bound runs, and its timer no longer refuses it.
  const inTime = limit.run(async () => 'logged in', 'priority')
  t.mock.timers.tick(1_000)
  releaseBlocker()
  await blocker
  assert.equal(await inTime, 'logged in')
  t.mock.timers.tick(5_000)
  assert.equal(limit.active, 0)
  assert.equal(limit.waiting(), 0)
})
