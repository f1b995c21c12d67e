/**
 * PASSWORD_HASH_CONCURRENCY: logins beyond the limit wait their turn instead of piling onto
 * the thread pool, and every one of them still succeeds.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { call, signUp, startAuth, stopTestDatabase, type TestAuth } from './helpers.js'

let auth: TestAuth

before(async () => {
  auth = await startAuth({ passwordHashConcurrency: 1 })
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const waitingGauge = async () => {
  const metrics = await call(auth.adminUrl, 'GET', '/metrics')
  const line = metrics.text.split('\n').find((candidate) => candidate.startsWith('auth_password_hashes_waiting{lane="priority"} '))
  assert.ok(line, 'the queue gauge is exported')
  return Number(line.split(' ')[1])
}

test('8 parallel logins with one hash at a time: all succeed, and the queue was used then drained', async () => {
  const user = await signUp(auth.url)
  let settled = false
  const logins = Promise.all(Array.from({ length: 8 }, () => call(auth.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password } })))
    .finally(() => { settled = true })
  // Sampled while the logins are in flight: with one slot, some of them must be waiting.
  let waitingDuringStorm = 0
  while (!settled) waitingDuringStorm = Math.max(waitingDuringStorm, await waitingGauge())
  const replies = await logins
  assert.deepEqual(replies.map((reply) => reply.status), Array(8).fill(200))
  assert.ok(waitingDuringStorm >= 1, `expected queued hashes during the storm, saw ${waitingDuringStorm}`)
  assert.equal(await waitingGauge(), 0)
})
