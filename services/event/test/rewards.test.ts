import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const BUNDLE = [
  { type: 'item', itemName: '슈퍼박스', quantity: 2 },
  { type: 'point', amount: 500 },
  { type: 'coupon', couponCode: 'WELCOME-2025', quantity: 1 },
  { type: 'currency', currency: 'GOLD', amount: 1_000 }
]

let service: TestService
let eventId: string
before(async () => {
  service = await startService()
  eventId = (await service.call('POST', '/event', { token: operator.token, body: eventBody() })).body.id
})
after(() => service.close())

const createReward = (body: Record<string, unknown>) => service.call('POST', '/rewards', { token: operator.token, body })

test('every reward type arrives whole and reads back the same', async () => {
  const created = await createReward({ eventId, userId: operator.id, contents: BUNDLE })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  assert.deepEqual(created.body.contents, BUNDLE)
  assert.equal(created.body.eventId, eventId)
  assert.equal(created.body.createdBy, operator.id)
  const read = await service.call('GET', `/rewards/${created.body.id}`, { token: auditor.token })
  assert.equal(read.status, 200)
  assert.deepEqual(read.body, created.body)
})

test('a reward for an unknown event is a 404', async () => {
  const reply = await createReward({ eventId: new ObjectId().toHexString(), contents: BUNDLE })
  assert.equal(reply.status, 404)
  assert.equal(reply.body.code, 'EVENT_NOT_FOUND')
})

const refusals: Array<[string, Record<string, unknown>, string]> = [
  ['an unknown reward type', { contents: [{ type: 'title', name: 'Hero' }] }, 'body.contents.0'],
  ['a field of another reward type', { contents: [{ type: 'point', quantity: 1 }] }, 'body.contents.0.amount'],
  ['an extra field', { contents: [{ type: 'point', amount: 1, bonus: 1 }] }, 'body.contents.0.bonus'],
  ['a zero quantity', { contents: [{ type: 'item', itemName: 'box', quantity: 0 }] }, 'body.contents.0.quantity'],
  ['an empty bundle', { contents: [] }, 'body.contents'],
  ['an eventId that is not an ObjectId', { eventId: 'event-1', contents: BUNDLE }, 'body.eventId']
]
for (const [what, body, field] of refusals) {
  test(`400 for ${what}`, async () => {
    const reply = await createReward({ eventId, ...body })
    assert.equal(reply.status, 400, JSON.stringify(reply.body))
    assert.ok(reply.body.errors.some((error: { field: string }) => error.field === field), JSON.stringify(reply.body.errors))
  })
}

test('lists by event, newest first, a page at a time', async () => {
  const otherEvent = (await service.call('POST', '/event', { token: operator.token, body: eventBody() })).body.id
  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push((await createReward({ eventId: otherEvent, contents: [{ type: 'point', amount: i + 1 }] })).body.id)
  const first = await service.call('GET', `/rewards?eventId=${otherEvent}&limit=2`, { token: auditor.token })
  assert.equal(first.status, 200)
  assert.deepEqual(
    first.body.items.map((reward: { id: string }) => reward.id),
    [ids[2], ids[1]]
  )
  const second = await service.call('GET', `/rewards?eventId=${otherEvent}&limit=2&cursor=${first.body.nextCursor}`, {
    token: auditor.token
  })
  assert.deepEqual(
    second.body.items.map((reward: { id: string }) => reward.id),
    [ids[0]]
  )
  assert.equal(second.body.nextCursor, null)
})

test('detail: 400 for a bad id, 404 for an unknown one', async () => {
  assert.equal((await service.call('GET', '/rewards/not-an-id', { token: auditor.token })).status, 400)
  const missing = await service.call('GET', `/rewards/${new ObjectId().toHexString()}`, { token: auditor.token })
  assert.equal(missing.status, 404)
  assert.equal(missing.body.code, 'REWARD_NOT_FOUND')
})

test('a bundle reads back with its name, milestone, switch and stock; defaults for what was left out', async () => {
  const full = await createReward({
    eventId,
    name: 'Day 3',
    conditions: [{ type: 'attendance', count: 3 }],
    stock: 500,
    active: false,
    contents: [{ type: 'point', amount: 30 }]
  })
  assert.equal(full.status, 201, JSON.stringify(full.body))
  const read = await service.call('GET', `/rewards/${full.body.id}`, { token: auditor.token })
  assert.deepEqual(
    { name: read.body.name, conditions: read.body.conditions, stock: read.body.stock, stockLeft: read.body.stockLeft, active: read.body.active },
    { name: 'Day 3', conditions: [{ type: 'attendance', count: 3 }], stock: 500, stockLeft: 500, active: false }
  )
  const plain = await createReward({ eventId, contents: [{ type: 'point', amount: 1 }] })
  assert.deepEqual(
    { name: plain.body.name, conditions: plain.body.conditions, stock: plain.body.stock, stockLeft: plain.body.stockLeft, active: plain.body.active },
    { name: null, conditions: [], stock: null, stockLeft: null, active: true }
  )
  // The event now counts the milestone's condition too (attendance it counted already: no change).
  const event = await service.db.collection('events').findOne({ _id: new ObjectId(eventId) })
  assert.deepEqual(event?.countedConditions, [{ type: 'attendance', count: 1 }, { type: 'attendance', count: 3 }])
})

test('metrics: stock left per limited bundle', async () => {
  const limited = await createReward({ eventId, stock: 7, contents: [{ type: 'point', amount: 1 }] })
  const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text()
  assert.match(metrics, new RegExp(`event_reward_stock_left\\{reward_id="${limited.body.id}",event_id="${eventId}"\\} 7\\b`))
  const series = metrics.split('\n').filter((line) => line.startsWith('event_reward_stock_left{'))
  assert.equal(series.length, 2, 'only the bundles with a stock (500 and 7)')
})
