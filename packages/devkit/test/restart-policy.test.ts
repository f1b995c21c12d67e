import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRestartPolicy } from '../src/system.js'

const SECOND = 1_000

test('restarts wait 1 s, doubling while the service keeps crashing, capped at 30 s', () => {
  const policy = createRestartPolicy({ maxCrashes: 100 })
  let now = 0
  policy.started(now)
  const delays: number[] = []
  for (let crash = 0; crash < 7; crash++) {
    now += 20 * SECOND // up a little while, never long enough to count as recovered
    const decision = policy.crashed(now)
    assert.equal(decision.giveUp, false)
    if (!decision.giveUp) delays.push(decision.delayMs / SECOND)
    policy.started(now + 1)
  }
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 30, 30])
})

test('five crashes within a minute give up; four do not', () => {
  const policy = createRestartPolicy()
  const at = [0, 5, 12, 30].map((s) => s * SECOND)
  for (const now of at) assert.equal(policy.crashed(now).giveUp, false)
  assert.deepEqual(policy.crashed(59 * SECOND), { giveUp: true, crashesInWindow: 5 })
})

test('crashes older than the window are forgotten: five spread over more than a minute keep restarting', () => {
  const policy = createRestartPolicy()
  for (const seconds of [0, 20, 40, 59]) assert.equal(policy.crashed(seconds * SECOND).giveUp, false)
  // The crash at 0 s has left the window by 61 s: four in the window, still restarting.
  assert.equal(policy.crashed(61 * SECOND).giveUp, false)
})

test('a service that stayed up a minute has recovered: its next crash waits 1 s again', () => {
  const policy = createRestartPolicy()
  policy.started(0)
  assert.deepEqual(policy.crashed(1 * SECOND), { giveUp: false, delayMs: 1 * SECOND })
  policy.started(2 * SECOND)
  assert.deepEqual(policy.crashed(3 * SECOND), { giveUp: false, delayMs: 2 * SECOND })
  policy.started(5 * SECOND)
  assert.deepEqual(policy.crashed(5 * SECOND + 60 * SECOND), { giveUp: false, delayMs: 1 * SECOND })
})
