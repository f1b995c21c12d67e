import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { SEED_EVENT } from '../src/schemas/events.js'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const player = actor('USER')
const ALL_CONDITIONS = [
  { type: 'attendance', count: 3 },
  { type: 'login_streak', days: 7 },
  { type: 'quest', questId: 'q-17' },
  { type: 'invite', count: 5 },
  { type: 'purchase', amount: 10_000 }
]

let service: TestService
before(async () => {
  service = await startService()
})
after(() => service.close())

const createEvent = (body: Record<string, unknown>) => service.call('POST', '/event', { token: operator.token, body })

describe('POST /event', () => {
  test('every condition type arrives whole, in order, and reads back the same', async () => {
    const created = await createEvent(eventBody({ contents: ALL_CONDITIONS, timezone: 'Asia/Seoul', requireApproval: false }))
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual(created.body.contents, ALL_CONDITIONS)
    const read = await service.call('GET', `/event/${created.body.id}`, { token: player.token })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.contents, ALL_CONDITIONS)
    assert.equal(read.body.timezone, 'Asia/Seoul')
    assert.equal(read.body.requireApproval, false)
  })

  test('defaults: UTC, active, no approval, empty description', async () => {
    const { userId: _author, activate: _activate, description: _description, requireApproval: _approval, ...minimal } = eventBody()
    const created = await createEvent(minimal)
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.timezone, 'UTC')
    assert.equal(created.body.activate, true)
    assert.equal(created.body.requireApproval, false)
    assert.equal(created.body.description, '')
  })

  test("the seed's body is accepted as written", async () => {
    const created = await createEvent(SEED_EVENT)
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.startedAt, SEED_EVENT.startedAt)
    assert.equal(created.body.createdBy, operator.id)
  })

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown condition type', eventBody({ contents: [{ type: 'raid', count: 1 }] }), 'body.contents.0'],
    ['a condition without its tag', eventBody({ contents: [{ count: 1 }] }), 'body.contents.0.type'],
    ['an extra field in a condition', eventBody({ contents: [{ type: 'attendance', count: 1, bonus: 2 }] }), 'body.contents.0.bonus'],
    ["another branch's field", eventBody({ contents: [{ type: 'quest', count: 1 }] }), 'body.contents.0.questId'],
    ['a questId that cannot be a state key', eventBody({ contents: [{ type: 'quest', questId: 'a.b' }] }), 'body.contents.0.questId'],
    ['an extra top-level field', eventBody({ owner: 'me' }), 'body.owner'],
    ['no conditions', eventBody({ contents: [] }), 'body.contents'],
    ['a count of zero', eventBody({ contents: [{ type: 'attendance', count: 0 }] }), 'body.contents.0.count'],
    ['a date without a zone', eventBody({ startedAt: '2025-05-11T06:09:53' }), 'body.startedAt'],
    ['an author id that is not an ObjectId', eventBody({ userId: 'abc' }), 'body.userId'],
    ['an object where a string belongs', eventBody({ name: { $ne: null } }), 'body.name']
  ]
  for (const [what, body, field] of refusals) {
    test(`400 for ${what}`, async () => {
      const reply = await createEvent(body)
      assert.equal(reply.status, 400, JSON.stringify(reply.body))
      assert.equal(reply.body.code, 'VALIDATION_FAILED')
      assert.ok(
        reply.body.errors.some((error: { field: string }) => error.field === field),
        `${field} in ${JSON.stringify(reply.body.errors)}`
      )
    })
  }

  test('400 when the window ends before it starts, or the time zone is unknown', async () => {
    const backwards = await createEvent(eventBody({ startedAt: '2025-05-25T00:00:00Z', endedAt: '2025-05-11T00:00:00Z' }))
    assert.equal(backwards.status, 400)
    assert.equal(backwards.body.code, 'INVALID_WINDOW')
    const empty = await createEvent(eventBody({ startedAt: '2025-05-25T00:00:00Z', endedAt: '2025-05-25T00:00:00Z' }))
    assert.equal(empty.status, 400)
    const zone = await createEvent(eventBody({ timezone: 'Mars/Olympus_Mons' }))
    assert.equal(zone.status, 400)
    assert.equal(zone.body.code, 'UNKNOWN_TIMEZONE')
  })

  test('a body over BODY_LIMIT is a 413', async () => {
    const reply = await createEvent(eventBody({ description: 'x'.repeat(1024 * 1024) }))
    assert.equal(reply.status, 413)
  })

  test('malformed JSON is a 400 problem', async () => {
    const reply = await service.call('POST', '/event', { token: operator.token, body: '{"name":' })
    assert.equal(reply.status, 400)
    assert.equal(reply.headers.get('content-type'), 'application/problem+json; charset=utf-8')
  })
})

describe('GET /event', () => {
  test('filters by active flag and current window; pages with a cursor', async () => {
    const day = 24 * 3600_000
    const now = Date.now()
    const window = (from: number, to: number) => ({ startedAt: new Date(now + from).toISOString(), endedAt: new Date(now + to).toISOString() })
    const tag = `list-${new ObjectId().toHexString()}`
    const ids: Record<string, string> = {}
    for (const [name, extra] of Object.entries({
      running: window(-day, day),
      paused: { ...window(-day, day), activate: false },
      past: window(-3 * day, -2 * day),
      future: window(2 * day, 3 * day)
    })) {
      const created = await createEvent(eventBody({ name: `${tag}-${name}`, ...extra }))
      ids[name] = created.body.id
    }
    const names = async (query: string) => {
      // Staff see every event; what a player sees is in catalog-visibility.test.ts.
      const reply = await service.call('GET', `/event?limit=100&${query}`, { token: operator.token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      return reply.body.items.map((event: { name: string }) => event.name).filter((name: string) => name.startsWith(tag))
    }
    assert.deepEqual(await names('active=true&current=true'), [`${tag}-running`])
    assert.deepEqual(await names('active=false'), [`${tag}-paused`])
    assert.deepEqual((await names('current=false')).sort(), [`${tag}-future`, `${tag}-past`])
    assert.equal((await names('')).length, 4)

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await service.call(
        'GET',
        `/event?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: operator.token }
      )
      assert.equal(page.status, 200)
      assert.ok(page.body.items.length <= 2)
      seen.push(...page.body.items.map((event) => event.id))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.equal(new Set(seen).size, seen.length, 'no event twice')
    for (const id of Object.values(ids)) assert.ok(seen.includes(id))
  })

  test('400 for a limit above 100, a bad cursor, an unknown filter', async () => {
    for (const query of ['limit=101', 'limit=0', 'cursor=abc', 'cursor=$$', 'owner=me', 'active=maybe']) {
      const reply = await service.call('GET', `/event?${query}`, { token: player.token })
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`)
    }
  })

  test('detail: 400 for a bad id, 404 for an unknown one', async () => {
    assert.equal((await service.call('GET', '/event/123', { token: player.token })).status, 400)
    const missing = await service.call('GET', `/event/${new ObjectId().toHexString()}`, { token: player.token })
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'EVENT_NOT_FOUND')
  })
})

describe('PATCH /event/:id', () => {
  test('switches activation, moves the window, edits the description', async () => {
    const created = await createEvent(eventBody())
    const id = created.body.id
    const paused = await service.call('PATCH', `/event/${id}`, { token: operator.token, body: { activate: false } })
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    assert.equal(paused.body.activate, false)
    assert.equal(paused.body.description, created.body.description)

    const endedAt = new Date(Date.parse(created.body.endedAt) + 3600_000).toISOString()
    const moved = await service.call('PATCH', `/event/${id}`, {
      token: operator.token,
      body: { endedAt, description: 'longer' }
    })
    assert.equal(moved.status, 200)
    assert.equal(moved.body.endedAt, endedAt)
    assert.equal(moved.body.description, 'longer')
    assert.equal(moved.body.activate, false)
    assert.ok(moved.body.updatedAt > created.body.updatedAt)
  })

  test('400 for a window that would end before it starts, an empty body, or conditions that do not fit', async () => {
    const created = await createEvent(eventBody())
    const path = `/event/${created.body.id}`
    const backwards = await service.call('PATCH', path, { token: operator.token, body: { endedAt: '2000-01-01T00:00:00Z' } })
    assert.equal(backwards.status, 400)
    assert.equal(backwards.body.code, 'INVALID_WINDOW')
    assert.equal((await service.call('PATCH', path, { token: operator.token, body: {} })).status, 400)
    // Without progress or claims the conditions may change, but they must still fit one period.
    const misfit = await service.call('PATCH', path, { token: operator.token, body: { recurrence: { every: 'week' }, contents: [{ type: 'attendance', count: 9 }] } })
    assert.equal(misfit.status, 400, JSON.stringify(misfit.body))
    assert.equal(misfit.body.code, 'CONDITION_EXCEEDS_PERIOD')
    assert.equal(misfit.body.errors[0].field, 'body.contents.0')
    const unknown = await service.call('PATCH', path, { token: operator.token, body: { colour: 'red' } })
    assert.equal(unknown.status, 400)
  })

  test('concurrent edits can never combine into a window that ends before it starts (the loser gets a 409)', async () => {
    const created = await createEvent(eventBody({ startedAt: '2025-05-01T00:00:00Z', endedAt: '2025-05-31T00:00:00Z' }))
    const path = `/event/${created.body.id}`
    // Each edit is valid against the original window; a start on the 20th and an end on the 10th together are not.
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        service.call('PATCH', path, {
          token: operator.token,
          body: i % 2 ? { startedAt: '2025-05-20T00:00:00.000Z' } : { endedAt: '2025-05-10T00:00:00.000Z' }
        })
      )
    )
    for (const reply of replies) assert.ok([200, 400, 409].includes(reply.status), JSON.stringify(reply.body))
    const final = (await service.call('GET', path, { token: operator.token })).body
    assert.ok(final.startedAt < final.endedAt, `${final.startedAt} < ${final.endedAt}`)
  })

  test('404 for an unknown event', async () => {
    const reply = await service.call('PATCH', `/event/${new ObjectId().toHexString()}`, { token: operator.token, body: { activate: true } })
    assert.equal(reply.status, 404)
  })
})

describe('OpenAPI', () => {
  test('unions are oneOf + discriminator over named components, with a mapping; the seed bodies are examples', async () => {
    const doc = (await service.call('GET', '/api-docs/json')).body
    assert.equal(doc.openapi, '3.1.0')
    const schemas = doc.components.schemas
    const json = (path: string, method: string) => doc.paths[path][method].requestBody.content['application/json']
    // One example is rendered as `example`, several as `examples: {exampleN: {value}}`.
    const examples = (path: string) => {
      const content = json(path, 'post')
      return content.examples ? Object.values(content.examples).map((entry) => (entry as { value: unknown }).value) : [content.example]
    }
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
    assert.deepEqual(json('/event', 'post').schema, ref('EventInput'))
    assert.deepEqual(schemas.EventInput.properties.contents.items, ref('Condition'))
    assert.deepEqual(schemas.Event.properties.contents.items, ref('Condition'), 'requests and responses share one Condition')
    const unions: Array<[string, string, Record<string, string>]> = [
      ['Condition', 'type', { attendance: 'AttendanceCondition', login_streak: 'LoginStreakCondition', quest: 'QuestCondition', invite: 'InviteCondition', purchase: 'PurchaseCondition', any: 'AnyCondition' }],
      // A group's members are leaves: one level deep.
      ['LeafCondition', 'type', { attendance: 'AttendanceCondition', login_streak: 'LoginStreakCondition', quest: 'QuestCondition', invite: 'InviteCondition', purchase: 'PurchaseCondition' }],
      ['RewardContent', 'type', { item: 'ItemReward', point: 'PointReward', coupon: 'CouponReward', currency: 'CurrencyReward' }],
      ['ProgressReport', 'eventType', { attendance: 'AttendanceReport', login_streak: 'LoginStreakReport', quest: 'QuestReport', invite: 'InviteReport', purchase: 'PurchaseReport' }],
      ['DeliveryConfirmation', 'status', { completed: 'DeliveryCompleted', failed: 'DeliveryFailed' }]
    ]
    for (const [name, propertyName, branches] of unions) {
      const mapping = Object.fromEntries(Object.entries(branches).map(([tag, component]) => [tag, ref(component).$ref]))
      assert.deepEqual(schemas[name].discriminator, { propertyName, mapping }, name)
      assert.deepEqual(schemas[name].oneOf, Object.values(branches).map(ref), name)
      for (const [tag, component] of Object.entries(branches)) assert.deepEqual(schemas[component].properties[propertyName].enum, [tag])
    }
    assert.deepEqual(schemas.QuestReport.required, ['eventType', 'userId', 'value'], 'the quest rule is in the schema')
    assert.deepEqual(examples('/event')[0], SEED_EVENT)
    assert.deepEqual((examples('/rewards')[0] as { contents: unknown }).contents, [{ type: 'item', itemName: '슈퍼박스', quantity: 2 }])
    assert.deepEqual(examples('/user-events/process')[0], { eventType: 'attendance', userId: SEED_EVENT.userId, count: 1 })
    assert.deepEqual(Object.keys(examples('/user-reward-claims')[0] as object), ['userId', 'rewardsId'])
    assert.equal((await service.call('GET', '/api-docs')).status, 200)
  })

  test('every operation has a unique operationId; nullable fields are 3.1 `null` types', async () => {
    const doc = (await service.call('GET', '/api-docs/json')).body as { paths: Record<string, Record<string, { operationId?: string }>>; components: { schemas: Record<string, any> } }
    const ids = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).filter(([method]) => method !== 'parameters').map(([method, operation]) => operation.operationId ?? `missing: ${method} ${path}`)
    )
    assert.ok(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id)), ids.join(', '))
    assert.equal(new Set(ids).size, ids.length)
    const from = doc.components.schemas.ClaimTransition.properties.from
    assert.deepEqual(from.anyOf, [{ $ref: '#/components/schemas/ClaimStatus' }, { type: 'null' }], 'a created claim has from: null, and the schema says so')
  })

  test('errors are documented as the problem+json they are sent as; every route reading a body documents 413 and 415', async () => {
    const doc = (await service.call('GET', '/api-docs/json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) >= 400) assert.deepEqual(Object.keys(response.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`)
        }
        if (method === 'post' || method === 'patch') {
          assert.ok(operation.responses['413'] && operation.responses['415'], `${method} ${path} documents 413 and 415`)
        }
      }
    }
  })
})
