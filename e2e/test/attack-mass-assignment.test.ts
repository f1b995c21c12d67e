/**
 * OWASP API3 (broken object property level authorization): mass assignment. Every create and
 * update body is sent with fields the caller must not set — `role`, `status`, `userId`, `_id`,
 * `createdBy` and friends, at the top level and nested — and each is refused (400, naming the
 * field) or, where the SPEC says a field is accepted and ignored, ignored. The databases are
 * compared before and after, and what is stored is checked field by field. No reply carries a
 * password or a token hash.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Document } from 'mongodb'
import { eventually } from './helpers.js'
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
  type RoleName
} from './attack-kit.js'

const tally = createSuiteTally('attack: API3 mass assignment')

let attack: AttackSystem
const fixture = { approvalEventId: '', pendingClaim: '', autoEventId: '', autoRewardId: '', target: '' }

before(async () => {
  attack = await startAttackSystem()
  const { gateway, actors } = attack
  const operator = actors.OPERATOR.accessToken
  const createEvent = async (requireApproval: boolean) => {
    const event = await gateway('POST', '/event-gateway/event', {
      token: operator, body: { name: `mass-${requireApproval}`, ...openWindow(), requireApproval, contents: [{ type: 'attendance', count: 1 }] }
    })
    assert.equal(event.status, 201, event.text)
    const reward = await gateway('POST', '/event-gateway/rewards', {
      token: operator, body: { eventId: event.body.id, contents: [{ type: 'item', itemName: 'box', quantity: 1 }] }
    })
    assert.equal(reward.status, 201, reward.text)
    return { eventId: event.body.id as string, rewardId: reward.body.id as string }
  }
  const approval = await createEvent(true)
  const auto = await createEvent(false)
  // Both players meet both events' condition; `other` has a pending claim on the approval event.
  for (const player of [actors.USER, actors.other]) {
    assert.equal((await gateway('POST', '/event-gateway/user-events/check-in', { token: player.accessToken })).status, 200)
  }
  const pending = await gateway('POST', '/event-gateway/user-reward-claims', { token: actors.other.accessToken, body: { rewardsId: approval.rewardId } })
  assert.equal(pending.status, 201, pending.text)
  const target = await gateway('POST', '/auth/users', { body: { email: 'mass-target@attack.test', password: 'mass-target-password' } })
  assert.equal(target.status, 201)
  Object.assign(fixture, { approvalEventId: approval.eventId, pendingClaim: pending.body.id, autoEventId: auto.eventId, autoRewardId: auto.rewardId, target: target.body.id })
})
after(() => attack?.stop())

interface BodyRoute {
  name: string
  method: string
  /** The gateway path; the direct service path follows from it. */
  path: () => string
  caller: RoleName | 'anonymous'
  /** A body the route accepts as it is. */
  valid: () => Record<string, unknown>
  /** Fields the caller must not set, each tried on its own. */
  forbidden: Record<string, unknown>
}

let emails = 0
const signUpBody = () => ({ email: `mass-${emails++}@attack.test`, password: 'mass-password' })
const eventBody = () => ({ name: 'mass', ...openWindow(), contents: [{ type: 'attendance', count: 1 }] })
const OWNERSHIP = { _id: NO_SUCH_ID, id: NO_SUCH_ID, createdBy: NO_SUCH_ID, createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-01T00:00:00.000Z' }

const ROUTES: BodyRoute[] = [
  {
    name: 'public sign-up', method: 'POST', path: () => '/auth/users', caller: 'anonymous', valid: signUpBody,
    forbidden: { ...OWNERSHIP, status: 'active', userId: NO_SUCH_ID, passwordHash: '$argon2id$v=19$m=1,t=1,p=1$x$y', isAdmin: true, permissions: ['*'], tags: ['vip'] }
  },
  {
    name: 'ADMIN creating an account', method: 'POST', path: () => '/auth/users', caller: 'ADMIN', valid: signUpBody,
    forbidden: { _id: NO_SUCH_ID, passwordHash: 'x', createdBy: NO_SUCH_ID, status: 'active' }
  },
  {
    name: 'tag change', method: 'PATCH', path: () => `/auth/users/${fixture.target}/tags`, caller: 'OPERATOR', valid: () => ({ tags: ['vip'] }),
    forbidden: { roles: ['ADMIN'], email: 'taken@attack.test', disabled: true, tagWrites: [NO_SUCH_ID], _id: NO_SUCH_ID }
  },
  {
    name: 'bulk tagging', method: 'POST', path: () => '/auth/users/tags', caller: 'OPERATOR', valid: () => ({ ids: [fixture.target], add: ['vip'] }),
    forbidden: { roles: ['ADMIN'], tags: ['vip'], actor: NO_SUCH_ID, disabled: true }
  },
  {
    name: 'role change', method: 'PATCH', path: () => `/auth/users/${fixture.target}/roles`, caller: 'ADMIN', valid: () => ({ roles: ['USER'] }),
    forbidden: { email: 'taken@attack.test', passwordHash: 'x', _id: NO_SUCH_ID, status: 'disabled' }
  },
  {
    name: 'login', method: 'POST', path: () => '/auth/login', caller: 'anonymous', valid: () => ({ email: 'mass-target@attack.test', password: 'mass-target-password' }),
    forbidden: { role: 'ADMIN', roles: ['ADMIN'], isAdmin: true, userId: NO_SUCH_ID }
  },
  {
    name: 'refresh', method: 'POST', path: () => '/auth/refresh', caller: 'anonymous', valid: () => ({ refreshToken: 'r'.repeat(43) }),
    forbidden: { userId: NO_SUCH_ID, sessionId: NO_SUCH_ID, roles: ['ADMIN'] }
  },
  {
    name: 'logout', method: 'POST', path: () => '/auth/logout', caller: 'anonymous', valid: () => ({ refreshToken: 'r'.repeat(43) }),
    forbidden: { userId: NO_SUCH_ID, sessionId: NO_SUCH_ID }
  },
  {
    name: 'create event', method: 'POST', path: () => '/event-gateway/event', caller: 'OPERATOR', valid: eventBody,
    forbidden: { ...OWNERSHIP, status: 'approved', role: 'ADMIN', author: NO_SUCH_ID, countedConditions: [{ type: 'quest', questId: 'q-1' }] }
  },
  {
    name: 'update event', method: 'PATCH', path: () => `/event-gateway/event/${fixture.approvalEventId}`, caller: 'OPERATOR', valid: () => ({ description: 'mass' }),
    // SPEC v2 makes requireApproval, audience and (before any activity) contents and timezone editable; what the service keeps stays out.
    forbidden: { ...OWNERSHIP, countedConditions: [{ type: 'quest', questId: 'q-1' }], status: 'open', userId: NO_SUCH_ID }
  },
  {
    name: 'create reward', method: 'POST', path: () => '/event-gateway/rewards', caller: 'OPERATOR',
    valid: () => ({ eventId: fixture.autoEventId, contents: [{ type: 'point', amount: 1 }] }),
    forbidden: { ...OWNERSHIP, status: 'granted', role: 'ADMIN', stockLeft: 1_000_000 }
  },
  {
    name: 'update reward', method: 'PATCH', path: () => `/event-gateway/rewards/${fixture.autoRewardId}`, caller: 'OPERATOR', valid: () => ({ active: true }),
    // `stock` is editable; `stockLeft` follows it and is never set directly; the bundle stays on its event.
    forbidden: { ...OWNERSHIP, stockLeft: 1_000_000, eventId: NO_SUCH_ID, status: 'granted' }
  },
  {
    name: 'report progress', method: 'POST', path: () => '/event-gateway/user-events/process', caller: 'SERVICE',
    valid: () => ({ eventType: 'invite', userId: NO_SUCH_ID, count: 1 }),
    forbidden: { ...OWNERSHIP, reportedBy: NO_SUCH_ID, state: { invite: { total: 1_000_000 } }, status: 'done', appliedAt: '2020-01-01T00:00:00.000Z', key: 'k' }
  },
  {
    // The USER meets this event's condition and has not claimed it: an accepted extra field would store a claim.
    name: 'claim', method: 'POST', path: () => '/event-gateway/user-reward-claims', caller: 'USER', valid: () => ({ rewardsId: fixture.autoRewardId }),
    forbidden: {
      ...OWNERSHIP, status: 'completed', eventId: fixture.autoEventId, rewards: [{ type: 'point', amount: 1_000_000 }],
      delivery: { attempts: 0, completedAt: '2020-01-01T00:00:00.000Z' }, reason: 'x', role: 'ADMIN',
      slot: 'reward:forged:all', periodKey: 'forged', stockTaken: true
    }
  },
  {
    // The claim is pending: an accepted extra field would reject it.
    name: 'reject claim', method: 'PATCH', path: () => `/event-gateway/user-reward-claims/${fixture.pendingClaim}/reject`, caller: 'OPERATOR',
    valid: () => ({ reason: 'mass' }),
    forbidden: { status: 'completed', _id: NO_SUCH_ID, by: NO_SUCH_ID, from: 'processing', to: 'completed', userId: NO_SUCH_ID }
  },
  {
    name: 'delivery confirmation (completed)', method: 'POST', path: () => `/event-gateway/user-reward-claims/${fixture.pendingClaim}/delivery`, caller: 'DELIVERY',
    valid: () => ({ status: 'completed' }),
    forbidden: { userId: NO_SUCH_ID, _id: NO_SUCH_ID, rewards: [{ type: 'point', amount: 1 }], reason: 'x', attempts: 0, error: 'x' }
  },
  {
    name: 'delivery confirmation (failed)', method: 'POST', path: () => `/event-gateway/user-reward-claims/${fixture.pendingClaim}/delivery`, caller: 'DELIVERY',
    valid: () => ({ status: 'failed', reason: 'x' }),
    forbidden: { userId: NO_SUCH_ID, _id: NO_SUCH_ID, status2: 'completed', completedAt: '2020-01-01T00:00:00.000Z' }
  }
]

/** Nested extras: inside the union members of conditions and reward contents. */
const NESTED: Array<{ name: string; path: string; caller: RoleName; body: () => Record<string, unknown>; field: string }> = [
  { name: 'condition with createdBy', path: '/event-gateway/event', caller: 'OPERATOR', field: 'createdBy', body: () => ({ ...eventBody(), contents: [{ type: 'attendance', count: 1, createdBy: NO_SUCH_ID }] }) },
  { name: 'condition with a field of another branch', path: '/event-gateway/event', caller: 'OPERATOR', field: 'questId', body: () => ({ ...eventBody(), contents: [{ type: 'attendance', count: 1, questId: 'q-1' }] }) },
  { name: 'condition with progress state', path: '/event-gateway/event', caller: 'OPERATOR', field: 'done', body: () => ({ ...eventBody(), contents: [{ type: 'quest', questId: 'q-1', done: true }] }) },
  { name: 'reward part with userId', path: '/event-gateway/rewards', caller: 'OPERATOR', field: 'userId', body: () => ({ eventId: fixture.autoEventId, contents: [{ type: 'point', amount: 1, userId: NO_SUCH_ID }] }) },
  { name: 'reward part with a granted flag', path: '/event-gateway/rewards', caller: 'OPERATOR', field: 'granted', body: () => ({ eventId: fixture.autoEventId, contents: [{ type: 'item', itemName: 'x', quantity: 1, granted: true }] }) }
]

/** A claim's audit trail as `from→to` steps, oldest first. */
async function trailOf(claimId: unknown): Promise<string[]> {
  const steps = await attack.db.event.collection('claim_transitions').find({ claimId }).sort({ at: 1, _id: 1 }).toArray()
  return steps.map((step) => `${step.from}→${step.to}`)
}

function direct(path: string): { service: Call; path: string } {
  return path.startsWith('/event-gateway/')
    ? { service: attack.event, path: path.slice('/event-gateway'.length) }
    : { service: attack.auth, path }
}

describe('API3: fields a caller must not set', () => {
  test('every forbidden field in every create/update body is a 400 naming it, and nothing is stored', async () => {
    const before = await attack.snapshot()
    for (const route of ROUTES) {
      for (const [field, value] of Object.entries(route.forbidden)) {
        for (const via of ['gateway', 'service'] as const) {
          const label = `${route.name}: ${field} (${via})`
          await tally.check(label, async () => {
            const target = via === 'gateway' ? { service: attack.gateway, path: route.path() } : direct(route.path())
            const token = attack.token(route.caller)
            const reply = await target.service(route.method, target.path, { ...(token ? { token } : {}), body: { ...route.valid(), [field]: value } })
            assertProblem(reply, 400, label, 'VALIDATION_FAILED')
            assert.ok(
              reply.body.errors?.some((error: { field: string }) => error.field.split('.').includes(field)),
              `${label}: the error names ${field}: ${reply.text}`
            )
          })
        }
      }
    }
    for (const nested of NESTED) {
      for (const via of ['gateway', 'service'] as const) {
        const label = `${nested.name} (${via})`
        await tally.check(label, async () => {
          const target = via === 'gateway' ? { service: attack.gateway, path: nested.path } : direct(nested.path)
          const reply = await target.service('POST', target.path, { token: attack.token(nested.caller)!, body: nested.body() })
          assertProblem(reply, 400, label, 'VALIDATION_FAILED')
          assert.match(reply.text, new RegExp(nested.field), `${label}: the error names ${nested.field}`)
        })
      }
    }
    for (const [name, raw] of [
      ['__proto__ with roles', '{"email":"proto@attack.test","password":"proto-password","__proto__":{"roles":["ADMIN"]}}'],
      ['constructor.prototype with roles', '{"email":"ctor@attack.test","password":"ctor-password","constructor":{"prototype":{"roles":["ADMIN"]}}}']
    ] as const) {
      for (const [via, call] of [['gateway', attack.gateway], ['auth', attack.auth]] as const) {
        await tally.check(`sign-up with ${name} (${via})`, async () => {
          assertProblem(await call('POST', '/auth/users', { raw }), 400, `${name} (${via})`)
        })
      }
    }
    await tally.check('refused bodies stored nothing', () => assertUnchanged(attack, before, 'API3'))
  })

  test('the valid bodies the table used are accepted: the refusals above were about the extra field', async () => {
    // The pending claim and the role target are left alone here; the rest is safe to apply.
    for (const route of ROUTES.filter((candidate) => !['reject claim', 'role change', 'refresh', 'logout'].includes(candidate.name) && !candidate.name.startsWith('delivery'))) {
      await tally.check(`${route.name}: the plain body passes`, async () => {
        const token = attack.token(route.caller)
        const reply = await attack.gateway(route.method, route.path(), { ...(token ? { token } : {}), body: route.valid() })
        const created = route.method === 'POST' && !['login', 'report progress', 'bulk tagging'].includes(route.name)
        assert.equal(reply.status, created ? 201 : 200, `${route.name}: ${reply.text.slice(0, 200)}`)
      })
    }
    await tally.check('the claim made with the plain body went the server\'s way: processing, then delivered', async () => {
      const claim = await eventually(
        () => attack.db.event.collection('claims').findOne({ userId: attack.actors.USER.id }),
        (found) => found?.status === 'completed'
      )
      assert.equal(claim?.status, 'completed')
      assert.deepEqual(claim?.rewards, [{ type: 'item', itemName: 'box', quantity: 1 }])
      assert.deepEqual(await trailOf(claim?._id), ['null→processing', 'processing→completed'])
    })
  })
})

describe('API3: fields the SPEC accepts and ignores', () => {
  test('sign-up: roles and role in the body never grant a privileged role, except with an ADMIN token', async () => {
    const { gateway, auth, actors, db } = attack
    const attempts: Array<[string, Call, string | undefined, Record<string, unknown>, string[]]> = [
      ['public, roles ADMIN', gateway, undefined, { roles: ['ADMIN'] }, ['USER']],
      ['public, role ADMIN', gateway, undefined, { role: 'ADMIN' }, ['USER']],
      ['public, every role', gateway, undefined, { roles: ['USER', 'OPERATOR', 'AUDITOR', 'ADMIN', 'SERVICE'] }, ['USER']],
      ['public at the auth service', auth, undefined, { roles: ['ADMIN'], role: 'SERVICE' }, ['USER']],
      ['an OPERATOR\'s token, roles ADMIN', gateway, actors.OPERATOR.accessToken, { roles: ['ADMIN'] }, ['USER']],
      ['an AUDITOR\'s token, role OPERATOR', gateway, actors.AUDITOR.accessToken, { role: 'OPERATOR' }, ['USER']],
      ['a SERVICE token, roles SERVICE', auth, actors.SERVICE.accessToken, { roles: ['SERVICE'] }, ['USER']],
      ['an ADMIN\'s token, roles AUDITOR', gateway, actors.ADMIN.accessToken, { roles: ['AUDITOR'] }, ['AUDITOR']]
    ]
    for (const [name, call, token, extra, roles] of attempts) {
      await tally.check(`sign-up, ${name} → ${roles.join(',')}`, async () => {
        const body = { ...signUpBody(), ...extra }
        const reply = await call('POST', '/auth/users', { ...(token ? { token } : {}), body })
        assert.equal(reply.status, 201, reply.text)
        assert.deepEqual(reply.body.roles, roles)
        const stored = await db.auth.collection('users').findOne({ email: body.email })
        assert.deepEqual(stored?.roles, roles)
      })
    }
    await tally.check('sign-up with an expired-looking (invalid) token is a 401, not a quiet USER', async () => {
      const email = signUpBody().email
      assertProblem(await gateway('POST', '/auth/users', { token: 'not-a-token', body: { email, password: 'mass-password', roles: ['ADMIN'] } }), 401, 'bad token')
      assert.equal(await db.auth.collection('users').countDocuments({ email }), 0)
    })
  })

  test('userId in event and reward bodies: the author is the token\'s sub, the body value is not stored', async () => {
    const { gateway, actors, db } = attack
    await tally.check('event author', async () => {
      const reply = await gateway('POST', '/event-gateway/event', { token: actors.OPERATOR.accessToken, body: { ...eventBody(), name: 'authored', userId: actors.ADMIN.id } })
      assert.equal(reply.status, 201, reply.text)
      assert.equal(reply.body.createdBy, actors.OPERATOR.id)
      const stored = await db.event.collection('events').findOne({ name: 'authored' })
      assert.equal(stored?.createdBy, actors.OPERATOR.id)
      assert.equal('userId' in (stored ?? {}), false)
    })
    await tally.check('reward author', async () => {
      const reply = await gateway('POST', '/event-gateway/rewards', {
        token: actors.OPERATOR.accessToken, body: { eventId: fixture.autoEventId, userId: actors.ADMIN.id, contents: [{ type: 'currency', currency: 'AUTHORED', amount: 1 }] }
      })
      assert.equal(reply.status, 201, reply.text)
      const stored = await db.event.collection('rewards').findOne({ 'contents.currency': 'AUTHORED' })
      assert.equal(stored?.createdBy, actors.OPERATOR.id)
      assert.equal('userId' in (stored ?? {}), false)
    })
  })

  test('routes without a body ignore one: check-in and approve do what they always do', async () => {
    const { gateway, actors, db } = attack
    await tally.check('check-in with a forged report body counts one attendance for the caller', async () => {
      const before = await db.event.collection('progress_reports').countDocuments()
      const reply = await gateway('POST', '/event-gateway/user-events/check-in', {
        token: actors.other.accessToken, body: { eventType: 'purchase', count: 1_000_000, userId: actors.USER.id, reportedBy: actors.ADMIN.id }
      })
      assert.equal(reply.status, 200, reply.text)
      const reports = await db.event.collection('progress_reports').find().sort({ _id: -1 }).limit(1).toArray()
      assert.equal(await db.event.collection('progress_reports').countDocuments(), before + 1)
      assert.deepEqual(
        { eventType: reports[0]?.eventType, userId: reports[0]?.userId, reportedBy: reports[0]?.reportedBy, count: reports[0]?.count },
        { eventType: 'attendance', userId: actors.other.id, reportedBy: actors.other.id, count: 1 }
      )
    })
    await tally.check('approve with a body asking for another outcome moves pending → processing, nothing else', async () => {
      const reply = await gateway('PATCH', `/event-gateway/user-reward-claims/${fixture.pendingClaim}/approve`, {
        token: actors.OPERATOR.accessToken, body: { status: 'rejected', reason: 'forged', userId: actors.USER.id, rewards: [{ type: 'point', amount: 1_000_000 }] }
      })
      assert.equal(reply.status, 200, reply.text)
      const claim = await eventually(
        () => db.event.collection('claims').findOne({ userId: actors.other.id }),
        (found) => found?.status === 'completed'
      )
      assert.equal(claim?.status, 'completed')
      assert.equal(claim?.reason, null)
      assert.deepEqual(claim?.rewards, [{ type: 'item', itemName: 'box', quantity: 1 }])
      assert.deepEqual(await trailOf(claim?._id), ['null→pending', 'pending→processing', 'processing→completed'])
    })
  })

  test('what is stored has exactly the fields the service writes', async () => {
    const { db } = attack
    // [collection, fields every document has, fields the service may add (the claim's audit outbox, an account's tags)]
    const shapes: Array<[string, () => Promise<Document[]>, string[], string[]]> = [
      // Tags once staff set them; the markers of the bulk tag requests that changed the account.
      ['users', () => db.auth.collection('users').find().toArray(), ['_id', 'email', 'passwordHash', 'roles', 'createdAt', 'updatedAt'], ['tags', 'tagWrites']],
      ['events', () => db.event.collection('events').find().toArray(), ['_id', 'name', 'description', 'activate', 'startedAt', 'endedAt', 'timezone', 'requireApproval', 'exclusiveRewards', 'contents', 'countedConditions', 'createdBy', 'createdAt', 'updatedAt'], ['version', 'audience']],
      ['rewards', () => db.event.collection('rewards').find().toArray(), ['_id', 'eventId', 'name', 'contents', 'conditions', 'active', 'stock', 'stockLeft', 'createdBy', 'createdAt'], ['version', 'updatedAt']],
      ['claims', () => db.event.collection('claims').find().toArray(), ['_id', 'userId', 'eventId', 'rewardId', 'slot', 'periodKey', 'status', 'rewards', 'reason', 'delivery', 'createdAt', 'updatedAt'], ['auditPending', 'stockTaken']]
    ]
    for (const [collection, read, required, optional] of shapes) {
      await tally.check(`${collection}: no field beyond the service's own`, async () => {
        const docs = await read()
        assert.ok(docs.length > 0)
        for (const doc of docs) {
          const keys = Object.keys(doc)
          assert.deepEqual(keys.filter((key) => !required.includes(key) && !optional.includes(key)), [], `${collection} ${String(doc._id)}: unexpected fields`)
          assert.deepEqual(required.filter((key) => !keys.includes(key)), [], `${collection} ${String(doc._id)}: missing fields`)
        }
      })
    }
  })
})

test('no reply in this suite carried a password, a password hash or a refresh-token hash', async () => {
  await tally.check('no secrets in any reply', async () => {
    assert.ok((await assertNoSecretsLeaked(attack)) > 100)
  })
})
