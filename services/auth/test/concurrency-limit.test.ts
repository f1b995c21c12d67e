import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createConcurrencyLimit } from '../src/concurrency-limit.js'

test('never runs more than max tasks at once, runs every task, in arrival order', async () => {
  const limit = createConcurrencyLimit(2)
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
  })))
  assert.equal(peak, 2)
  assert.deepEqual(results, Array.from({ length: 10 }, (_, index) => index * 2))
  assert.deepEqual(started, [...started].sort((a, b) => a - b))
  assert.equal(limit.active, 0)
  assert.equal(limit.waiting, 0)
})

test('a failing task frees its slot and its error reaches only its caller', async () => {
  const limit = createConcurrencyLimit(1)
  const failing = limit.run(async () => { throw new Error('boom') })
  const next = limit.run(async () => 'ran')
  assert.equal(limit.waiting, 1)
  await assert.rejects(failing, /boom/)
  assert.equal(await next, 'ran')
  assert.equal(limit.active, 0)
})

test('refuses a limit that would run nothing', () => {
  assert.throws(() => createConcurrencyLimit(0), RangeError)
})
