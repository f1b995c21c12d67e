/**
 * A bounded sign-up flood beside steady logins (SPEC v2: sign-ups limited per client, the hash
 * queue bounded, so a sign-up flood cannot stall logins): logins are answered, sign-ups get 201,
 * 429 or 503 with Retry-After, and nothing is a 500.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { call, login, signUp, startAuth, stopTestDatabase, uniqueEmail, type TestAuth } from './helpers.js'

let auth: TestAuth
before(async () => {
  auth = await startAuth({
    trustProxy: 'loopback',
    passwordHashConcurrency: 1,
    // 16 may wait; sign-ups get a quarter of that.
    passwordHashQueueMax: 16,
    signupLimit: { max: 3, windowSeconds: 600 }
  })
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!

test('the per-client sign-up limit: 429 with Retry-After past it; an ADMIN creating accounts is exempt', async () => {
  const client = { 'x-forwarded-for': '203.0.113.50' }
  const signUpFrom = (headers: Record<string, string>, token?: string) =>
    call(auth.url, 'POST', '/auth/users', { body: { email: uniqueEmail('limited'), password: 'password-123' }, headers, ...(token ? { token } : {}) })
  for (let i = 0; i < 3; i++) assert.equal((await signUpFrom(client)).status, 201)
  const limited = await signUpFrom(client)
  assert.equal(limited.status, 429)
  assert.equal(limited.body.code, 'SIGNUP_RATE_LIMITED')
  assert.ok(Number(limited.headers.get('retry-after')) > 0)
  assert.equal((await signUpFrom({ 'x-forwarded-for': '203.0.113.51' })).status, 201, 'another client has its own quota')
  const admin = await login(auth.url, 'admin@example.com', 'admin-password-1')
  for (let i = 0; i < 5; i++) assert.equal((await signUpFrom(client, admin.accessToken)).status, 201, 'ADMIN-created accounts are exempt')
})

test('a sign-up flood from many clients beside steady logins: every login answered, sign-ups 201/429/503, no 500', async () => {
  const admin = await login(auth.url, 'admin@example.com', 'admin-password-1')
  const players = await Promise.all(Array.from({ length: 4 }, (_, i) => signUp(auth.url, uniqueEmail(`steady${i}`), 'password-123', admin.accessToken)))
  let flooding = true
  const signUps: Array<{ status: number; retryAfter: string | null }> = []
  const flood = (async () => {
    let n = 0
    while (flooding) {
      // 24 at a time from 12 addresses, each past its quota soon.
      const batch = await Promise.all(
        Array.from({ length: 24 }, () => {
          n += 1
          return call(auth.url, 'POST', '/auth/users', {
            body: { email: uniqueEmail('flood'), password: 'password-123' },
            headers: { 'x-forwarded-for': `198.51.100.${n % 12}` }
          })
        })
      )
      signUps.push(...batch.map((reply) => ({ status: reply.status, retryAfter: reply.headers.get('retry-after') })))
    }
  })()
  const loginTimes: number[] = []
  const loginStatuses: number[] = []
  for (let round = 0; round < 5; round++) {
    const replies = await Promise.all(players.map(async (player) => {
      const started = performance.now()
      const reply = await call(auth.url, 'POST', '/auth/login', { body: { email: player.email, password: player.password }, headers: { 'x-forwarded-for': '192.0.2.10' } })
      loginTimes.push(performance.now() - started)
      return reply.status
    }))
    loginStatuses.push(...replies)
  }
  flooding = false
  await flood

  assert.deepEqual([...new Set(loginStatuses)], [200], 'every login answered')
  const statuses = new Set(signUps.map((reply) => reply.status))
  assert.ok([...statuses].every((status) => [201, 429, 503].includes(status)), `sign-up statuses: ${[...statuses].join(', ')}`)
  assert.ok(statuses.has(429), 'the per-client limit turned some away')
  for (const reply of signUps.filter((candidate) => candidate.status === 429 || candidate.status === 503)) {
    assert.ok(Number(reply.retryAfter) >= 1, 'with Retry-After')
  }
  const count = (status: number) => signUps.filter((reply) => reply.status === status).length
  console.log(
    `# flood: ${signUps.length} sign-ups (${count(201)} × 201, ${count(429)} × 429, ${count(503)} × 503) beside ${loginStatuses.length} logins, ` +
      `login p50 ${percentile(loginTimes, 50).toFixed(0)} ms, p99 ${percentile(loginTimes, 99).toFixed(0)} ms`
  )
  const metrics = await call(auth.adminUrl, 'GET', '/metrics')
  const refused = Number(/auth_password_hashes_refused_total\{lane="signup"\} (\d+)/.exec(metrics.text)?.[1] ?? 0)
  assert.equal(refused, count(503), 'every 503 was a full sign-up queue')
  assert.doesNotMatch(metrics.text, /auth_password_hashes_refused_total\{lane="priority"\} [1-9]/, 'no login was refused')
})
