/**
 * OWASP API4 (unrestricted resource consumption), part two: limits over time. Small limits of
 * its own, so it runs on a system of its own: the gateway's login limit and general rate limit,
 * and the auth service's per-(account, client) and per-client login limits and per-client
 * sign-up limit, each answering 429 with
 * Retry-After at exactly the request the limit says, whatever address the client claims to
 * come from where that claim is not trusted — and a throttled login opens no session.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSuiteTally } from './suite-tally.js'
import { assertProblem, httpClient, type Call, type Reply } from './attack-kit.js'
import { startE2eSystem, type E2eSystem } from './helpers.js'
import { MongoClient, type Db } from 'mongodb'

const tally = createSuiteTally('attack: API4 rate limits and login throttling')

const LIMITS = {
  RATE_LIMIT_MAX: 30,
  LOGIN_RATE_LIMIT_MAX: 5,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: 3,
  LOGIN_RATE_LIMIT_PER_CLIENT: 8,
  SIGNUP_RATE_LIMIT_PER_CLIENT: 4
}

let system: E2eSystem
let mongo: MongoClient
let authDb: Db
let gateway: Call
let auth: Call
const accountX = { email: 'throttle-x@attack.test', password: 'throttle-x-password' }
const accountY = { email: 'throttle-y@attack.test', password: 'throttle-y-password' }

before(async () => {
  system = await startE2eSystem({
    ...Object.fromEntries(Object.entries(LIMITS).map(([name, value]) => [name, String(value)])),
    RATE_LIMIT_WINDOW_MS: '60000',
    LOGIN_THROTTLE_WINDOW_SECONDS: '60',
    SIGNUP_RATE_LIMIT_WINDOW_SECONDS: '60',
    // The gateway's address is loopback: auth believes the X-Forwarded-For it sets. Tests that
    // call auth directly use that to appear as distinct clients.
    AUTH_TRUSTED_PROXIES: 'loopback'
  })
  mongo = await new MongoClient(system.mongoUrl, { serverSelectionTimeoutMS: 5_000 }).connect()
  authDb = mongo.db(system.dbNames.auth)
  gateway = httpClient(system.url('gateway'))
  auth = httpClient(system.url('auth'))
  // Accounts are made at the auth service, so the gateway's counters start at zero.
  for (const account of [accountX, accountY]) assert.equal((await auth('POST', '/auth/users', { body: account })).status, 201)
})
after(async () => {
  await mongo?.close()
  await system?.stopAll()
})

function assertThrottled(reply: Reply, context: string, code: string): void {
  assertProblem(reply, 429, context, code)
  const retryAfter = Number(reply.headers.get('retry-after'))
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${context}: Retry-After ${reply.headers.get('retry-after')}`)
}

const sessionsOf = async (email: string) => {
  const user = await authDb.collection('users').findOne({ email })
  return authDb.collection('sessions').countDocuments({ userId: user?._id })
}

describe('API4: throttling', () => {
  test('gateway: the sixth login attempt in the window is a 429, even with the right password and a fresh X-Forwarded-For', async () => {
    for (let attempt = 1; attempt <= LIMITS.LOGIN_RATE_LIMIT_MAX; attempt++) {
      await tally.check(`gateway login attempt ${attempt} is let through`, async () => {
        const reply = await gateway('POST', '/auth/login', {
          body: { email: `nobody-${attempt}@attack.test`, password: 'wrong-password' },
          headers: { 'x-forwarded-for': `203.0.113.${attempt}` }
        })
        // (No x-ratelimit-remaining check: the reply carries the auth service's own login headers.)
        assertProblem(reply, 401, `attempt ${attempt}`, 'INVALID_CREDENTIALS')
      })
    }
    await tally.check('gateway login attempt 6 → 429 with Retry-After, no session opened', async () => {
      const reply = await gateway('POST', '/auth/login', { body: accountY, headers: { 'x-forwarded-for': '198.51.100.77' } })
      assertThrottled(reply, 'login 6', 'RATE_LIMITED')
      assert.equal(await sessionsOf(accountY.email), 0)
    })
    await tally.check('the login limit leaves the rest of the gateway alone', async () => {
      assert.equal((await gateway('GET', '/health')).status, 200)
      assert.equal((await gateway('POST', '/auth/users', { body: { email: 'after-login-limit@attack.test', password: 'some-password' } })).status, 201)
    })
  })

  test('auth: three failures from one client throttle that client for that account — not the owner elsewhere, not other accounts', async () => {
    const client = { 'x-forwarded-for': '10.0.1.1' }
    for (let failure = 1; failure <= LIMITS.LOGIN_MAX_FAILURES_PER_ACCOUNT; failure++) {
      await tally.check(`wrong password ${failure} for one account`, async () => {
        assertProblem(await auth('POST', '/auth/login', { body: { email: accountX.email, password: 'not-the-password' }, headers: client }), 401, `failure ${failure}`, 'INVALID_CREDENTIALS')
      })
    }
    await tally.check('the right password for that account from that client → 429 LOGIN_THROTTLED, no session', async () => {
      assertThrottled(await auth('POST', '/auth/login', { body: accountX, headers: client }), 'throttled', 'LOGIN_THROTTLED')
      assertThrottled(await auth('POST', '/auth/login', { body: { ...accountX, email: accountX.email.toUpperCase() }, headers: client }), 'throttled, upper case', 'LOGIN_THROTTLED')
      assert.equal(await sessionsOf(accountX.email), 0)
    })
    await tally.check('the owner from another address logs in (slowed, never locked)', async () => {
      assert.equal((await auth('POST', '/auth/login', { body: accountX, headers: { 'x-forwarded-for': '10.0.1.2' } })).status, 200)
      assert.equal(await sessionsOf(accountX.email), 1)
    })
    await tally.check('another account from the throttled address logs in', async () => {
      assert.equal((await auth('POST', '/auth/login', { body: accountY, headers: client })).status, 200)
    })
  })

  test('auth: the fifth public sign-up from one client is a 429 SIGNUP_RATE_LIMITED; another client and an ADMIN are unaffected', async () => {
    const client = { 'x-forwarded-for': '10.0.4.1' }
    for (let signUp = 1; signUp <= LIMITS.SIGNUP_RATE_LIMIT_PER_CLIENT; signUp++) {
      await tally.check(`sign-up ${signUp} from one client`, async () => {
        assert.equal((await auth('POST', '/auth/users', { body: { email: `signup-${signUp}@attack.test`, password: 'signup-password' }, headers: client })).status, 201)
      })
    }
    await tally.check('sign-up 5 → 429 with Retry-After, nothing created', async () => {
      assertThrottled(await auth('POST', '/auth/users', { body: { email: 'signup-5@attack.test', password: 'signup-password' }, headers: client }), 'sign-up limit', 'SIGNUP_RATE_LIMITED')
      assert.equal(await authDb.collection('users').countDocuments({ email: 'signup-5@attack.test' }), 0)
    })
    await tally.check('another client signs up', async () => {
      assert.equal((await auth('POST', '/auth/users', { body: { email: 'signup-6@attack.test', password: 'signup-password' }, headers: { 'x-forwarded-for': '10.0.4.2' } })).status, 201)
    })
  })

  test('auth: the ninth login attempt from one client is a 429; another client is unaffected', async () => {
    const client = { 'x-forwarded-for': '10.0.2.1' }
    for (let attempt = 1; attempt <= LIMITS.LOGIN_RATE_LIMIT_PER_CLIENT; attempt++) {
      await tally.check(`client attempt ${attempt} is let through`, async () => {
        assertProblem(await auth('POST', '/auth/login', { body: { email: `spray-${attempt}@attack.test`, password: 'spray-password' }, headers: client }), 401, `attempt ${attempt}`)
      })
    }
    const sessions = await sessionsOf(accountY.email)
    await tally.check('client attempt 9 → 429 with Retry-After, even with the right password', async () => {
      assertThrottled(await auth('POST', '/auth/login', { body: accountY, headers: client }), 'client limit', 'RATE_LIMITED')
      assert.equal(await sessionsOf(accountY.email), sessions)
    })
    await tally.check('another client logs in', async () => {
      assert.equal((await auth('POST', '/auth/login', { body: accountY, headers: { 'x-forwarded-for': '10.0.2.2' } })).status, 200)
    })
  })

  test('gateway: request 31 in the window is a 429 before it reaches the service; health stays unthrottled', async () => {
    const token = (await auth('POST', '/auth/login', { body: accountY, headers: { 'x-forwarded-for': '10.0.3.1' } })).body.accessToken as string
    const used = 1 // the sign-up after the login limit
    const eventMetrics = async () => {
      const text = await (await fetch(`${system.adminUrl('event')}/metrics`)).text()
      return Number(/event_http_requests_total\{route="\/event",method="GET",status="200"\} (\d+)/.exec(text)?.[1] ?? 0)
    }
    for (let request = used + 1; request <= LIMITS.RATE_LIMIT_MAX; request++) {
      await tally.check(`request ${request} is served`, async () => {
        const reply = await gateway('GET', '/event-gateway/event', { token, headers: { 'x-forwarded-for': `192.0.2.${request}` } })
        assert.equal(reply.status, 200, reply.text)
        assert.equal(reply.headers.get('x-ratelimit-remaining'), String(LIMITS.RATE_LIMIT_MAX - request))
      })
    }
    const served = await eventMetrics()
    await tally.check(`request ${LIMITS.RATE_LIMIT_MAX + 1} → 429 with Retry-After, and the service never saw it`, async () => {
      assertThrottled(await gateway('GET', '/event-gateway/event', { token, headers: { 'x-forwarded-for': '192.0.2.250' } }), 'rate limit', 'RATE_LIMITED')
      assert.equal(await eventMetrics(), served)
    })
    await tally.check('the liveness probe is never throttled, and readiness is not on the public port at all', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await gateway('GET', '/health')).status, 200)
      assert.equal((await fetch(`${system.adminUrl('gateway')}/ready`)).status, 200)
    })
  })
})
