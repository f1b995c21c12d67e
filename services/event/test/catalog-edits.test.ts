import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const admin = actor('ADMIN')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')
const POINT = [{ type: 'point', amount: 5 }]

let service: TestService
before(async () => {
  service = await startService()
})
after(() => service.close())

const createEvent = async (overrides: Record<string, unknown> = {}) => {
  const reply = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval: false, ...overrides }) })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body
}
const createReward = async (eventId: string, extra: Record<string, unknown> = {}) => {
  const reply = await service.call('POST', '/rewards', { token: operator.token, body: { eventId, contents: POINT, ...extra } })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body
}
const patchEvent = (id: string, body: unknown, token = operator.token) => service.call('PATCH', `/event/${id}`, { token, body })
const patchReward = (id: string, body: unknown, token = operator.token) => service.call('PATCH', `/rewards/${id}`, { token, body })
const checkIn = (userId: string) => service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId } })
const claim = (player: { token: string }, rewardsId: string) => service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId } })
const auditOf = async (query: string) => {
  const reply = await service.call('GET', `/audit?limit=100&${query}`, { token: auditor.token })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body.items as Array<{ action: string; actor: string; entity: { type: string; id: string }; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>
}

describe('versions', () => {
  test('an event starts at 1, each edit raises it, a stale version is a 409 naming the current one, none is last write wins', async () => {
    const event = await createEvent()
    assert.equal(event.version, 1)
    const first = await patchEvent(event.id, { name: 'renamed', version: 1 })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.version, 2)
    const stale = await patchEvent(event.id, { name: 'stale', version: 1 })
    assert.equal(stale.status, 409)
    assert.equal(stale.body.code, 'VERSION_CONFLICT')
    assert.equal(stale.body.currentVersion, 2)
    assert.equal((await service.call('GET', `/event/${event.id}`, { token: auditor.token })).body.name, 'renamed', 'a stale edit changes nothing')
    const blind = await patchEvent(event.id, { description: 'no version sent' })
    assert.equal(blind.status, 200)
    assert.equal(blind.body.version, 3)
    const same = await patchEvent(event.id, { description: 'no version sent', version: 3 })
    assert.equal(same.body.version, 3, 'an edit that changes nothing is no new version')
  })

  test('parallel edits against one version: exactly one lands, the rest are 409 VERSION_CONFLICT, one audit row', async () => {
    for (const path of ['event', 'rewards'] as const) {
      const event = await createEvent()
      const target = path === 'event' ? event : await createReward(event.id)
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => service.call('PATCH', `/${path}/${target.id}`, { token: operator.token, body: { name: `edit-${i}`, version: 1 } }))
      )
      const won = replies.filter((reply) => reply.status === 200)
      assert.equal(won.length, 1, `${path}: ${JSON.stringify(replies.map((reply) => reply.status))}`)
      for (const reply of replies.filter((r) => r.status !== 200)) {
        assert.equal(reply.status, 409)
        assert.equal(reply.body.code, 'VERSION_CONFLICT')
        assert.equal(reply.body.currentVersion, 2)
      }
      const read = await service.call('GET', `/${path}/${target.id}`, { token: auditor.token })
      assert.equal(read.body.name, won[0]!.body.name)
      assert.equal(read.body.version, 2)
      const updates = (await auditOf(`entityId=${target.id}`)).filter((entry) => entry.action.endsWith('.update'))
      assert.equal(updates.length, 1)
      assert.deepEqual(updates[0]!.after, { name: won[0]!.body.name })
    }
  })

  test('documents written before versions read as version 1 and take an edit against it', async () => {
    const event = await createEvent()
    const reward = await createReward(event.id)
    await service.db.collection('events').updateOne({ _id: new ObjectId(event.id) }, { $unset: { version: '' } })
    await service.db.collection('rewards').updateOne({ _id: new ObjectId(reward.id) }, { $unset: { version: '' } })
    assert.equal((await service.call('GET', `/event/${event.id}`, { token: auditor.token })).body.version, 1)
    const edited = await patchEvent(event.id, { name: 'legacy edited', version: 1 })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    assert.equal(edited.body.version, 2)
    assert.equal((await patchEvent(event.id, { name: 'again', version: 1 })).status, 409)
    const rewardEdited = await patchReward(reward.id, { active: false, version: 1 })
    assert.equal(rewardEdited.status, 200, JSON.stringify(rewardEdited.body))
    assert.equal(rewardEdited.body.version, 2)
  })
})

describe('PATCH /event/:id', () => {
  test('requireApproval, audience and exclusiveRewards change before any activity; audience {} is everyone (null)', async () => {
    const event = await createEvent()
    const edited = await patchEvent(event.id, { requireApproval: true, audience: { anyTags: ['vip'], noneTags: [] }, exclusiveRewards: true })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    assert.equal(edited.body.requireApproval, true)
    assert.equal(edited.body.exclusiveRewards, true)
    assert.deepEqual(edited.body.audience, { anyTags: ['vip'] })
    assert.equal((await patchEvent(event.id, { audience: {} })).body.audience, null)
    for (const cleared of ['', 0, false]) {
      const reply = await patchEvent(event.id, { audience: cleared })
      assert.equal(reply.status, 400, `audience ${JSON.stringify(cleared)} is no null`)
      assert.equal(reply.body.errors[0].field, 'body.audience')
    }
    const bad = await patchEvent(event.id, { audience: { anyTags: ['VIP!'] } })
    assert.equal(bad.status, 400)
    assert.match(JSON.stringify(bad.body.errors), /body\/audience|body\.audience/)
  })

  test('after the first progress: contents, timezone, recurrence and exclusiveRewards are 409 EVENT_HAS_ACTIVITY; the rest still changes', async () => {
    const event = await createEvent()
    assert.equal((await checkIn(new ObjectId().toHexString())).status, 200)
    const fixed: Array<Record<string, unknown>> = [
      { contents: [{ type: 'attendance', count: 2 }] },
      { timezone: 'Asia/Seoul' },
      { recurrence: { every: 'day' } },
      { exclusiveRewards: true }
    ]
    for (const body of fixed) {
      const reply = await patchEvent(event.id, body)
      assert.equal(reply.status, 409, JSON.stringify(body))
      assert.equal(reply.body.code, 'EVENT_HAS_ACTIVITY')
      assert.match(reply.body.detail, new RegExp(`body\\.${Object.keys(body)[0]}`))
    }
    const unchanged = await patchEvent(event.id, { contents: event.contents, timezone: 'UTC', name: 'still editable', audience: { allTags: ['kr'] } })
    assert.equal(unchanged.status, 200, 'sending the values it has is no change')
    assert.equal(unchanged.body.name, 'still editable')
    assert.deepEqual(unchanged.body.contents, event.contents)
  })

  test('before any activity contents may change and count their reports; after a claim exclusiveRewards is fixed', async () => {
    const event = await createEvent({ contents: [{ type: 'attendance', count: 1 }] })
    const reward = await createReward(event.id)
    // No activity yet: the conditions may change, and the event counts the new type from now on.
    const changed = await patchEvent(event.id, { contents: [{ type: 'quest', questId: 'q-edit' }] })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    const player = actor('USER')
    const report = await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'quest', userId: player.id, value: 'q-edit' } })
    assert.ok(report.body.updates.some((update: { eventId: string }) => update.eventId === event.id), JSON.stringify(report.body))
    const claimed = await claim(player, reward.id)
    assert.equal(claimed.status, 201, JSON.stringify(claimed.body))
    const refused = await patchEvent(event.id, { exclusiveRewards: true })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'EVENT_HAS_ACTIVITY')
  })

  test('a recurrence its bundles cannot fit is a 400 naming body.recurrence', async () => {
    const event = await createEvent()
    await createReward(event.id, { conditions: [{ type: 'attendance', count: 5 }] })
    const reply = await patchEvent(event.id, { recurrence: { every: 'day' } })
    assert.equal(reply.status, 400, JSON.stringify(reply.body))
    assert.equal(reply.body.code, 'CONDITION_EXCEEDS_PERIOD')
    assert.equal(reply.body.errors[0].field, 'body.recurrence')
  })
})

describe('PATCH /rewards/:id', () => {
  test('name, active and stock change; contents, random table and conditions only before the first claim (409 REWARD_HAS_CLAIMS)', async () => {
    const event = await createEvent()
    const reward = await createReward(event.id, { stock: 5 })
    const renamed = await patchReward(reward.id, { name: 'Day 1', conditions: [{ type: 'attendance', count: 1 }], contents: [{ type: 'point', amount: 7 }] })
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
    assert.deepEqual(renamed.body.contents, [{ type: 'point', amount: 7 }])
    const empty = await patchReward(reward.id, { contents: [] })
    assert.equal(empty.status, 400)
    assert.equal(empty.body.code, 'REWARD_EMPTY')

    const player = actor('USER')
    await checkIn(player.id)
    assert.equal((await claim(player, reward.id)).status, 201)
    for (const body of [{ contents: [{ type: 'point', amount: 8 }] }, { conditions: [] }, { randomContents: { rolls: 1, table: [{ weight: 1, contents: POINT }] } }]) {
      const reply = await patchReward(reward.id, body)
      assert.equal(reply.status, 409, JSON.stringify(body))
      assert.equal(reply.body.code, 'REWARD_HAS_CLAIMS')
    }
    const still = await patchReward(reward.id, { name: 'Day 1 (renamed)', active: false, contents: [{ type: 'point', amount: 7 }] })
    assert.equal(still.status, 200, 'the same contents are no change')
    assert.equal(still.body.active, false)
    const read = await service.call('GET', `/rewards/${reward.id}`, { token: auditor.token })
    assert.deepEqual(read.body.contents, [{ type: 'point', amount: 7 }])
  })

  test('stock: never below the claims not rejected (400 naming body.stock); stockLeft moves with it; unlimited and back', async () => {
    const event = await createEvent()
    const reward = await createReward(event.id, { stock: 10 })
    const players = Array.from({ length: 3 }, () => actor('USER'))
    for (const player of players) {
      await checkIn(player.id)
      assert.equal((await claim(player, reward.id)).status, 201)
    }
    for (const bad of [0, -1, '', false, 1.5]) {
      const reply = await patchReward(reward.id, { stock: bad })
      assert.equal(reply.status, 400, `stock ${JSON.stringify(bad)}: ${JSON.stringify(reply.body)}`)
    }
    assert.equal((await service.call('GET', `/rewards/${reward.id}`, { token: auditor.token })).body.stock, 10, 'a refused stock changes nothing')
    const below = await patchReward(reward.id, { stock: 2 })
    assert.equal(below.status, 400)
    assert.equal(below.body.code, 'STOCK_BELOW_CLAIMS')
    assert.equal(below.body.errors[0].field, 'body.stock')
    const exact = await patchReward(reward.id, { stock: 3 })
    assert.equal(exact.status, 200)
    assert.deepEqual([exact.body.stock, exact.body.stockLeft], [3, 0])
    const grown = await patchReward(reward.id, { stock: 8 })
    assert.deepEqual([grown.body.stock, grown.body.stockLeft], [8, 5])
    const unlimited = await patchReward(reward.id, { stock: null })
    assert.deepEqual([unlimited.body.stock, unlimited.body.stockLeft], [null, null])
    const fourth = actor('USER')
    await checkIn(fourth.id)
    assert.equal((await claim(fourth, reward.id)).status, 201)
    assert.equal((await patchReward(reward.id, { stock: 3 })).body.code, 'STOCK_BELOW_CLAIMS', 'four claims hold units now')
    const limited = await patchReward(reward.id, { stock: 6 })
    assert.deepEqual([limited.body.stock, limited.body.stockLeft], [6, 2])
  })

  test('a stock cut racing claims: never oversold, stockLeft = stock − claims not rejected', async () => {
    const event = await createEvent()
    const reward = await createReward(event.id, { stock: 20 })
    const players = Array.from({ length: 16 }, () => actor('USER'))
    for (const player of players) await checkIn(player.id)
    const [cut, ...claims] = await Promise.all([patchReward(reward.id, { stock: 12 }), ...players.map((player) => claim(player, reward.id))])
    const won = claims.filter((reply) => reply.status === 201).length
    for (const reply of claims) assert.ok(reply.status === 201 || reply.body.code === 'OUT_OF_STOCK', JSON.stringify(reply.body))
    const stored = await service.db.collection('rewards').findOne({ _id: new ObjectId(reward.id) })
    const held = await service.db.collection('claims').countDocuments({ rewardId: new ObjectId(reward.id), status: { $ne: 'rejected' } })
    assert.equal(held, won)
    if (cut!.status === 200) {
      assert.equal(stored!.stock, 12)
      assert.ok(won <= 12, `won ${won}`)
    } else {
      assert.equal(cut!.body.code, 'STOCK_BELOW_CLAIMS', JSON.stringify(cut!.body))
      assert.equal(stored!.stock, 20)
    }
    assert.equal(stored!.stockLeft, stored!.stock - held)
    assert.equal(won, Math.min(16, stored!.stock), 'every claim that could get a unit got one')
  })

  test('new milestone conditions must fit the period and are counted by the event', async () => {
    const weekly = await createEvent({ recurrence: { every: 'week' } })
    const bundle = await createReward(weekly.id)
    const misfit = await patchReward(bundle.id, { conditions: [{ type: 'attendance', count: 8 }] })
    assert.equal(misfit.status, 400)
    assert.equal(misfit.body.code, 'CONDITION_EXCEEDS_PERIOD')
    assert.equal(misfit.body.errors[0].field, 'body.conditions.0')
    assert.equal((await patchReward(bundle.id, { conditions: [{ type: 'invite', count: 2 }] })).status, 200)
    const stored = await service.db.collection('events').findOne({ _id: new ObjectId(weekly.id) })
    assert.ok(stored!.countedConditions.some((condition: { type: string }) => condition.type === 'invite'), JSON.stringify(stored!.countedConditions))
  })
})

describe('GET /audit', () => {
  test('creations and edits are audited with who, and only the changed fields before and after; filters by entity and actor', async () => {
    const event = await service.call('POST', '/event', { token: admin.token, body: eventBody({ name: 'audited' }) })
    const reward = await service.call('POST', '/rewards', { token: admin.token, body: { eventId: event.body.id, contents: POINT, stock: 4 } })
    await service.call('PATCH', `/event/${event.body.id}`, { token: admin.token, body: { name: 'audited 2', activate: true } })
    await service.call('PATCH', `/rewards/${reward.body.id}`, { token: operator.token, body: { stock: 9 } })

    const ofEvent = await auditOf(`entityType=event&entityId=${event.body.id}`)
    assert.deepEqual(ofEvent.map((entry) => entry.action), ['event.update', 'event.create'])
    assert.deepEqual([ofEvent[0]!.before, ofEvent[0]!.after], [{ name: 'audited' }, { name: 'audited 2' }], 'activate did not change')
    assert.equal(ofEvent[1]!.after!.name, 'audited')
    assert.equal(ofEvent[1]!.before, null)
    assert.equal(ofEvent[1]!.actor, admin.id)

    const ofReward = await auditOf(`entityId=${reward.body.id}`)
    assert.deepEqual(ofReward.map((entry) => [entry.action, entry.actor]), [['reward.update', operator.id], ['reward.create', admin.id]])
    assert.deepEqual([ofReward[0]!.before, ofReward[0]!.after], [{ stock: 4 }, { stock: 9 }])

    const byAdmin = await auditOf(`actor=${admin.id}`)
    assert.deepEqual(byAdmin.map((entry) => entry.action).sort(), ['event.create', 'event.update', 'reward.create'])
    assert.equal((await service.call('GET', '/audit?entityType=Event!', { token: auditor.token })).status, 400)
    assert.equal((await service.call('GET', '/audit', { token: operator.token })).status, 403)
  })
})
