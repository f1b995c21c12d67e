/**
 * OWASP API1 (object-level authorization) and API5 (function-level authorization), against the
 * real processes, through the gateway and at each service called directly.
 *
 * API5 is a table of every route × every caller. The expected table is written here from the
 * SPEC's role and API tables (plus the README's extra routes) — not imported from the code —
 * so a route whose rule drifts from the contract fails here. An allowed caller gets a request
 * the handler itself answers (2xx, or a 404 for an id that names nothing), which proves the
 * request got past every access check; a refused one gets 403 (401 without a token).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { SPEC_ROLE_MATRIX, specAllows } from '@app/devkit/testkit'
import { createSuiteTally } from './suite-tally.js'
import {
  CALLERS,
  NO_SUCH_ID,
  assertNoSecretsLeaked,
  assertProblem,
  assertUnchanged,
  openWindow,
  rawRequest,
  startAttackSystem,
  type AttackSystem,
  type Call,
  type Caller,
  type Reply,
  type RoleName
} from './attack-kit.js'

const api5 = createSuiteTally('attack: API5 function-level authorization')
const api1 = createSuiteTally('attack: API1 object-level authorization')

let attack: AttackSystem
const fixture = { eventId: '', rewardId: '', claimOfUser: '', claimOfOther: '', target: { id: '', email: '', password: '' } }

before(async () => {
  attack = await startAttackSystem()
  const { gateway, actors } = attack
  const event = await gateway('POST', '/event-gateway/event', {
    token: actors.OPERATOR.accessToken,
    body: { name: 'authz', ...openWindow(), requireApproval: true, contents: [{ type: 'attendance', count: 1 }] }
  })
  assert.equal(event.status, 201, event.text)
  const reward = await gateway('POST', '/event-gateway/rewards', {
    token: actors.OPERATOR.accessToken,
    body: { eventId: event.body.id, contents: [{ type: 'point', amount: 100 }] }
  })
  assert.equal(reward.status, 201, reward.text)
  const claims: string[] = []
  for (const player of [actors.USER, actors.other]) {
    assert.equal((await gateway('POST', '/event-gateway/user-events/check-in', { token: player.accessToken })).status, 200)
    const claim = await gateway('POST', '/event-gateway/user-reward-claims', { token: player.accessToken, body: { rewardsId: reward.body.id } })
    assert.equal(claim.status, 201, claim.text)
    assert.equal(claim.body.status, 'pending')
    claims.push(claim.body.id)
  }
  const target = { email: 'roles-target@attack.test', password: 'roles-target-password' }
  const created = await gateway('POST', '/auth/users', { body: target })
  assert.equal(created.status, 201, created.text)
  Object.assign(fixture, { eventId: event.body.id, rewardId: reward.body.id, claimOfUser: claims[0], claimOfOther: claims[1], target: { ...target, id: created.body.id } })
})
after(() => attack?.stop())

// ---- API5: the expected table, from the SPEC ------------------------------------------------

/**
 * Who the SPEC lets through a route: the role matrix copied by hand from the SPEC (devkit
 * test kit, shared with the gateway's and the services' own matrices) — never the code's
 * route definitions.
 */
const who = (route: string): readonly Caller[] => CALLERS.filter((caller) => specAllows(route, caller))

interface RouteCase {
  method: string
  /** The gateway path (`/auth/…` or `/event-gateway/…`); the service path follows from it. */
  path: () => string
  /** Who the SPEC lets through. */
  allowed: readonly Caller[]
  /** What an allowed caller gets: the handler's own answer. */
  allowedStatus: number
  body?: (caller: Caller) => Promise<unknown> | unknown
  /** Further checks on an allowed caller's reply. */
  verify?: (reply: Reply, caller: Caller) => void
}

let signUps = 0
const freshSession = async () => {
  const email = `session-${signUps++}@attack.test`
  assert.equal((await attack.gateway('POST', '/auth/users', { body: { email, password: 'session-password' } })).status, 201)
  return attack.login(email, 'session-password')
}

const TABLE: RouteCase[] = [
  // SPEC: "anyone (USER only) · ADMIN (any role)" — every caller may sign up; only an ADMIN's token grants the roles asked for.
  {
    method: 'POST', path: () => '/auth/users', allowed: who('POST /auth/users'), allowedStatus: 201,
    body: () => ({ email: `signup-${signUps++}@attack.test`, password: 'signup-password', roles: ['OPERATOR'] }),
    verify: (reply, caller) => assert.deepEqual(reply.body.roles, caller === 'ADMIN' ? ['OPERATOR'] : ['USER'], `${caller} sign-up roles`)
  },
  { method: 'POST', path: () => '/auth/login', allowed: who('POST /auth/login'), allowedStatus: 200, body: () => ({ email: fixture.target.email, password: fixture.target.password }) },
  // The refresh token is the credential: whoever holds one may rotate it or end its session.
  { method: 'POST', path: () => '/auth/refresh', allowed: who('POST /auth/refresh'), allowedStatus: 200, body: async () => ({ refreshToken: (await freshSession()).refreshToken }) },
  {
    method: 'POST', path: () => '/auth/logout', allowed: who('POST /auth/logout'), allowedStatus: 200,
    body: async () => ({ refreshToken: (await freshSession()).refreshToken }),
    verify: (reply) => assert.equal(reply.body.revoked, true)
  },
  { method: 'GET', path: () => '/auth/users/me', allowed: who('GET /auth/users/me'), allowedStatus: 200 },
  // v2: "GET /auth/users — OPERATOR, AUDITOR, ADMIN: account directory".
  {
    method: 'GET', path: () => '/auth/users', allowed: who('GET /auth/users'), allowedStatus: 200,
    verify: (reply) => assert.ok(Array.isArray(reply.body.items) && reply.body.items.length > 0)
  },
  // v2: "PATCH /auth/users/:id/tags, POST /auth/users/tags — OPERATOR, ADMIN". The allowed calls add and remove nothing.
  { method: 'PATCH', path: () => `/auth/users/${fixture.target.id}/tags`, allowed: who('PATCH /auth/users/:id/tags'), allowedStatus: 200, body: () => ({ tags: [] }) },
  {
    method: 'POST', path: () => '/auth/users/tags', allowed: who('POST /auth/users/tags'), allowedStatus: 200, body: () => ({ ids: [NO_SUCH_ID], add: ['authz'] }),
    verify: (reply) => assert.deepEqual(reply.body.results, [{ id: NO_SUCH_ID, status: 'not_found' }])
  },
  // ADMIN: "changing roles". The body keeps the target a USER, so the allowed calls change nothing either.
  { method: 'PATCH', path: () => `/auth/users/${fixture.target.id}/roles`, allowed: who('PATCH /auth/users/:id/roles'), allowedStatus: 200, body: () => ({ roles: ['USER'] }) },
  // ADMIN: "disabling accounts". Enabling an enabled account changes nothing.
  { method: 'PATCH', path: () => `/auth/users/${fixture.target.id}/status`, allowed: who('PATCH /auth/users/:id/status'), allowedStatus: 200, body: () => ({ disabled: false }) },
  // ADMIN: sessions ended by staff. An id that names nobody → 404 from the handler.
  { method: 'DELETE', path: () => `/auth/users/${NO_SUCH_ID}/sessions`, allowed: who('DELETE /auth/users/:id/sessions'), allowedStatus: 404 },
  // "GET /auth/audit — AUDITOR, ADMIN".
  { method: 'GET', path: () => '/auth/audit', allowed: who('GET /auth/audit'), allowedStatus: 200 },

  // "USER+": every role reads events and rewards; OPERATOR and ADMIN create and update them.
  { method: 'GET', path: () => '/event-gateway/event', allowed: who('GET /event-gateway/event'), allowedStatus: 200 },
  { method: 'GET', path: () => `/event-gateway/event/${fixture.eventId}`, allowed: who('GET /event-gateway/event/:id'), allowedStatus: 200 },
  {
    method: 'POST', path: () => '/event-gateway/event', allowed: who('POST /event-gateway/event'), allowedStatus: 201,
    body: () => ({ name: 'table', ...openWindow(), contents: [{ type: 'invite', count: 1 }] })
  },
  { method: 'PATCH', path: () => `/event-gateway/event/${fixture.eventId}`, allowed: who('PATCH /event-gateway/event/:id'), allowedStatus: 200, body: () => ({ description: 'edited' }) },
  { method: 'GET', path: () => '/event-gateway/rewards', allowed: who('GET /event-gateway/rewards'), allowedStatus: 200 },
  { method: 'GET', path: () => `/event-gateway/rewards/${fixture.rewardId}`, allowed: who('GET /event-gateway/rewards/:id'), allowedStatus: 200 },
  {
    method: 'POST', path: () => '/event-gateway/rewards', allowed: who('POST /event-gateway/rewards'), allowedStatus: 201,
    body: () => ({ eventId: fixture.eventId, contents: [{ type: 'coupon', couponCode: 'TABLE', quantity: 1 }] })
  },
  // SPEC v2: "PATCH /rewards/:id — OPERATOR, ADMIN". Activating an active bundle changes nothing.
  { method: 'PATCH', path: () => `/event-gateway/rewards/${fixture.rewardId}`, allowed: who('PATCH /event-gateway/rewards/:id'), allowedStatus: 200, body: () => ({ active: true }) },

  // "USER (own), staff (any)": with no userId, people read their own progress; SERVICE reads none.
  { method: 'GET', path: () => '/event-gateway/user-events', allowed: who('GET /event-gateway/user-events'), allowedStatus: 200 },
  {
    method: 'POST', path: () => '/event-gateway/user-events/process', allowed: who('POST /event-gateway/user-events/process'), allowedStatus: 200,
    body: () => ({ eventType: 'invite', userId: NO_SUCH_ID, count: 1 })
  },
  // v2: "SERVICE, OPERATOR, ADMIN", up to 500 reports. An item without userId is answered `invalid` and stores nothing.
  {
    method: 'POST', path: () => '/event-gateway/user-events/process/batch', allowed: who('POST /event-gateway/user-events/process/batch'), allowedStatus: 200,
    body: () => ({ reports: [{ id: 'authz-table', eventType: 'invite', count: 1 }] })
  },
  // README extra: a USER checks in for themselves.
  { method: 'POST', path: () => '/event-gateway/user-events/check-in', allowed: who('POST /event-gateway/user-events/check-in'), allowedStatus: 200 },

  // "OPERATOR, AUDITOR, ADMIN": the reward history.
  { method: 'GET', path: () => '/event-gateway/user-reward-claims', allowed: who('GET /event-gateway/user-reward-claims'), allowedStatus: 200 },
  // "USER (self)": only players claim. A reward that does not exist → 404 from the handler.
  { method: 'POST', path: () => '/event-gateway/user-reward-claims', allowed: who('POST /event-gateway/user-reward-claims'), allowedStatus: 404, body: () => ({ rewardsId: NO_SUCH_ID }) },
  { method: 'GET', path: () => '/event-gateway/user-reward-claims/me', allowed: who('GET /event-gateway/user-reward-claims/me'), allowedStatus: 200 },
  // README extra, "owner, staff": the USER asks for their own claim, staff read any; machine
  // accounts read no claims (SERVICE: "no claims"; DELIVERY: "nothing else").
  { method: 'GET', path: () => `/event-gateway/user-reward-claims/${fixture.claimOfUser}`, allowed: who('GET /event-gateway/user-reward-claims/:id'), allowedStatus: 200 },
  // "OPERATOR, ADMIN": approve and reject. A claim that does not exist → 404 from the handler.
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${NO_SUCH_ID}/approve`, allowed: who('PATCH /event-gateway/user-reward-claims/:id/approve'), allowedStatus: 404 },
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${NO_SUCH_ID}/reject`, allowed: who('PATCH /event-gateway/user-reward-claims/:id/reject'), allowedStatus: 404, body: () => ({ reason: 'table' }) },
  // SPEC v2: "failed → processing (operator retry)", "failed → completed (operator resolve)" — OPERATOR, ADMIN.
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${NO_SUCH_ID}/retry`, allowed: who('PATCH /event-gateway/user-reward-claims/:id/retry'), allowedStatus: 404 },
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${NO_SUCH_ID}/resolve`, allowed: who('PATCH /event-gateway/user-reward-claims/:id/resolve'), allowedStatus: 404, body: () => ({ note: 'table' }) },
  // SPEC v2: only DELIVERY confirms a delivery; game servers (SERVICE) no longer can.
  { method: 'POST', path: () => `/event-gateway/user-reward-claims/${NO_SUCH_ID}/delivery`, allowed: who('POST /event-gateway/user-reward-claims/:id/delivery'), allowedStatus: 404, body: () => ({ status: 'completed' }) },
  // SPEC v2: "GET · PATCH /delivery — OPERATOR, AUDITOR, ADMIN (PATCH: ADMIN)". Resuming an unpaused delivery changes nothing.
  { method: 'GET', path: () => '/event-gateway/delivery', allowed: who('GET /event-gateway/delivery'), allowedStatus: 200 },
  { method: 'PATCH', path: () => '/event-gateway/delivery', allowed: who('PATCH /event-gateway/delivery'), allowedStatus: 200, body: () => ({ paused: false }) },
  // SPEC v2: stats and the eligibility dry run — OPERATOR, AUDITOR, ADMIN.
  { method: 'GET', path: () => `/event-gateway/event/${fixture.eventId}/stats`, allowed: who('GET /event-gateway/event/:id/stats'), allowedStatus: 200 },
  { method: 'GET', path: () => `/event-gateway/rewards/${fixture.rewardId}/eligibility?userId=${NO_SUCH_ID}`, allowed: who('GET /event-gateway/rewards/:id/eligibility'), allowedStatus: 200 },
  // SPEC v2: bulk decisions — OPERATOR, ADMIN. An id that names no claim: a 200 whose result says so.
  {
    method: 'POST', path: () => '/event-gateway/user-reward-claims/bulk-approve', allowed: who('POST /event-gateway/user-reward-claims/bulk-approve'), allowedStatus: 200,
    body: () => ({ ids: [NO_SUCH_ID] }), verify: (reply) => assert.equal(reply.body.results[0].code, 'CLAIM_NOT_FOUND')
  },
  {
    method: 'POST', path: () => '/event-gateway/user-reward-claims/bulk-reject', allowed: who('POST /event-gateway/user-reward-claims/bulk-reject'), allowedStatus: 200,
    body: () => ({ ids: [NO_SUCH_ID], reason: 'table' }), verify: (reply) => assert.equal(reply.body.results[0].code, 'CLAIM_NOT_FOUND')
  },
  // SPEC v2: granted rewards — "USER" (own) and "OPERATOR, AUDITOR, ADMIN" (any player's).
  { method: 'GET', path: () => '/event-gateway/user-rewards/me', allowed: who('GET /event-gateway/user-rewards/me'), allowedStatus: 200 },
  { method: 'GET', path: () => `/event-gateway/user-rewards?userId=${NO_SUCH_ID}`, allowed: who('GET /event-gateway/user-rewards'), allowedStatus: 200 },
  // SPEC v2: make-good grants — OPERATOR, ADMIN. Without the required Idempotency-Key the handler's schema answers 400: nothing granted.
  {
    method: 'POST', path: () => '/event-gateway/user-rewards/grants', allowed: who('POST /event-gateway/user-rewards/grants'), allowedStatus: 400,
    body: () => ({ userId: NO_SUCH_ID, contents: [{ type: 'point', amount: 1 }], reason: 'table' })
  },
  // SPEC v2: "GET /audit — AUDITOR, ADMIN: configuration audit log of the event service".
  { method: 'GET', path: () => '/event-gateway/audit', allowed: who('GET /event-gateway/audit'), allowedStatus: 200 }
]

/** The service that owns a gateway path, and the path there. */
function direct(path: string): { service: Call; path: string } {
  return path.startsWith('/event-gateway/')
    ? { service: attack.event, path: path.slice('/event-gateway'.length) }
    : { service: attack.auth, path }
}

describe('API5: every route × every role, as the SPEC says', () => {
  for (const via of ['gateway', 'service'] as const) {
    test(`through the ${via === 'gateway' ? 'gateway' : 'services directly'}`, async () => {
      const pending = await attack.db.event.collection('claims').countDocuments({ status: 'pending' })
      for (const route of TABLE) {
        for (const caller of CALLERS) {
          const label = `${route.method} ${route.path()} as ${caller} (${via})`
          await api5.check(label, async () => {
            const target = via === 'gateway' ? { service: attack.gateway, path: route.path() } : direct(route.path())
            const body = route.body ? await route.body(caller) : undefined
            const token = attack.token(caller)
            const reply = await target.service(route.method, target.path, { ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) })
            if (route.allowed.includes(caller)) {
              assert.equal(reply.status, route.allowedStatus, `${label}: allowed → ${route.allowedStatus}, got ${reply.status} ${reply.text.slice(0, 200)}`)
              route.verify?.(reply, caller)
            } else if (caller === 'anonymous') {
              assertProblem(reply, 401, label)
            } else {
              assertProblem(reply, 403, label)
            }
          })
        }
      }
      // Refused approvals moved nothing; allowed ones named a claim that does not exist.
      assert.equal(await attack.db.event.collection('claims').countDocuments({ status: 'pending' }), pending)
    })
  }

  test('the table names every route of the SPEC matrix', () => {
    const keyOf = (route: RouteCase) => `${route.method} ${route.path().split('?')[0]!.replace(/[0-9a-f]{24}/g, ':id')}`
    assert.deepEqual(TABLE.map(keyOf).sort(), Object.keys(SPEC_ROLE_MATRIX).sort())
  })

  test('what the allowed cells created is exactly what they were allowed to create', async () => {
    await api5.check('allowed creations counted', async () => {
      // POST /event and POST /rewards: 2 editors × 2 ways in; plus the fixture's one each.
      assert.equal(await attack.db.event.collection('events').countDocuments({ name: 'table' }), 4)
      assert.equal(await attack.db.event.collection('rewards').countDocuments({ 'contents.couponCode': 'TABLE' }), 4)
      // Progress reports: 3 roles × 2 ways in, all for the id that names nobody.
      assert.equal(await attack.db.event.collection('progress_reports').countDocuments({ userId: NO_SUCH_ID }), 6)
      // The roles target is still a USER, and no sign-up but an ADMIN's got a privileged role.
      const target = await attack.db.auth.collection('users').findOne({ email: fixture.target.email })
      assert.deepEqual(target?.roles, ['USER'])
      const signUps = await attack.db.auth.collection('users').find({ email: /^signup-/ }).toArray()
      assert.equal(signUps.length, CALLERS.length * 2)
      assert.equal(signUps.filter((user) => user.roles.includes('OPERATOR')).length, 2, 'one ADMIN sign-up per way in')
    })
  })

  test('deny by default: what the table does not list is not forwarded', async () => {
    const unlisted: Array<[string, string]> = [
      ['DELETE', `/event-gateway/event/${NO_SUCH_ID}`],
      ['PUT', `/event-gateway/event/${NO_SUCH_ID}`],
      ['DELETE', `/event-gateway/user-reward-claims/${NO_SUCH_ID}`],
      ['GET', '/auth/.well-known/jwks.json'],
      ['GET', '/event-gateway/metrics'],
      ['GET', '/event-gateway/api-docs/json'],
      ['DELETE', '/auth/users'],
      ['GET', `/auth/users/${NO_SUCH_ID}`],
      ['GET', '/auth/users/tags'],
      ['GET', '/admin']
    ]
    for (const [method, path] of unlisted) {
      await api5.check(`${method} ${path} is not forwarded`, async () => {
        assertProblem(await attack.gateway(method, path, { token: attack.actors.ADMIN.accessToken }), 404, `${method} ${path}`, 'ROUTE_NOT_FOUND')
      })
    }
  })

  test('path tricks do not reach a route the caller may not call', async () => {
    const token = attack.actors.USER.accessToken
    // Each one, if normalised after the access check, would land on a staff-only or auth route.
    // [method, raw path, status]: 404 where no route matches; 400 where a route matches but the
    // id is malformed or holds a path the proxy will not build; 403 where the matched route is
    // one a USER may not call. Never a 2xx, never another route's answer.
    const tricks: Array<[string, string, number]> = [
      ['GET', '/event-gateway/%2e%2e/auth/users/me', 404],
      ['GET', '/event-gateway/../auth/users/me', 404],
      ['GET', '/event-gateway/..%2fauth/users/me', 404],
      ['GET', '/event-gateway/user-reward-claims/%2e', 400],
      ['GET', '/event-gateway/user-reward-claims/.', 400],
      ['GET', '/event-gateway/user-reward-claims/me/..', 404],
      ['GET', '/event-gateway/user-reward-claims/me%2f..%2f..%2fuser-reward-claims', 400],
      ['GET', '/event-gateway/event/..%2f..%2fuser-reward-claims', 400],
      ['GET', '/event-gateway/event/%2e%2e', 400],
      ['GET', '/event-gateway//user-reward-claims', 404],
      ['GET', '/EVENT-GATEWAY/user-reward-claims', 404],
      ['GET', '/event-gateway/user-reward-claims;/me', 404],
      ['PATCH', `/event-gateway/user-reward-claims/%2e%2e/${fixture.claimOfOther}/approve`, 404],
      ['PATCH', '/event-gateway/user-reward-claims/%2e%2e/approve', 403],
      ['POST', '/event-gateway/user-events/check-in/..%2fprocess', 404]
    ]
    const before = await attack.snapshot()
    for (const [method, path, status] of tricks) {
      await api5.check(`USER ${method} ${path} (raw path) → ${status}`, async () => {
        assertProblem(await rawRequest(attack.system.url('gateway'), method, path, { authorization: `Bearer ${token}` }), status, `${method} ${path}`)
      })
    }
    await api5.check('path tricks changed nothing', () => assertUnchanged(attack, before, 'path tricks'))
  })
})

// ---- API1: another user's objects --------------------------------------------------------------

describe('API1: a player reaches for another player\'s objects', () => {
  test('every id- or userId-taking route refuses, and nothing changes', async () => {
    const { actors } = attack
    const player = actors.USER.accessToken
    const otherId = actors.other.id
    const claim = fixture.claimOfOther
    const before = await attack.snapshot()

    const attempts: Array<[string, string, number, unknown?]> = [
      ['GET', `/event-gateway/user-reward-claims/${claim}`, 403],
      ['PATCH', `/event-gateway/user-reward-claims/${claim}/approve`, 403],
      ['PATCH', `/event-gateway/user-reward-claims/${claim}/reject`, 403, { reason: 'mine now' }],
      ['POST', `/event-gateway/user-reward-claims/${claim}/delivery`, 403, { status: 'failed', error: 'sabotage' }],
      ['GET', `/event-gateway/user-events?userId=${otherId}`, 403],
      ['GET', `/event-gateway/user-events?userId=${otherId}&eventId=${fixture.eventId}`, 403],
      ['GET', `/event-gateway/user-reward-claims?userId=${otherId}`, 403],
      // /me is the caller's own; naming someone else there is not a parameter it takes.
      ['GET', `/event-gateway/user-reward-claims/me?userId=${otherId}`, 400],
      ['POST', '/event-gateway/user-reward-claims', 403, { userId: otherId, rewardsId: fixture.rewardId }],
      ['POST', '/event-gateway/user-events/process', 403, { eventType: 'attendance', userId: otherId }],
      // Even for themselves: a player who could report progress could award themselves anything.
      ['POST', '/event-gateway/user-events/process', 403, { eventType: 'purchase', userId: actors.USER.id, count: 1_000_000 }],
      ['PATCH', `/auth/users/${otherId}/roles`, 403, { roles: ['USER'] }],
      ['PATCH', `/auth/users/${actors.USER.id}/roles`, 403, { roles: ['ADMIN'] }]
    ]
    for (const [method, path, status, body] of attempts) {
      for (const via of ['gateway', 'service'] as const) {
        const label = `USER → ${method} ${path} (${via})`
        await api1.check(label, async () => {
          const target = via === 'gateway' ? { service: attack.gateway, path } : direct(path)
          const reply = await target.service(method, target.path, { token: player, ...(body !== undefined ? { body } : {}) })
          assertProblem(reply, status, label)
          // Nothing about the other player comes back (the request's own path aside).
          const { instance: _echoedPath, ...rest } = reply.body
          assert.ok(!JSON.stringify(rest).includes(otherId) || reply.status === 400, `${label}: the reply names the other player`)
        })
      }
    }
    await api1.check('the other player\'s claim, progress and account are untouched', () => assertUnchanged(attack, before, 'API1'))
  })

  test('staff roles reach only as far as their role: no self-promotion, no approving for AUDITOR or SERVICE, nothing of players for SERVICE', async () => {
    const { actors } = attack
    const before = await attack.snapshot()
    const attempts: Array<[RoleName, string, string, unknown?]> = [
      ['OPERATOR', 'PATCH', `/auth/users/${actors.OPERATOR.id}/roles`, { roles: ['ADMIN'] }],
      ['AUDITOR', 'PATCH', `/auth/users/${actors.AUDITOR.id}/roles`, { roles: ['ADMIN'] }],
      ['SERVICE', 'PATCH', `/auth/users/${actors.SERVICE.id}/roles`, { roles: ['ADMIN'] }],
      ['AUDITOR', 'PATCH', `/event-gateway/user-reward-claims/${fixture.claimOfOther}/approve`],
      ['AUDITOR', 'PATCH', `/event-gateway/user-reward-claims/${fixture.claimOfOther}/reject`, { reason: 'read-only role' }],
      ['SERVICE', 'PATCH', `/event-gateway/user-reward-claims/${fixture.claimOfOther}/approve`],
      ['OPERATOR', 'POST', `/event-gateway/user-reward-claims/${fixture.claimOfOther}/delivery`, { status: 'completed' }],
      ['AUDITOR', 'PATCH', `/event-gateway/event/${fixture.eventId}`, { activate: false }],
      ['AUDITOR', 'POST', '/event-gateway/user-events/process', { eventType: 'attendance', userId: actors.other.id }],
      // SERVICE (game servers): "Nothing of players: no claims, no progress, no accounts".
      ['SERVICE', 'GET', `/event-gateway/user-reward-claims?userId=${actors.other.id}`],
      ['SERVICE', 'GET', `/event-gateway/user-reward-claims/${fixture.claimOfOther}`],
      ['SERVICE', 'GET', '/event-gateway/user-reward-claims/me'],
      ['SERVICE', 'GET', `/event-gateway/user-events?userId=${actors.other.id}`],
      ['SERVICE', 'GET', '/event-gateway/user-events'],
      ['SERVICE', 'GET', '/auth/users/me'],
      // Staff are not players: they cannot claim, not even for a player.
      ['OPERATOR', 'POST', '/event-gateway/user-reward-claims', { userId: actors.other.id, rewardsId: fixture.rewardId }],
      ['ADMIN', 'POST', '/event-gateway/user-reward-claims', { userId: actors.other.id, rewardsId: fixture.rewardId }]
    ]
    for (const [role, method, path, body] of attempts) {
      for (const via of ['gateway', 'service'] as const) {
        const label = `${role} → ${method} ${path} (${via})`
        await api1.check(label, async () => {
          const target = via === 'gateway' ? { service: attack.gateway, path } : direct(path)
          assertProblem(await target.service(method, target.path, { token: actors[role].accessToken, ...(body !== undefined ? { body } : {}) }), 403, label)
        })
      }
    }
    await api1.check('roles, claims and events are untouched', () => assertUnchanged(attack, before, 'API1 staff'))
  })

  test('what a player reads is only their own: /me, progress, a claim id of the wrong kind', async () => {
    const { gateway, actors } = attack
    await api1.check('/me lists only the caller\'s claims', async () => {
      const mine = await gateway('GET', '/event-gateway/user-reward-claims/me?limit=100', { token: actors.USER.accessToken })
      assert.equal(mine.status, 200)
      assert.deepEqual(mine.body.items.map((item: { id: string }) => item.id), [fixture.claimOfUser])
      assert.ok(mine.body.items.every((item: { userId: string }) => item.userId === actors.USER.id))
    })
    await api1.check('progress without userId is the caller\'s only', async () => {
      const progress = await gateway('GET', '/event-gateway/user-events?limit=100', { token: actors.USER.accessToken })
      assert.equal(progress.status, 200)
      assert.ok(progress.body.items.length > 0)
      assert.ok(progress.body.items.every((item: { userId: string }) => item.userId === actors.USER.id))
    })
    await api1.check('naming oneself is fine', async () => {
      const own = await gateway('GET', `/event-gateway/user-events?userId=${actors.USER.id}&eventId=${fixture.eventId}`, { token: actors.USER.accessToken })
      assert.equal(own.status, 200)
      assert.equal(own.body.items[0].userId, actors.USER.id)
    })
    await api1.check('an event id used as a claim id finds nothing', async () => {
      assertProblem(await gateway('GET', `/event-gateway/user-reward-claims/${fixture.eventId}`, { token: actors.USER.accessToken }), 404, 'event id as claim id')
    })
    await api1.check('/auth/users/me is the token\'s account whatever else is sent', async () => {
      const me = await gateway('GET', `/auth/users/me?id=${actors.other.id}`, { token: actors.USER.accessToken })
      assert.equal(me.status, 200, me.text)
      assert.equal(me.body.id, actors.USER.id)
    })
  })

  test('a check-in with another player\'s id in the body counts for the caller only', async () => {
    const { gateway, actors, db } = attack
    const otherProgress = await db.event.collection('progress').findOne({ userId: actors.other.id })
    await api1.check('check-in ignores a body naming someone else', async () => {
      const reply = await gateway('POST', '/event-gateway/user-events/check-in', {
        token: actors.USER.accessToken,
        body: { userId: actors.other.id, eventType: 'purchase', count: 1_000_000 }
      })
      // The route takes no body: whatever is sent is ignored, and the caller checks in.
      assert.equal(reply.status, 200, reply.text)
      assert.deepEqual(await db.event.collection('progress').findOne({ userId: actors.other.id }), otherProgress)
      const reports = await db.event.collection('progress_reports').countDocuments({ userId: actors.other.id, reportedBy: actors.USER.id })
      assert.equal(reports, 0)
    })
  })
})

test('no reply in this suite carried a password, a password hash or a refresh-token hash', async () => {
  await api1.check('no secrets in any reply', async () => {
    assert.ok((await assertNoSecretsLeaked(attack)) > 100)
  })
})
