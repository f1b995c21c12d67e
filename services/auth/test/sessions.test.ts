import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import {
  AUDIENCE,
  ISSUER,
  assertNoSecretsIn,
  call,
  decodeJwt,
  login,
  seenReplies,
  signUp,
  signingKey,
  startAuth,
  stopTestDatabase,
  uniqueEmail,
  type TestAuth
} from './helpers.js'
import { adjustableClock } from '@app/devkit/testkit'
import { slowdownFor } from '../src/plugins/login-throttle.js'

let auth: TestAuth
const clock = adjustableClock()

before(async () => {
  auth = await startAuth({ clock })
})
after(async () => {
  await auth.close()
  await stopTestDatabase()
})

const refresh = (refreshToken: string) => call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken } })

describe('POST /auth/login', () => {
  test('answers a token pair; the access token is RS256 with the agreed claims and kid', async () => {
    const user = await signUp(auth.url)
    const reply = await call(auth.url, 'POST', '/auth/login', { body: { email: user.email.toUpperCase(), password: user.password } })
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual(Object.keys(reply.body).sort(), ['accessToken', 'expiresIn', 'refreshToken', 'tokenType'])
    assert.equal(reply.body.tokenType, 'Bearer')
    assert.equal(reply.body.expiresIn, 900)
    assert.ok(Buffer.from(reply.body.refreshToken, 'base64url').length >= 32, 'refresh token carries at least 256 bits')
    const { header, payload } = decodeJwt(reply.body.accessToken)
    assert.equal(header.alg, 'RS256')
    assert.equal(header.kid, signingKey.kid)
    assert.equal(payload.sub, user.id)
    assert.deepEqual(payload.roles, ['USER'])
    assert.equal(payload.typ, 'access')
    assert.equal(payload.iss, ISSUER)
    assert.equal(payload.aud, AUDIENCE)
    assert.match(String(payload.sid), /^[0-9a-f]{24}$/)
    assert.equal(Number(payload.exp) - Number(payload.iat), 900)
  })

  test('a wrong password and an unknown email get the same 401, in similar time', async () => {
    const user = await signUp(auth.url)
    const timed = async (email: string) => {
      const started = performance.now()
      const reply = await call(auth.url, 'POST', '/auth/login', { body: { email, password: 'wrong-password' } })
      return { reply, ms: performance.now() - started }
    }
    const wrongPassword = [await timed(user.email), await timed(user.email), await timed(user.email)]
    const unknownEmail = [await timed(uniqueEmail('ghost')), await timed(uniqueEmail('ghost')), await timed(uniqueEmail('ghost'))]
    const strip = ({ requestId: _requestId, ...rest }: Record<string, unknown>) => rest
    for (const { reply } of [...wrongPassword, ...unknownEmail]) {
      assert.equal(reply.status, 401)
      assert.deepEqual(strip(reply.body), strip(wrongPassword[0]!.reply.body))
    }
    const median = (runs: Array<{ ms: number }>) => runs.map((run) => run.ms).sort((a, b) => a - b)[1]!
    // Both pay for one argon2 verification; without the dummy hash an unknown email answers in ~1 ms.
    assert.ok(median(unknownEmail) > median(wrongPassword) / 3, `unknown ${median(unknownEmail)} ms vs wrong ${median(wrongPassword)} ms`)
  })

  test('bad input is a 400, including operator injection', async () => {
    const cases: unknown[] = [
      { email: { $ne: null }, password: 'whatever-1' },
      { email: 'admin@example.com', password: { $gt: '' } },
      { email: 'admin@example.com' },
      { email: 'admin@example.com', password: 'whatever-1', remember: true },
      '{"email": "admin@example.com", "password": '
    ]
    for (const body of cases) {
      const reply = await call(auth.url, 'POST', '/auth/login', { body })
      assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${reply.text}`)
    }
  })
})

describe('POST /auth/refresh', () => {
  test('rotates: a new pair, and the presented token dies', async () => {
    const user = await signUp(auth.url)
    const first = await login(auth.url, user.email, user.password)
    const rotated = await refresh(first.refreshToken)
    assert.equal(rotated.status, 200, rotated.text)
    assert.notEqual(rotated.body.refreshToken, first.refreshToken)
    assert.equal(decodeJwt(rotated.body.accessToken).payload.sid, decodeJwt(first.accessToken).payload.sid, 'same session')
    const me = await call(auth.url, 'GET', '/auth/users/me', { token: rotated.body.accessToken })
    assert.equal(me.status, 200)
    const again = await refresh(rotated.body.refreshToken)
    assert.equal(again.status, 200, 'the newest token keeps working')
  })

  test('a rotated token shown again after the grace window revokes the whole family: the newer token dies too', async () => {
    const user = await signUp(auth.url)
    const stolen = await login(auth.url, user.email, user.password)
    const legit = await refresh(stolen.refreshToken)
    assert.equal(legit.status, 200)
    clock.advance(11_000) // REFRESH_REUSE_GRACE_SECONDS is 10
    const reuse = await refresh(stolen.refreshToken)
    assert.equal(reuse.status, 401)
    assert.equal(reuse.body.code, 'INVALID_REFRESH_TOKEN')
    const newer = await refresh(legit.body.refreshToken)
    assert.equal(newer.status, 401, 'the family is revoked')
    const otherSession = await login(auth.url, user.email, user.password)
    assert.equal((await refresh(otherSession.refreshToken)).status, 200, 'other sessions of the user are untouched')
  })

  test('within the grace window a reused token gets a working pair of the same session (a retry after a lost reply)', async () => {
    const user = await signUp(auth.url)
    const first = await login(auth.url, user.email, user.password)
    const lostReply = await refresh(first.refreshToken)
    clock.advance(9_000)
    const retry = await refresh(first.refreshToken)
    assert.equal(retry.status, 200, retry.text)
    assert.equal(decodeJwt(retry.body.accessToken).payload.sid, decodeJwt(first.accessToken).payload.sid, 'same session')
    for (const pair of [lostReply.body, retry.body]) {
      assert.equal((await call(auth.url, 'GET', '/auth/users/me', { token: pair.accessToken })).status, 200)
      assert.equal((await refresh(pair.refreshToken)).status, 200, 'both refresh tokens work')
    }
  })

  test('10 parallel refreshes of one token: all 200, and every refresh token returned works', async () => {
    const user = await signUp(auth.url)
    const { refreshToken, accessToken } = await login(auth.url, user.email, user.password)
    const replies = await Promise.all(Array.from({ length: 10 }, () => refresh(refreshToken)))
    assert.deepEqual(replies.map((reply) => reply.status), Array(10).fill(200), replies.map((reply) => reply.text).join('\n'))
    const tokens = replies.map((reply) => reply.body.refreshToken as string)
    assert.equal(new Set(tokens).size, 10, 'ten different refresh tokens')
    const sid = decodeJwt(accessToken).payload.sid
    assert.ok(replies.every((reply) => decodeJwt(reply.body.accessToken).payload.sid === sid), 'all of the same session')
    const next = await Promise.all(tokens.map((token) => refresh(token)))
    assert.deepEqual(next.map((reply) => reply.status), Array(10).fill(200))
    for (const reply of next) assert.equal((await call(auth.url, 'GET', '/auth/users/me', { token: reply.body.accessToken })).status, 200)
  })

  test('accepts the token as Authorization: Bearer, with no body or {}', async () => {
    const user = await signUp(auth.url)
    const first = await login(auth.url, user.email, user.password)
    const noBody = await call(auth.url, 'POST', '/auth/refresh', { token: first.refreshToken })
    assert.equal(noBody.status, 200, noBody.text)
    const emptyBody = await call(auth.url, 'POST', '/auth/refresh', { token: noBody.body.refreshToken, body: {} })
    assert.equal(emptyBody.status, 200, emptyBody.text)
  })

  test('an access token is not a refresh token: 401, in the body or as Bearer', async () => {
    const user = await signUp(auth.url)
    const { accessToken } = await login(auth.url, user.email, user.password)
    assert.equal((await refresh(accessToken)).status, 401)
    assert.equal((await call(auth.url, 'POST', '/auth/refresh', { token: accessToken })).status, 401)
  })

  test('no token, an unknown token or a malformed body is refused', async () => {
    const none = await call(auth.url, 'POST', '/auth/refresh')
    assert.equal(none.status, 401)
    assert.equal(none.body.code, 'MISSING_REFRESH_TOKEN')
    assert.equal((await refresh('x'.repeat(43))).status, 401)
    assert.equal((await call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken: 'short' } })).status, 400)
    assert.equal((await call(auth.url, 'POST', '/auth/refresh', { body: { refreshToken: { $ne: null } } })).status, 400)
  })

  test('an expired refresh token is refused', async () => {
    const shortLived = await startAuth({ refreshTokenTtlSeconds: 1 })
    try {
      const user = await signUp(shortLived.url)
      const { refreshToken } = await login(shortLived.url, user.email, user.password)
      await sleep(1_100)
      const reply = await call(shortLived.url, 'POST', '/auth/refresh', { body: { refreshToken } })
      assert.equal(reply.status, 401)
    } finally {
      await shortLived.close()
    }
  })
})

describe('POST /auth/logout', () => {
  test('revokes the session: its refresh tokens stop working', async () => {
    const user = await signUp(auth.url)
    const first = await login(auth.url, user.email, user.password)
    const rotated = await refresh(first.refreshToken)
    const reply = await call(auth.url, 'POST', '/auth/logout', { body: { refreshToken: rotated.body.refreshToken } })
    assert.equal(reply.status, 200, reply.text)
    assert.deepEqual(reply.body, { revoked: true })
    assert.equal((await refresh(rotated.body.refreshToken)).status, 401)
    const again = await call(auth.url, 'POST', '/auth/logout', { token: rotated.body.refreshToken })
    assert.deepEqual(again.body, { revoked: false }, 'idempotent')
  })

  test('accepts the token as Bearer; refuses an access token or none', async () => {
    const user = await signUp(auth.url)
    const pair = await login(auth.url, user.email, user.password)
    assert.equal((await call(auth.url, 'POST', '/auth/logout', { token: pair.accessToken })).status, 401)
    assert.equal((await call(auth.url, 'POST', '/auth/logout')).status, 401)
    const reply = await call(auth.url, 'POST', '/auth/logout', { token: pair.refreshToken })
    assert.deepEqual(reply.body, { revoked: true })
    assert.equal((await refresh(pair.refreshToken)).status, 401)
  })
})

describe('brute-force throttling', () => {
  const from = (client: string) => ({ 'x-forwarded-for': client })

  test('10 wrong passwords from client A: the right one from B is a 200, from A a 429 with Retry-After until the window passes', async () => {
    const throttleClock = adjustableClock()
    const throttled = await startAuth({
      clock: throttleClock,
      trustProxy: 'loopback',
      loginThrottle: { maxFailuresPerAccount: 10, maxAttemptsPerClient: 1000, windowSeconds: 60, slowdown: { baseMs: 20, maxMs: 100 } }
    })
    try {
      const user = await signUp(throttled.url)
      const attempt = (password: string, client: string, email = user.email) =>
        call(throttled.url, 'POST', '/auth/login', { body: { email, password }, headers: from(client) })
      for (let i = 0; i < 10; i++) assert.equal((await attempt('wrong-password', '198.51.100.7')).status, 401)
      const fromB = await attempt(user.password, '203.0.113.9')
      assert.equal(fromB.status, 200, 'the owner, elsewhere, is never refused')
      const fromA = await attempt(user.password, '198.51.100.7', user.email.toUpperCase())
      assert.equal(fromA.status, 429)
      assert.equal(fromA.body.code, 'LOGIN_THROTTLED')
      const retryAfter = Number(fromA.headers.get('retry-after'))
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
      const stranger = await attempt('wrong-password', '198.51.100.7', uniqueEmail('other'))
      assert.equal(stranger.status, 401, 'other accounts from A are not throttled by it')
      throttleClock.advance(61_000)
      assert.equal((await attempt(user.password, '198.51.100.7')).status, 200, 'after the window')
    } finally {
      await throttled.close()
    }
  })

  test('20 parallel wrong passwords from one client with a limit of 10: exactly 10 are checked, 10 get 429', async () => {
    const throttled = await startAuth({ trustProxy: 'loopback', loginThrottle: { maxFailuresPerAccount: 10, maxAttemptsPerClient: 1000, windowSeconds: 60 } })
    try {
      const user = await signUp(throttled.url)
      const replies = await Promise.all(
        Array.from({ length: 20 }, () =>
          call(throttled.url, 'POST', '/auth/login', { body: { email: user.email, password: 'wrong-password' }, headers: from('198.51.100.30') })
        )
      )
      const statuses = replies.map((reply) => reply.status).sort()
      assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(10).fill(429)], 'counted before the check: parallel guesses cannot slip past it')
    } finally {
      await throttled.close()
    }
  })

  test('an unknown email and a wrong password are throttled alike (the answers never tell which accounts exist)', async () => {
    const throttled = await startAuth({ trustProxy: 'loopback', loginThrottle: { maxFailuresPerAccount: 3, maxAttemptsPerClient: 1000, windowSeconds: 60 } })
    try {
      const user = await signUp(throttled.url)
      const ghost = uniqueEmail('ghost')
      const replies = []
      for (const email of [user.email, ghost]) {
        for (let i = 0; i < 4; i++) replies.push(await call(throttled.url, 'POST', '/auth/login', { body: { email, password: 'wrong-password' }, headers: from('198.51.100.8') }))
      }
      const shape = (reply: { status: number; body: { code?: string } }) => `${reply.status} ${reply.body.code}`
      assert.deepEqual(replies.slice(0, 4).map(shape), replies.slice(4).map(shape))
      assert.deepEqual(replies.slice(0, 4).map(shape), ['401 INVALID_CREDENTIALS', '401 INVALID_CREDENTIALS', '401 INVALID_CREDENTIALS', '429 LOGIN_THROTTLED'])
    } finally {
      await throttled.close()
    }
  })

  test('across clients an account is only slowed down: the delay doubles from the threshold and stops at 3 s', async () => {
    assert.deepEqual([0, 9].map((failures) => slowdownFor(failures, 10)), [0, 0])
    assert.deepEqual([10, 11, 12, 13, 14, 15, 100].map((failures) => slowdownFor(failures, 10)), [250, 500, 1_000, 2_000, 3_000, 3_000, 3_000])
    const throttled = await startAuth({
      trustProxy: 'loopback',
      loginThrottle: { maxFailuresPerAccount: 2, maxAttemptsPerClient: 1000, windowSeconds: 60, slowdown: { baseMs: 200, maxMs: 400 } }
    })
    try {
      const user = await signUp(throttled.url)
      // Two failures from each of three clients: none is throttled, the account has six.
      for (const client of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        for (let i = 0; i < 2; i++) {
          const reply = await call(throttled.url, 'POST', '/auth/login', { body: { email: user.email, password: 'wrong-password' }, headers: from(client) })
          assert.equal(reply.status, 401)
        }
      }
      const started = performance.now()
      const owner = await call(throttled.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password }, headers: from('192.0.2.200') })
      const took = performance.now() - started
      assert.equal(owner.status, 200, 'slowed, never refused')
      assert.ok(took >= 390, `the login waited out the slowdown (${took.toFixed(0)} ms)`)
    } finally {
      await throttled.close()
    }
  })

  test('per account-and-client: the count is shared by every instance on the database', async () => {
    const limits = { maxFailuresPerAccount: 2, maxAttemptsPerClient: 1000, windowSeconds: 60 }
    const first = await startAuth({ loginThrottle: limits })
    const second = await startAuth({ loginThrottle: limits, dbName: first.dbName })
    try {
      const user = await signUp(first.url)
      const wrong = { body: { email: user.email, password: 'wrong-password' } }
      assert.equal((await call(first.url, 'POST', '/auth/login', wrong)).status, 401)
      assert.equal((await call(second.url, 'POST', '/auth/login', wrong)).status, 401)
      const throttledThere = await call(first.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password } })
      assert.equal(throttledThere.status, 429)
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })

  test('per client: too many attempts from one address are a 429 with Retry-After', async () => {
    const throttled = await startAuth({ loginThrottle: { maxFailuresPerAccount: 1000, maxAttemptsPerClient: 3, windowSeconds: 60 } })
    try {
      const user = await signUp(throttled.url)
      const attempt = () => call(throttled.url, 'POST', '/auth/login', { body: { email: uniqueEmail('spray'), password: 'wrong-password' } })
      for (let i = 0; i < 3; i++) assert.equal((await attempt()).status, 401)
      const limited = await attempt()
      assert.equal(limited.status, 429)
      assert.equal(limited.body.code, 'RATE_LIMITED')
      assert.ok(Number(limited.headers.get('retry-after')) > 0)
      const right = await call(throttled.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password } })
      assert.equal(right.status, 429, 'the client is limited whatever it sends')
      assert.equal((await call(throttled.url, 'POST', '/auth/refresh', { token: 'x'.repeat(43) })).status, 401, 'only login is limited')
    } finally {
      await throttled.close()
    }
  })

  test('per client behind a trusted proxy: X-Forwarded-For names the client; untrusted, it is ignored', async () => {
    const limits = { maxFailuresPerAccount: 1000, maxAttemptsPerClient: 1, windowSeconds: 60 }
    const attempt = (url: string, client: string) =>
      call(url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: 'wrong-password' }, headers: { 'x-forwarded-for': client } })
    const behindGateway = await startAuth({ loginThrottle: limits, trustProxy: 'loopback' })
    const exposed = await startAuth({ loginThrottle: limits })
    try {
      assert.equal((await attempt(behindGateway.url, '203.0.113.1')).status, 401)
      assert.equal((await attempt(behindGateway.url, '203.0.113.2')).status, 401, 'a different client has its own quota')
      assert.equal((await attempt(behindGateway.url, '203.0.113.1')).status, 429)
      assert.equal((await attempt(exposed.url, '203.0.113.1')).status, 401)
      assert.equal((await attempt(exposed.url, '203.0.113.2')).status, 429, 'a forged header does not buy a fresh quota')
    } finally {
      await Promise.all([behindGateway.close(), exposed.close()])
    }
  })
})

test('no reply of this file carries a password, a hash or a token hash', () => {
  assert.ok(seenReplies.length > 50)
  assertNoSecretsIn(seenReplies)
})
