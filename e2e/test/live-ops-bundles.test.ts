/**
 * Live-ops model I through the gateway (SPEC v2, "Events and reward bundles"): milestone
 * bundles on one tiered attendance event, each bundle once per player, exclusive events,
 * limited stock never oversold, inactive bundles, and bad bundles refused before anything is
 * written. The real system (auth, event, gateway processes) on the embedded database.
 *
 * The staff and the tiered event's player sign up and log in for real; the hundred players who
 * race for the stock carry tokens the test signs with the key auth was given (`mintPlayers`):
 * two hundred argon2 hashes would take minutes and test nothing about stock.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertDryRunPredicts, createTestTokenIssuer } from '@app/devkit/testkit'
import { client, startE2eSystem, type E2eSystem } from './helpers.js'
import { UNTHROTTLED, createPlayers, inPool, mintPlayers, openDatabases, setUpStaff, type Api, type Player, type Staff } from './fault-kit.js'

const DAY_MS = 24 * 60 * 60 * 1000
const issuer = createTestTokenIssuer()

let system: E2eSystem
let api: Api
let staff: Staff

before(async () => {
  system = await startE2eSystem({ ...UNTHROTTLED, JWT_PRIVATE_KEY: issuer.privateKey })
  api = client(system.url('gateway'))
  staff = await setUpStaff(api)
})
after(() => system?.stopAll())

async function createEvent(body: Record<string, unknown>): Promise<string> {
  const reply = await api('POST', '/event-gateway/event', {
    token: staff.operator,
    body: {
      activate: true,
      startedAt: new Date(Date.now() - 6 * DAY_MS).toISOString(),
      endedAt: new Date(Date.now() + 7 * DAY_MS).toISOString(),
      contents: [{ type: 'attendance', count: 1 }],
      ...body
    }
  })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body.id
}
async function createBundle(eventId: string, body: Record<string, unknown>): Promise<{ id: string; stockLeft: number | null }> {
  const reply = await api('POST', '/event-gateway/rewards', {
    token: staff.operator,
    body: { eventId, contents: [{ type: 'point', amount: 100 }], ...body }
  })
  assert.equal(reply.status, 201, JSON.stringify(reply.body))
  return reply.body
}
/** Claims raced in parallel: a dry run before each could not predict which of them wins. */
const claimRacing = (player: Player, rewardsId: string) => api('POST', '/event-gateway/user-reward-claims', { token: player.token, body: { rewardsId } })
/** A claim, with the eligibility dry run (staff, through the gateway) asked just before it: it must predict the claim's answer. */
async function claim(player: Player, rewardsId: string) {
  const dryRun = await api('GET', `/event-gateway/rewards/${rewardsId}/eligibility?userId=${player.id}`, { token: staff.operator })
  const reply = await claimRacing(player, rewardsId)
  assertDryRunPredicts(dryRun, reply)
  return reply
}
const checkIn = (player: Player, daysAgo = 0) =>
  api('POST', '/event-gateway/user-events/process', {
    token: staff.service,
    body: { eventType: 'attendance', userId: player.id, occurredAt: new Date(Date.now() - daysAgo * DAY_MS).toISOString() }
  })
const stockLeftOf = async (rewardId: string) => (await api('GET', `/event-gateway/rewards/${rewardId}`, { token: staff.operator })).body.stockLeft

describe('a 7-day attendance event with bundles for day 1, 3 and 7', () => {
  test('three check-in days: day 1 and day 3 claimed once each, day 7 refused naming the condition', async () => {
    const eventId = await createEvent({ name: '7-day attendance', timezone: 'Asia/Seoul' })
    const day1 = await createBundle(eventId, { name: 'Day 1', contents: [{ type: 'point', amount: 10 }] })
    const day3 = await createBundle(eventId, { name: 'Day 3', conditions: [{ type: 'attendance', count: 3 }], contents: [{ type: 'point', amount: 30 }] })
    const day7 = await createBundle(eventId, { name: 'Day 7', conditions: [{ type: 'attendance', count: 7 }], contents: [{ type: 'item', itemName: 'Crown', quantity: 1 }] })
    const [player] = await createPlayers(api, 1, 'tiered')
    for (const daysAgo of [4, 2, 0]) assert.equal((await checkIn(player!, daysAgo)).status, 200)

    const first = await claim(player!, day1.id)
    assert.equal(first.status, 201, JSON.stringify(first.body))
    assert.deepEqual(first.body.rewards, [{ type: 'point', amount: 10 }])
    const third = await claim(player!, day3.id)
    assert.equal(third.status, 201, JSON.stringify(third.body))
    assert.deepEqual(third.body.rewards, [{ type: 'point', amount: 30 }])

    const seventh = await claim(player!, day7.id)
    assert.equal(seventh.status, 409)
    assert.equal(seventh.body.code, 'CONDITIONS_NOT_MET')
    assert.match(seventh.body.detail, /attendance 3\/7/)
    assert.deepEqual(seventh.body.unmet, [{ name: 'attendance', current: 3, target: 7 }])

    for (const [bundle, held] of [[day1, first], [day3, third]] as const) {
      const again = await claim(player!, bundle.id)
      assert.equal(again.status, 409)
      assert.equal(again.body.code, 'ALREADY_CLAIMED')
      assert.equal(again.body.claimId, held.body.id)
    }
    const mine = await api('GET', `/event-gateway/user-reward-claims/me?eventId=${eventId}`, { token: player!.token })
    assert.deepEqual(mine.body.items.map((item: { rewardId: string }) => item.rewardId).sort(), [day1.id, day3.id].sort())
  })

  test("a bundle's milestone of another type is counted from the moment the bundle exists", async () => {
    const eventId = await createEvent({ name: 'Quest bonus' })
    const [player] = mintPlayers(issuer, 1, 'quest-bonus')
    assert.equal((await checkIn(player!)).status, 200)
    const report = (questId: string) =>
      api('POST', '/event-gateway/user-events/process', { token: staff.service, body: { eventType: 'quest', userId: player!.id, value: questId } })
    // Before the bundle, nothing of this event counts quests.
    assert.deepEqual((await report('q-9')).body.updates, [])
    const bonus = await createBundle(eventId, { conditions: [{ type: 'quest', questId: 'q-9' }] })
    assert.equal((await claim(player!, bonus.id)).body.code, 'CONDITIONS_NOT_MET')
    const counted = await report('q-9')
    assert.deepEqual(counted.body.updates, [{ eventId, periodKey: 'all', conditions: ['quest:q-9'] }])
    assert.equal((await claim(player!, bonus.id)).status, 201)
  })
})

describe('stock', () => {
  test('100 players race for 10 units: exactly 10 claims, 90 × OUT_OF_STOCK; a rejection gives one unit back', async () => {
    const eventId = await createEvent({ name: 'First ten', requireApproval: true })
    const bundle = await createBundle(eventId, { stock: 10, contents: [{ type: 'item', itemName: 'Founder skin', quantity: 1 }] })
    assert.equal(bundle.stockLeft, 10)
    const players = mintPlayers(issuer, 101, 'stock')
    await inPool(players, 8, async (player) => assert.equal((await checkIn(player)).status, 200))
    const racers = players.slice(0, 100)

    const replies = await Promise.all(racers.map((player) => claimRacing(player, bundle.id)))
    const created = replies.filter((reply) => reply.status === 201)
    const refused = replies.filter((reply) => reply.status === 409)
    assert.equal(created.length, 10)
    assert.equal(refused.length, 90)
    assert.ok(refused.every((reply) => reply.body.code === 'OUT_OF_STOCK'), JSON.stringify(refused.map((reply) => reply.body.code)))
    assert.equal(await stockLeftOf(bundle.id), 0)
    const databases = await openDatabases(system)
    try {
      assert.equal(await databases.event.collection('claims').countDocuments({ slot: `reward:${bundle.id}:all` }), 10)
    } finally {
      await databases.close()
    }

    // A player who got a unit retries: the slot answers first, with the claim's id.
    const winner = racers[replies.indexOf(created[0]!)]!
    const retry = await claim(winner, bundle.id)
    assert.equal(retry.body.code, 'ALREADY_CLAIMED')
    assert.equal(retry.body.claimId, created[0]!.body.id)

    const rejected = await api('PATCH', `/event-gateway/user-reward-claims/${created[0]!.body.id}/reject`, { token: staff.operator, body: { reason: 'bot' } })
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body))
    assert.equal(await stockLeftOf(bundle.id), 1)
    // The rejected player's slot stays taken: the returned unit goes to someone else.
    assert.equal((await claim(winner, bundle.id)).body.code, 'ALREADY_CLAIMED')
    const latecomer = await claim(players[100]!, bundle.id)
    assert.equal(latecomer.status, 201, JSON.stringify(latecomer.body))
    assert.equal(await stockLeftOf(bundle.id), 0)
    assert.equal((await claim(racers[replies.indexOf(refused[0]!)]!, bundle.id)).body.code, 'OUT_OF_STOCK')
  })
})

describe('slots', () => {
  test('exclusiveRewards: one player claiming two bundles in parallel gets one claim', async () => {
    const eventId = await createEvent({ name: 'Pick one', exclusiveRewards: true })
    const sword = await createBundle(eventId, { name: 'Sword', contents: [{ type: 'item', itemName: 'Sword', quantity: 1 }] })
    const shield = await createBundle(eventId, { name: 'Shield', contents: [{ type: 'item', itemName: 'Shield', quantity: 1 }] })
    const event = await api('GET', `/event-gateway/event/${eventId}`, { token: staff.operator })
    assert.equal(event.body.exclusiveRewards, true)
    const players = mintPlayers(issuer, 5, 'exclusive')
    for (const player of players) {
      await checkIn(player)
      const replies = await Promise.all([sword, shield, sword, shield].map((bundle) => claimRacing(player, bundle.id)))
      const created = replies.filter((reply) => reply.status === 201)
      assert.equal(created.length, 1, JSON.stringify(replies.map((reply) => reply.status)))
      for (const reply of replies.filter((other) => other.status !== 201)) {
        assert.equal(reply.body.code, 'ALREADY_CLAIMED')
        assert.equal(reply.body.claimId, created[0]!.body.id)
      }
    }
  })

  test('50 parallel claims of one slot: exactly 1 created; a retry afterwards names it; no unit lost', async () => {
    const eventId = await createEvent({ name: 'One slot' })
    const bundle = await createBundle(eventId, { stock: 5 })
    const [player] = mintPlayers(issuer, 1, 'one-slot')
    await checkIn(player!)
    const replies = await Promise.all(Array.from({ length: 50 }, () => claimRacing(player!, bundle.id)))
    const created = replies.filter((reply) => reply.status === 201)
    assert.equal(created.length, 1)
    const refused = replies.filter((reply) => reply.status === 409)
    assert.equal(refused.length, 49)
    // A duplicate may find the last units held by its own in-flight twins and be told OUT_OF_STOCK
    // for that moment; every duplicate that reached the slot was told which claim holds it.
    for (const reply of refused) {
      assert.ok(['ALREADY_CLAIMED', 'OUT_OF_STOCK'].includes(reply.body.code), JSON.stringify(reply.body))
      if (reply.body.code === 'ALREADY_CLAIMED') assert.equal(reply.body.claimId, created[0]!.body.id)
    }
    const retry = await claim(player!, bundle.id)
    assert.equal(retry.body.code, 'ALREADY_CLAIMED')
    assert.equal(retry.body.claimId, created[0]!.body.id)
    // The duplicates that had taken a unit before losing the slot gave it back.
    assert.equal(await stockLeftOf(bundle.id), 4)
  })

  test('an inactive bundle cannot be claimed (REWARD_INACTIVE); the event default is each bundle once', async () => {
    const eventId = await createEvent({ name: 'Switched off' })
    const off = await createBundle(eventId, { active: false })
    const on = await createBundle(eventId, {})
    const [player] = mintPlayers(issuer, 1, 'inactive')
    await checkIn(player!)
    const refused = await claim(player!, off.id)
    assert.equal(refused.status, 409)
    assert.equal(refused.body.code, 'REWARD_INACTIVE')
    assert.equal((await claim(player!, on.id)).status, 201)
    const listed = await api('GET', `/event-gateway/rewards?eventId=${eventId}`, { token: player!.token })
    assert.deepEqual(listed.body.items.map((item: { active: boolean }) => item.active).sort(), [false, true])
  })
})

describe('bad bundles: 400 naming the field, nothing written', () => {
  test('stock below 1, conditions that are not conditions, no contents', async () => {
    const eventId = await createEvent({ name: 'Validation' })
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stock: 0, contents: [{ type: 'point', amount: 1 }] }, 'body.stock'],
      [{ stock: 2.5, contents: [{ type: 'point', amount: 1 }] }, 'body.stock'],
      [{ conditions: [{ type: 'attendance', count: 0 }], contents: [{ type: 'point', amount: 1 }] }, 'body.conditions/0/count'],
      [{ conditions: [{ type: 'teleport', count: 1 }], contents: [{ type: 'point', amount: 1 }] }, 'body.conditions/0'],
      [{ conditions: [], contents: [{ type: 'point', amount: 1 }] }, 'body.conditions'],
      [{}, 'body'],
      [{ contents: [] }, 'body.contents']
    ]
    for (const [body, field] of cases) {
      const reply = await api('POST', '/event-gateway/rewards', { token: staff.operator, body: { eventId, ...body } })
      assert.equal(reply.status, 400, JSON.stringify({ body, reply: reply.body }))
      assert.ok(
        reply.body.errors.some((error: { field: string }) => error.field.replace(/\//g, '.').startsWith(field.replace(/\//g, '.'))),
        `${JSON.stringify(body)}: ${JSON.stringify(reply.body.errors)}`
      )
      if (field === 'body') assert.match(reply.body.detail, /contents/)
    }
    const listed = await api('GET', `/event-gateway/rewards?eventId=${eventId}`, { token: staff.operator })
    assert.deepEqual(listed.body.items, [])
    const event = await api('GET', `/event-gateway/event/${eventId}`, { token: staff.operator })
    assert.equal(event.status, 200)
  })
})
