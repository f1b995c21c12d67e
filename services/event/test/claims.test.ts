import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const admin = actor('ADMIN')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')

let service: TestService
before(async () => {
  service = await startService()
})
after(() => service.close())

async function setUpEvent(overrides: Record<string, unknown> = {}) {
  const event = await service.call('POST', '/event', { token: operator.token, body: eventBody(overrides) })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.body.id, contents: [{ type: 'point', amount: 100 }] }
  })
  return { eventId: event.body.id as string, rewardId: reward.body.id as string }
}
const checkIn = (player: Actor) =>
  service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
const claim = (player: Actor, rewardsId: string, userId?: string) =>
  service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId, ...(userId ? { userId } : {}) } })
const approve = (id: string, by: Actor = operator) => service.call('PATCH', `/user-reward-claims/${id}/approve`, { token: by.token })
const reject = (id: string, body: unknown, by: Actor = operator) =>
  service.call('PATCH', `/user-reward-claims/${id}/reject`, { token: by.token, body })
const grantsFor = (claimId: string) => service.db.collection('user_rewards').countDocuments({ claimId: new ObjectId(claimId) })

describe('POST /user-reward-claims', () => {
  test('an event without approval completes at once through the ledger, granted once', async () => {
    const { eventId, rewardId } = await setUpEvent({ requireApproval: false })
    const player = actor('USER')
    await checkIn(player)
    const reply = await claim(player, rewardId, player.id)
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
    assert.equal(reply.body.status, 'completed')
    assert.equal(reply.body.eventId, eventId)
    assert.equal(reply.body.rewardId, rewardId)
    assert.equal(reply.body.delivery.attempts, 1)
    assert.ok(reply.body.delivery.completedAt)
    assert.equal(await grantsFor(reply.body.id), 1)
  })

  test('conditions not met: 409 naming each one', async () => {
    const { rewardId } = await setUpEvent({ contents: [{ type: 'attendance', count: 1 }, { type: 'invite', count: 2 }] })
    const player = actor('USER')
    await checkIn(player)
    const reply = await claim(player, rewardId)
    assert.equal(reply.status, 409)
    assert.equal(reply.body.code, 'CONDITIONS_NOT_MET')
    assert.match(reply.body.detail, /invite 0\/2/)
    assert.doesNotMatch(reply.body.detail, /attendance/)
  })

  test('the event must be active and inside its window: 409 with a code saying which', async () => {
    const day = 24 * 3600_000
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ activate: false }, 'EVENT_INACTIVE'],
      [{ startedAt: new Date(Date.now() + day).toISOString(), endedAt: new Date(Date.now() + 2 * day).toISOString() }, 'EVENT_NOT_STARTED'],
      [{ startedAt: new Date(Date.now() - 2 * day).toISOString(), endedAt: new Date(Date.now() - day).toISOString() }, 'EVENT_ENDED']
    ]
    for (const [overrides, code] of cases) {
      const { rewardId } = await setUpEvent(overrides)
      const reply = await claim(actor('USER'), rewardId)
      assert.equal(reply.status, 409, code)
      assert.equal(reply.body.code, code)
    }
  })

  test('404 for an unknown reward; 400 for a bad id or an extra field; 403 for claiming as someone else', async () => {
    const player = actor('USER')
    const unknown = await claim(player, new ObjectId().toHexString())
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'REWARD_NOT_FOUND')
    assert.equal((await claim(player, 'reward-1')).status, 400)
    const { rewardId } = await setUpEvent()
    const extra = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId, status: 'completed' } })
    assert.equal(extra.status, 400)
    assert.equal(extra.body.errors[0].field, 'body.status')
    const forOther = await claim(player, rewardId, actor('USER').id)
    assert.equal(forOther.status, 403)
    assert.equal(forOther.body.code, 'NOT_YOUR_USER_ID')
  })

  test('one claim per player and bundle: 50 in parallel → exactly 1 created, 49 × 409', async () => {
    const { eventId, rewardId } = await setUpEvent()
    const player = actor('USER')
    await checkIn(player)
    const replies = await Promise.all(Array.from({ length: 50 }, () => claim(player, rewardId)))
    const created = replies.filter((reply) => reply.status === 201)
    const refused = replies.filter((reply) => reply.status === 409)
    assert.equal(created.length, 1)
    assert.equal(refused.length, 49)
    assert.ok(refused.every((reply) => reply.body.code === 'ALREADY_CLAIMED'))
    assert.equal(await service.db.collection('claims').countDocuments({ userId: player.id, eventId: new ObjectId(eventId) }), 1)
  })

  test('each bundle of an event once; with exclusiveRewards, one bundle of the event', async () => {
    for (const exclusiveRewards of [false, true]) {
      const { eventId, rewardId } = await setUpEvent({ exclusiveRewards })
      const second = await service.call('POST', '/rewards', {
        token: operator.token,
        body: { eventId, contents: [{ type: 'coupon', couponCode: 'X', quantity: 1 }] }
      })
      const player = actor('USER')
      await checkIn(player)
      const first = await claim(player, rewardId)
      assert.equal(first.status, 201)
      const other = await claim(player, second.body.id)
      if (exclusiveRewards) {
        assert.equal(other.status, 409)
        assert.equal(other.body.code, 'ALREADY_CLAIMED')
        assert.equal(other.body.claimId, first.body.id)
      } else {
        assert.equal(other.status, 201, JSON.stringify(other.body))
        assert.equal((await claim(player, second.body.id)).body.claimId, other.body.id)
      }
    }
  })
})

describe('approval', () => {
  async function pendingClaim() {
    const { rewardId } = await setUpEvent({ requireApproval: true })
    const player = actor('USER')
    await checkIn(player)
    const reply = await claim(player, rewardId)
    assert.equal(reply.body.status, 'pending')
    return { player, id: reply.body.id as string }
  }

  test('5 parallel approvals → exactly 1, granted once', async () => {
    const { id } = await pendingClaim()
    const replies = await Promise.all([operator, admin, operator, admin, operator].map((by) => approve(id, by)))
    assert.equal(replies.filter((reply) => reply.status === 200).length, 1)
    const losers = replies.filter((reply) => reply.status === 409)
    assert.equal(losers.length, 4)
    assert.ok(losers.every((reply) => reply.body.code === 'INVALID_TRANSITION'))
    const transitions = await service.db.collection('claim_transitions').find({ claimId: new ObjectId(id) }).toArray()
    assert.deepEqual(
      transitions.map((t) => `${t.from}→${t.to}`),
      ['null→pending', 'pending→processing', 'processing→completed']
    )
    assert.equal(await grantsFor(id), 1)
  })

  test('approve vs reject racing: exactly one wins', async () => {
    const { id } = await pendingClaim()
    const [approved, rejected] = await Promise.all([approve(id), reject(id, { reason: 'race' })])
    assert.deepEqual([approved.status, rejected.status].sort(), [200, 409])
  })

  test('reject needs a reason, records it, and ends the claim', async () => {
    const { id, player } = await pendingClaim()
    assert.equal((await reject(id, {})).status, 400)
    assert.equal((await reject(id, { reason: '' })).status, 400)
    assert.equal((await reject(id, { reason: 'x', extra: 1 })).status, 400)
    const rejected = await reject(id, { reason: 'Duplicate account' })
    assert.equal(rejected.status, 200)
    assert.equal(rejected.body.status, 'rejected')
    assert.equal(rejected.body.reason, 'Duplicate account')
    const detail = await service.call('GET', `/user-reward-claims/${id}`, { token: auditor.token })
    assert.deepEqual(detail.body.transitions.at(-1), {
      from: 'pending',
      to: 'rejected',
      by: operator.id,
      at: detail.body.transitions.at(-1).at,
      reason: 'Duplicate account'
    })
    // The player learns the outcome, not staff's words or who they are.
    const seenByPlayer = await service.call('GET', `/user-reward-claims/${id}`, { token: player.token })
    assert.equal(seenByPlayer.body.status, 'rejected')
    assert.equal(seenByPlayer.body.reason, 'An operator reviewed this claim and did not approve it.')
    assert.deepEqual(seenByPlayer.body.transitions.at(-1), { from: 'pending', to: 'rejected', by: 'staff', at: detail.body.transitions.at(-1).at, reason: null })
    assert.doesNotMatch(JSON.stringify(seenByPlayer.body), new RegExp(`Duplicate account|${operator.id}`))
    assert.equal((await approve(id)).status, 409)
    assert.equal((await reject(id, { reason: 'again' })).status, 409)
    assert.equal(await grantsFor(id), 0)
  })

  test('404 for an unknown claim, 400 for a bad id', async () => {
    const unknown = await approve(new ObjectId().toHexString())
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'CLAIM_NOT_FOUND')
    assert.equal((await reject(new ObjectId().toHexString(), { reason: 'x' })).status, 404)
    assert.equal((await approve('nope')).status, 400)
  })
})

describe('reading claims', () => {
  const players = [actor('USER'), actor('USER')]
  const claims: Array<{ id: string; userId: string; eventId: string; status: string; createdAt: string }> = []
  let firstEvent: string
  before(async () => {
    for (const requireApproval of [true, false]) {
      const { eventId, rewardId } = await setUpEvent({ requireApproval })
      firstEvent ??= eventId
      for (const player of players) {
        await checkIn(player)
        claims.push((await claim(player, rewardId)).body)
      }
    }
  })

  const ids = (reply: { body: { items: Array<{ id: string }> } }) => reply.body.items.map((item) => item.id).sort()
  const expected = (keep: (c: (typeof claims)[number]) => boolean) =>
    claims
      .filter(keep)
      .map((c) => c.id)
      .sort()

  test('history filters: userId, eventId, status, from/to', async () => {
    const get = (query: string) => service.call('GET', `/user-reward-claims?limit=100&${query}`, { token: auditor.token })
    assert.deepEqual(ids(await get(`userId=${players[0]!.id}`)), expected((c) => c.userId === players[0]!.id))
    assert.deepEqual(ids(await get(`eventId=${firstEvent}`)), expected((c) => c.eventId === firstEvent))
    assert.deepEqual(
      ids(await get(`eventId=${firstEvent}&status=pending&userId=${players[1]!.id}`)),
      expected((c) => c.eventId === firstEvent && c.userId === players[1]!.id)
    )
    const from = claims[1]!.createdAt
    const to = claims[3]!.createdAt
    const window = ids(await get(`from=${from}&to=${to}`)).filter((id) => claims.some((c) => c.id === id))
    assert.deepEqual(window, expected((c) => c.createdAt >= from && c.createdAt < to))
    assert.equal((await get('status=shipped')).status, 400)
    assert.equal((await get('from=yesterday')).status, 400)
  })

  test('history pages with a cursor, newest first', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await service.call(
        'GET',
        `/user-reward-claims?limit=1&eventId=${firstEvent}${cursor ? `&cursor=${cursor}` : ''}`,
        { token: operator.token }
      )
      assert.equal(page.status, 200)
      seen.push(...page.body.items.map((item) => item.id))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.deepEqual(seen, [...expected((c) => c.eventId === firstEvent)].reverse())
  })

  test('/me shows only your own claims, with filters', async () => {
    const [player] = players
    const mine = await service.call('GET', '/user-reward-claims/me', { token: player!.token })
    assert.equal(mine.status, 200)
    assert.deepEqual(ids(mine), expected((c) => c.userId === player!.id))
    const pending = await service.call('GET', '/user-reward-claims/me?status=pending', { token: player!.token })
    assert.deepEqual(ids(pending), expected((c) => c.userId === player!.id && c.status === 'pending'))
    assert.equal((await service.call('GET', `/user-reward-claims/me?userId=${players[1]!.id}`, { token: player!.token })).status, 400)
    assert.deepEqual(ids(await service.call('GET', '/user-reward-claims/me', { token: auditor.token })), [])
  })

  test('detail with its audit trail: the owner and staff may read it, another USER may not', async () => {
    const [first] = claims
    const path = `/user-reward-claims/${first!.id}`
    const own = await service.call('GET', path, { token: players[0]!.token })
    assert.equal(own.status, 200)
    assert.deepEqual(own.body.transitions.map((t: { to: string }) => t.to), ['pending'])
    assert.equal((await service.call('GET', path, { token: auditor.token })).status, 200)
    const other = await service.call('GET', path, { token: players[1]!.token })
    assert.equal(other.status, 403)
    assert.equal(other.body.code, 'NOT_YOUR_CLAIM')
    assert.equal((await service.call('GET', `/user-reward-claims/${new ObjectId().toHexString()}`, { token: auditor.token })).status, 404)
  })
})

describe('audit trail across a crash', () => {
  // Its own instance: a short lease (the audit grace) and a fast sweeper.
  let fast: TestService
  before(async () => {
    fast = await startService({ env: { SWEEPER_INTERVAL_MS: '50', DELIVERY_LEASE_MS: '300', DELIVERY_TIMEOUT_MS: '100' } })
  })
  after(() => fast.close())

  async function completedClaim() {
    const event = await fast.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval: false }) })
    const reward = await fast.call('POST', '/rewards', { token: operator.token, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 1 }] } })
    const player = actor('USER')
    await fast.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    const created = await fast.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: reward.body.id } })
    assert.equal(created.body.status, 'completed', JSON.stringify(created.body))
    return { id: new ObjectId(created.body.id as string), player }
  }
  const claimsOf = () => fast.db.collection('claims')
  const trailOf = (id: ObjectId) => fast.db.collection('claim_transitions').find({ claimId: id }).sort({ at: 1 }).toArray()
  async function until(check: () => Promise<boolean>, what: string) {
    const deadline = Date.now() + 5_000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  test('a transition leaves nothing pending on the claim once it is audited', async () => {
    const { id } = await completedClaim()
    assert.deepEqual((await claimsOf().findOne({ _id: id }))?.auditPending, [])
    assert.deepEqual((await trailOf(id)).map((t) => `${t.from}→${t.to}`), ['null→processing', 'processing→completed'])
  })

  test('a state change whose audit write a crash prevented is audited by the sweeper, once', async () => {
    const { id } = await completedClaim()
    const [, completion] = await trailOf(id)
    // What a process killed between the two writes leaves: the claim completed, its entry
    // pending on the claim, and none in the trail.
    await fast.db.collection('claim_transitions').deleteOne({ _id: completion!._id })
    const { claimId, ...entry } = completion!
    assert.ok(entry._id && claimId)
    await claimsOf().updateOne({ _id: id }, { $set: { auditPending: [entry] } })
    // Readers see it at once, copied or not: the state is never shown without its transition.
    const detail = await fast.call('GET', `/user-reward-claims/${id.toHexString()}`, { token: operator.token })
    assert.deepEqual(detail.body.transitions.map((t: { from: string; to: string }) => `${t.from}→${t.to}`), ['null→processing', 'processing→completed'])

    await until(async () => (await trailOf(id)).length === 2, 'the lost transition in the trail')
    const trail = await trailOf(id)
    assert.deepEqual(
      trail.map(({ _id, from, to, by, at, reason }) => ({ _id, from, to, by, at, reason })),
      [trail[0] && { _id: trail[0]._id, from: null, to: 'processing', by: trail[0].by, at: trail[0].at, reason: null }, entry]
    )
    await until(async () => (await claimsOf().findOne({ _id: id }))?.auditPending?.length === 0, 'the claim cleared')
  })

  test('a transition audited just before a crash (still pending on the claim) is not audited twice', async () => {
    const { id } = await completedClaim()
    const [, completion] = await trailOf(id)
    const { claimId, ...entry } = completion!
    assert.ok(entry._id && claimId)
    await claimsOf().updateOne({ _id: id }, { $set: { auditPending: [entry] } })
    await until(async () => (await claimsOf().findOne({ _id: id }))?.auditPending?.length === 0, 'the claim cleared')
    assert.deepEqual((await trailOf(id)).map((t) => t.to), ['processing', 'completed'])
    // The entry carries the id it is audited under, so a second copy is refused.
    await assert.rejects(fast.db.collection('claim_transitions').insertOne({ ...entry, claimId: id }), (error: { code?: number }) => error.code === 11000)
  })

  test('an entry left pending by the previous version (no id of its own) is audited once, by its fields', async () => {
    const { id } = await completedClaim()
    const [, completion] = await trailOf(id)
    const { _id, claimId, ...legacyEntry } = completion!
    assert.ok(_id && claimId)
    // Case 1: already in the trail (crash after the copy, before the pull).
    await claimsOf().updateOne({ _id: id }, { $set: { auditPending: [legacyEntry] } })
    await until(async () => (await claimsOf().findOne({ _id: id }))?.auditPending?.length === 0, 'the claim cleared')
    assert.deepEqual((await trailOf(id)).map((t) => t.to), ['processing', 'completed'])
    // Case 2: never copied.
    await fast.db.collection('claim_transitions').deleteOne({ _id })
    await claimsOf().updateOne({ _id: id }, { $set: { auditPending: [legacyEntry] } })
    await until(async () => (await claimsOf().findOne({ _id: id }))?.auditPending?.length === 0, 'the claim cleared again')
    const trail = await trailOf(id)
    assert.deepEqual(trail.map(({ from, to, by, at, reason }) => ({ from, to, by, at, reason })).at(-1), legacyEntry)
    assert.equal(trail.length, 2)
  })
})
