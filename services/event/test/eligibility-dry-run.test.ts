/**
 * `GET /rewards/:id/eligibility?userId=` over the wire: every reason at once, in the claim's
 * order, with the slot's claimId and each unmet condition's value and target; nothing written.
 * (That it predicts real claims is checked before every claim of the live-ops tests.)
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')
let service: TestService
before(async () => {
  service = await startService()
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
  // Audiences are not judged by the dry run yet: it says so instead of pretending the player sees the event.
  assert.equal(before.body.visible, null)
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
