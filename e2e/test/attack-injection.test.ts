/**
 * NoSQL injection: MongoDB operator objects (`{"$ne": null}`, `{"$gt": ""}`, `{"$where": …}`,
 * …) in every field of every body, every query-string parameter and every id in a path are a
 * 400 from schema validation — before any handler, so no query runs with them — through the
 * gateway and at each service. Both databases are compared before and after: nothing was
 * read into a session, counted, claimed or stored. Strings that merely look like operators
 * are data: stored and returned as the same string, never interpreted.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSuiteTally } from './suite-tally.js'
import {
  NO_SUCH_ID,
  assertNoSecretsLeaked,
  assertProblem,
  assertUnchanged,
  openWindow,
  startAttackSystem,
  type AttackSystem,
  type Call,
  type Caller
} from './attack-kit.js'

const tally = createSuiteTally('attack: NoSQL injection')

let attack: AttackSystem
const fixture = { eventId: '', rewardId: '', claimId: '', target: '' }

before(async () => {
  attack = await startAttackSystem()
  const { gateway, actors } = attack
  const event = await gateway('POST', '/event-gateway/event', {
    token: actors.OPERATOR.accessToken,
    body: { name: 'injection', ...openWindow(), requireApproval: true, contents: [{ type: 'attendance', count: 1 }] }
  })
  assert.equal(event.status, 201, event.text)
  const reward = await gateway('POST', '/event-gateway/rewards', {
    token: actors.OPERATOR.accessToken, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 5 }] }
  })
  assert.equal(reward.status, 201, reward.text)
  assert.equal((await gateway('POST', '/event-gateway/user-events/check-in', { token: actors.other.accessToken })).status, 200)
  const claim = await gateway('POST', '/event-gateway/user-reward-claims', { token: actors.other.accessToken, body: { rewardsId: reward.body.id } })
  assert.equal(claim.status, 201, claim.text)
  // The USER has checked in too but not claimed: an injected claim body that got through would store one.
  assert.equal((await gateway('POST', '/event-gateway/user-events/check-in', { token: actors.USER.accessToken })).status, 200)
  Object.assign(fixture, { eventId: event.body.id, rewardId: reward.body.id, claimId: claim.body.id, target: actors.other.id })
})
after(() => attack?.stop())

/** What an attacker puts where a value belongs. */
const OPERATORS: Array<[string, unknown]> = [
  ['$ne null', { $ne: null }],
  ['$gt ""', { $gt: '' }],
  ['$where', { $where: 'sleep(1000) || true' }],
  ['$regex', { $regex: '.*' }],
  ['$in', { $in: [NO_SUCH_ID, 'admin@e2e.test'] }],
  ['$exists', { $exists: true }],
  // Coercion would unwrap a one-element array into its element; the element is still an object.
  ['[$ne null]', [{ $ne: null }]]
]

interface BodyRoute {
  method: string
  path: () => string
  caller: Caller
  valid: () => Record<string, unknown>
  /** Dotted paths of every field to poison, one at a time (`contents.0.count`). */
  fields: string[]
}

const eventBody = () => ({
  name: 'inj', description: 'd', activate: true, ...openWindow(), timezone: 'UTC', requireApproval: false, userId: NO_SUCH_ID,
  contents: [{ type: 'attendance', count: 1 }]
})

const ROUTES: BodyRoute[] = [
  { method: 'POST', path: () => '/auth/login', caller: 'anonymous', valid: () => ({ email: 'admin@e2e.test', password: 'x' }), fields: ['email', 'password'] },
  { method: 'POST', path: () => '/auth/users', caller: 'anonymous', valid: () => ({ email: 'inj@attack.test', password: 'inj-password', role: 'USER', roles: ['USER'] }), fields: ['email', 'password', 'role', 'roles', 'roles.0'] },
  { method: 'POST', path: () => '/auth/refresh', caller: 'anonymous', valid: () => ({ refreshToken: 'r'.repeat(43) }), fields: ['refreshToken'] },
  { method: 'POST', path: () => '/auth/logout', caller: 'anonymous', valid: () => ({ refreshToken: 'r'.repeat(43) }), fields: ['refreshToken'] },
  { method: 'PATCH', path: () => `/auth/users/${fixture.target}/roles`, caller: 'ADMIN', valid: () => ({ roles: ['USER'] }), fields: ['roles', 'roles.0'] },
  { method: 'PATCH', path: () => `/auth/users/${fixture.target}/tags`, caller: 'OPERATOR', valid: () => ({ tags: ['vip'] }), fields: ['tags', 'tags.0'] },
  { method: 'POST', path: () => '/auth/users/tags', caller: 'OPERATOR', valid: () => ({ ids: [fixture.target], add: ['vip'], remove: ['old'] }), fields: ['ids', 'ids.0', 'add', 'add.0', 'remove', 'remove.0'] },
  { method: 'POST', path: () => '/auth/users/tags', caller: 'OPERATOR', valid: () => ({ emails: ['admin@e2e.test'], add: ['vip'] }), fields: ['emails', 'emails.0'] },
  {
    method: 'POST', path: () => '/event-gateway/event', caller: 'OPERATOR', valid: eventBody,
    fields: ['name', 'description', 'activate', 'startedAt', 'endedAt', 'timezone', 'requireApproval', 'userId', 'contents', 'contents.0', 'contents.0.type', 'contents.0.count']
  },
  {
    method: 'PATCH', path: () => `/event-gateway/event/${fixture.eventId}`, caller: 'OPERATOR',
    valid: () => ({ name: 'inj', description: 'd', activate: true, ...openWindow() }), fields: ['name', 'description', 'activate', 'startedAt', 'endedAt']
  },
  {
    method: 'POST', path: () => '/event-gateway/rewards', caller: 'OPERATOR',
    valid: () => ({ eventId: fixture.eventId, userId: NO_SUCH_ID, contents: [{ type: 'item', itemName: 'x', quantity: 1 }] }),
    fields: ['eventId', 'userId', 'contents', 'contents.0.type', 'contents.0.itemName', 'contents.0.quantity']
  },
  {
    method: 'POST', path: () => '/event-gateway/user-events/process', caller: 'SERVICE',
    valid: () => ({ eventType: 'quest', userId: fixture.target, count: 1, value: 'q-1', occurredAt: new Date().toISOString() }),
    fields: ['eventType', 'userId', 'count', 'value', 'occurredAt']
  },
  { method: 'POST', path: () => '/event-gateway/user-reward-claims', caller: 'USER', valid: () => ({ userId: attack.actors.USER.id, rewardsId: fixture.rewardId }), fields: ['userId', 'rewardsId'] },
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${fixture.claimId}/reject`, caller: 'OPERATOR', valid: () => ({ reason: 'r' }), fields: ['reason'] },
  { method: 'POST', path: () => `/event-gateway/user-reward-claims/${fixture.claimId}/delivery`, caller: 'DELIVERY', valid: () => ({ status: 'failed', reason: 'e' }), fields: ['status', 'reason'] },
  { method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${fixture.claimId}/resolve`, caller: 'OPERATOR', valid: () => ({ note: 'n' }), fields: ['note'] },
  { method: 'PATCH', path: () => '/event-gateway/delivery', caller: 'ADMIN', valid: () => ({ paused: false }), fields: ['paused'] }
]

/** A copy of `body` with the value at the dotted `path` replaced. */
function poisoned(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body)
  const keys = path.split('.')
  let node: Record<string, unknown> = copy
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>
  node[keys.at(-1)!] = value
  return copy
}

function bothWays(path: string): Array<{ via: string; call: Call; path: string }> {
  return [
    { via: 'gateway', call: attack.gateway, path },
    path.startsWith('/event-gateway/')
      ? { via: 'event', call: attack.event, path: path.slice('/event-gateway'.length) }
      : { via: 'auth', call: attack.auth, path }
  ]
}

describe('NoSQL injection', () => {
  test('operator objects in every body field are a 400, and no query ran with them', async () => {
    const before = await attack.snapshot()
    for (const route of ROUTES) {
      for (const field of route.fields) {
        for (const [name, value] of OPERATORS) {
          for (const { via, call, path } of bothWays(route.path())) {
            const label = `${route.method} ${route.path()} ${field} = ${name} (${via})`
            await tally.check(label, async () => {
              const token = attack.token(route.caller)
              assertProblem(await call(route.method, path, { ...(token ? { token } : {}), body: poisoned(route.valid(), field, value) }), 400, label, 'VALIDATION_FAILED')
            })
          }
        }
      }
    }
    for (const [name, raw] of [
      ['top-level $where', '{"email":"admin@e2e.test","password":"x","$where":"1"}'],
      ['top-level $or', '{"$or":[{"email":"admin@e2e.test"}],"email":"a@b.cd","password":"x"}'],
      ['dotted key', '{"email":"a@b.cd","password":"x","email.$":"admin@e2e.test"}']
    ] as const) {
      for (const { via, call, path } of bothWays('/auth/login')) {
        await tally.check(`login with ${name} (${via})`, async () => {
          assertProblem(await call('POST', path, { raw }), 400, `${name} (${via})`)
        })
      }
    }
    await tally.check('nothing was read into a session, counted, claimed or stored', () => assertUnchanged(attack, before, 'body injection'))
  })

  test('operators in every query-string parameter are a 400', async () => {
    const lists: Array<[string, string[], Caller]> = [
      ['/event-gateway/event', ['active', 'current', 'limit', 'cursor'], 'USER'],
      ['/event-gateway/rewards', ['eventId', 'limit', 'cursor'], 'USER'],
      ['/event-gateway/user-events', ['userId', 'eventId', 'limit', 'cursor'], 'USER'],
      ['/event-gateway/user-reward-claims', ['userId', 'eventId', 'status', 'from', 'to', 'limit', 'cursor'], 'AUDITOR'],
      ['/event-gateway/user-reward-claims/me', ['eventId', 'status', 'from', 'to', 'limit', 'cursor'], 'USER'],
      // `email` is a prefix taken literally: operator-looking text is data there (see the test below).
      ['/auth/users', ['role', 'tag', 'limit', 'cursor'], 'AUDITOR']
    ]
    const forms: Array<[string, (param: string) => string]> = [
      ['[$ne]=', (param) => `${param}[$ne]=x`],
      ['[$gt]=', (param) => `${param}[$gt]=`],
      ['[$regex]=', (param) => `${param}[$regex]=.*`],
      ['JSON operator', (param) => `${param}=${encodeURIComponent('{"$ne":null}')}`],
      ['$where string', (param) => `${param}=${encodeURIComponent("'; return true; var x='")}`],
      ['repeated', (param) => `${param}=${NO_SUCH_ID}&${param}=${NO_SUCH_ID}`]
    ]
    for (const [path, params, caller] of lists) {
      for (const param of params) {
        for (const [form, query] of forms) {
          // `limit=1&limit=1` is two equal integers; the rest is never valid for any parameter.
          if (form === 'repeated' && param === 'limit') continue
          for (const { via, call, path: target } of bothWays(path)) {
            const label = `GET ${path}?${param} ${form} (${via})`
            await tally.check(label, async () => {
              assertProblem(await call('GET', `${target}?${query(param)}`, { token: attack.token(caller)! }), 400, label)
            })
          }
        }
      }
    }
  })

  test('operators in every id in a path are a 400', async () => {
    const ids = ['{"$ne":null}', '{"$gt":""}', '$ne', '[object Object]', "682c1aaa6fb6c7f00ae8ae33' || '1'=='1", '.*', 'null', NO_SUCH_ID.slice(0, 23) + 'g']
    const routes: Array<[string, (id: string) => string, Caller, unknown?]> = [
      ['GET', (id) => `/event-gateway/event/${id}`, 'USER'],
      ['PATCH', (id) => `/event-gateway/event/${id}`, 'OPERATOR', { description: 'x' }],
      ['GET', (id) => `/event-gateway/rewards/${id}`, 'USER'],
      ['GET', (id) => `/event-gateway/user-reward-claims/${id}`, 'OPERATOR'],
      ['PATCH', (id) => `/event-gateway/user-reward-claims/${id}/approve`, 'OPERATOR'],
      ['PATCH', (id) => `/event-gateway/user-reward-claims/${id}/reject`, 'OPERATOR', { reason: 'x' }],
      ['PATCH', (id) => `/event-gateway/user-reward-claims/${id}/retry`, 'OPERATOR'],
      ['PATCH', (id) => `/event-gateway/user-reward-claims/${id}/resolve`, 'OPERATOR', { note: 'x' }],
      ['POST', (id) => `/event-gateway/user-reward-claims/${id}/delivery`, 'DELIVERY', { status: 'completed' }],
      ['PATCH', (id) => `/auth/users/${id}/roles`, 'ADMIN', { roles: ['USER'] }],
      ['PATCH', (id) => `/auth/users/${id}/status`, 'ADMIN', { disabled: false }],
      ['PATCH', (id) => `/auth/users/${id}/tags`, 'OPERATOR', { tags: [] }],
      ['DELETE', (id) => `/auth/users/${id}/sessions`, 'ADMIN']
    ]
    const before = await attack.snapshot()
    for (const [method, path, caller, body] of routes) {
      for (const id of ids) {
        for (const { via, call, path: target } of bothWays(path(encodeURIComponent(id)))) {
          const label = `${method} ${path(id)} (${via})`
          await tally.check(label, async () => {
            assertProblem(await call(method, target, { token: attack.token(caller)!, ...(body ? { body } : {}) }), 400, label, 'VALIDATION_FAILED')
          })
        }
      }
    }
    await tally.check('poisoned ids changed nothing', () => assertUnchanged(attack, before, 'id injection'))
  })

  test('strings that look like operators are data: stored and returned as written, never interpreted', async () => {
    const { gateway, actors, db } = attack
    const looksLikeOperators = ['{"$gt":""}', '$where', '$ne', 'this.roles == "ADMIN"', '{"$regex":".*"}']
    for (const text of looksLikeOperators) {
      await tally.check(`event name ${text} round-trips`, async () => {
        const created = await gateway('POST', '/event-gateway/event', { token: actors.OPERATOR.accessToken, body: { ...eventBody(), name: text } })
        assert.equal(created.status, 201, created.text)
        const read = await gateway('GET', `/event-gateway/event/${created.body.id}`, { token: actors.USER.accessToken })
        assert.equal(read.body.name, text)
        assert.equal((await db.event.collection('events').findOne({ name: text }))?.name, text)
      })
      await tally.check(`reward item ${text} round-trips`, async () => {
        const created = await gateway('POST', '/event-gateway/rewards', {
          token: actors.OPERATOR.accessToken, body: { eventId: fixture.eventId, contents: [{ type: 'item', itemName: text, quantity: 1 }] }
        })
        assert.equal(created.status, 201, created.text)
        assert.equal((await gateway('GET', `/event-gateway/rewards/${created.body.id}`, { token: actors.USER.accessToken })).body.contents[0].itemName, text)
      })
    }
    await tally.check('an Idempotency-Key that looks like an operator is a literal key, matching only itself', async () => {
      const report = (key: string) => gateway('POST', '/event-gateway/user-events/process', {
        token: actors.SERVICE.accessToken, body: { eventType: 'invite', userId: fixture.target, count: 1 }, headers: { 'idempotency-key': key }
      })
      const first = await report('{"$ne":null}')
      assert.equal(first.status, 200, first.text)
      assert.equal(first.body.duplicate, false)
      const other = await report('{"$gt":""}')
      assert.equal(other.body.duplicate, false, 'a different literal key is a different report')
      assert.equal((await report('{"$ne":null}')).body.duplicate, true, 'the same literal key is the same report')
      assert.equal(await db.event.collection('progress_reports').countDocuments({ key: { $in: ['{"$ne":null}', '{"$gt":""}'] } }), 2)
    })
    await tally.check('the directory\'s email prefix is text: operators and regex specials match only themselves', async () => {
      for (const text of ['{"$ne":null}', '{"$regex":".*"}', '.*', '.', '[a-z]', '^', '(', '\\', "'||'1'=='1", 'this.roles']) {
        for (const { via, call, path } of bothWays('/auth/users')) {
          const reply = await call('GET', `${path}?email=${encodeURIComponent(text)}`, { token: actors.AUDITOR.accessToken })
          assert.equal(reply.status, 200, `${text} (${via}): ${reply.text}`)
          assert.deepEqual(reply.body.items, [], `${text} (${via})`)
        }
      }
      const admin = await gateway('GET', `/auth/users?email=${encodeURIComponent('ADMIN@E2E.')}`, { token: actors.AUDITOR.accessToken })
      assert.deepEqual(admin.body.items.map((user: { email: string }) => user.email), ['admin@e2e.test'])
      assertProblem(await gateway('GET', '/auth/users?email[$regex]=.*', { token: actors.AUDITOR.accessToken }), 400, 'email[$regex]')
    })
    await tally.check('a login with an email that looks like an operator is just a wrong email', async () => {
      assertProblem(await gateway('POST', '/auth/login', { body: { email: '$ne@attack.test', password: 'x' } }), 401, 'operator-looking email', 'INVALID_CREDENTIALS')
    })
  })
})

test('no reply in this suite carried a password, a password hash or a refresh-token hash', async () => {
  await tally.check('no secrets in any reply', async () => {
    assert.ok((await assertNoSecretsLeaked(attack)) > 100)
  })
})
