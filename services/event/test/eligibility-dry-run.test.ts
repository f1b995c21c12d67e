/**
 * `GET /rewards/:id/eligibility?userId=` over the wire: every reason at once, in the claim's
 * order, with the slot's claimId and each unmet condition's value and target; nothing written.
 * (That it predicts real claims is checked before every claim of the live-ops tests.)
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { assertDryRunPredicts } from '@app/devkit/testkit'
import { actor, eventBody, startService, stopTestMongo, taggedPlayer, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')
/** The accounts' tags as auth would answer them now; `authDown` makes every look-up fail. */
const accountTags = new Map<string, string[]>()
let authDown = false
let service: TestService
before(async () => {
  service = await startService({
    accountTagsOf: async (userId) => {
      if (authDown) throw new Error('connect ECONNREFUSED')
      return accountTags.get(userId) ?? null
    }
  })
})
after(() => service.close())

const dryRun = (rewardId: string, userId: string, by: Actor = auditor) =>
  service.call('GET', `/rewards/${rewardId}/eligibility?userId=${userId}`, { token: by.token })
const codes = (reply: { body: { reasons: Array<{ code: string }> } }) => reply.body.reasons.map((reason) => reason.code)

test('every reason at once, in the order a claim checks them; nothing is written', async () => {
  const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval: false, exclusiveRewards: false }) })
  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.body.id, contents: [{ type: 'point', amount: 5 }], conditions: [{ type: 'invite', count: 2 }], stock: 1 }
  })
  const winner = actor('USER')
  const other = actor('USER')
  for (const body of [{ eventType: 'attendance', userId: winner.id }, { eventType: 'invite', userId: winner.id, count: 2 }, { eventType: 'attendance', userId: other.id }]) {
    assert.equal((await service.call('POST', '/user-events/process', { token: gameServer.token, body })).status, 200)
  }

  const before = await dryRun(reward.body.id, winner.id)
  assert.equal(before.status, 200, JSON.stringify(before.body))
  assert.deepEqual({ claimable: before.body.claimable, reasons: before.body.reasons, periodKey: before.body.periodKey }, { claimable: true, reasons: [], periodKey: 'all' })
  assert.equal(before.body.visible, true, 'an event without an audience is visible to every player')
  const claim = await service.call('POST', '/user-reward-claims', { token: winner.token, body: { rewardsId: reward.body.id } })
  assert.equal(claim.status, 201)

  const taken = await dryRun(reward.body.id, winner.id)
  assert.deepEqual(codes(taken), ['ALREADY_CLAIMED', 'OUT_OF_STOCK'])
  assert.equal(taken.body.reasons[0].claimId, claim.body.id)

  const claimsBefore = await service.db.collection('claims').countDocuments()
  await service.call('PATCH', `/event/${event.body.id}`, { token: operator.token, body: { activate: false } })
  const everything = await dryRun(reward.body.id, other.id, operator)
  assert.equal(everything.body.claimable, false)
  assert.deepEqual(codes(everything), ['EVENT_INACTIVE', 'CONDITIONS_NOT_MET', 'OUT_OF_STOCK'])
  const unmet = everything.body.reasons[1].unmet
  assert.deepEqual(unmet.map(({ name, current, target, holds }: Record<string, unknown>) => ({ name, current, target, holds })), [
    { name: 'invite', current: 0, target: 2, holds: false }
  ])
  assert.deepEqual(everything.body.conditions.map((condition: { holds: boolean }) => condition.holds), [true, false], "the event's check-in holds, the bundle's invites do not")
  assert.equal(await service.db.collection('claims').countDocuments(), claimsBefore, 'a dry run writes nothing')
})

test('an unknown bundle is the claim\'s 404; no or a bad userId is a 400 naming it', async () => {
  const missing = await dryRun(new ObjectId().toHexString(), new ObjectId().toHexString())
  assert.equal(missing.status, 404)
  assert.equal(missing.body.code, 'REWARD_NOT_FOUND')
  for (const query of ['', '?userId=nope', `?userId=${new ObjectId().toHexString()}&extra=1`]) {
    const reply = await service.call('GET', `/rewards/${new ObjectId().toHexString()}/eligibility${query}`, { token: auditor.token })
    assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`)
  }
})

test("the audience is judged from the account's current tags: outside it NOT_VISIBLE comes first, as the claim's 404 does", async () => {
  const event = await service.call('POST', '/event', {
    token: operator.token,
    body: eventBody({ requireApproval: false, audience: { anyTags: ['vip'], noneTags: ['banned'] } })
  })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await service.call('POST', '/rewards', { token: operator.token, body: { eventId: event.body.id, contents: [{ type: 'point', amount: 5 }] } })
  const vip = taggedPlayer('vip')
  const outsider = taggedPlayer('vip', 'banned')
  for (const player of [vip, outsider]) {
    accountTags.set(player.id, player.id === vip.id ? ['vip'] : ['banned', 'vip'])
    assert.equal((await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })).status, 200)
  }

  const outside = await dryRun(reward.body.id, outsider.id)
  assert.equal(outside.body.visible, false)
  assert.deepEqual(codes(outside), ['NOT_VISIBLE'])
  assertDryRunPredicts(outside, await service.call('POST', '/user-reward-claims', { token: outsider.token, body: { rewardsId: reward.body.id } }), 'noneTags')
  const inside = await dryRun(reward.body.id, vip.id)
  assert.deepEqual({ visible: inside.body.visible, claimable: inside.body.claimable }, { visible: true, claimable: true })
  assertDryRunPredicts(inside, await service.call('POST', '/user-reward-claims', { token: vip.token, body: { rewardsId: reward.body.id } }), 'anyTags')

  // Unknown to auth, or auth unreachable: not judged, and no NOT_VISIBLE is invented.
  const stranger = await dryRun(reward.body.id, new ObjectId().toHexString())
  assert.equal(stranger.body.visible, null)
  assert.ok(!codes(stranger).includes('NOT_VISIBLE'))
  authDown = true
  try {
    const unjudged = await dryRun(reward.body.id, outsider.id)
    assert.equal(unjudged.status, 200)
    assert.equal(unjudged.body.visible, null)
    assert.deepEqual(codes(unjudged), [])
  } finally {
    authDown = false
  }
})
