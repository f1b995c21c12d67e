import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { inPool } from '@app/platform'
import { accessClaims, actor, eventBody, signJwt, startService, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const otherOperator = actor('OPERATOR')
const gameServer = actor('SERVICE')

let service: TestService
before(async () => {
  service = await startService()
})
after(() => service.close())

/** An event that asks for approval, its bundle (with stock, so rejections give units back) and `count` pending claims. */
async function pendingClaims(count: number, { stock }: { stock?: number } = {}) {
  const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({ requireApproval: true }) })
  assert.equal(event.status, 201, JSON.stringify(event.body))
  const reward = await service.call('POST', '/rewards', {
    token: operator.token,
    body: { eventId: event.body.id, contents: [{ type: 'point', amount: 100 }], ...(stock ? { stock } : {}) }
  })
  assert.equal(reward.status, 201, JSON.stringify(reward.body))
  const players = Array.from({ length: count }, () => actor('USER'))
  const ids = await inPool(players, 8, async (player) => {
    const report = await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    assert.equal(report.status, 200, JSON.stringify(report.body))
    const claim = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: reward.body.id } })
    assert.equal(claim.status, 201, JSON.stringify(claim.body))
    assert.equal(claim.body.status, 'pending')
    return claim.body.id as string
  })
  return { eventId: event.body.id as string, rewardId: reward.body.id as string, players, ids }
}

const bulkApprove = (ids: unknown, by: Actor = operator) => service.call('POST', '/user-reward-claims/bulk-approve', { token: by.token, body: { ids } })
const bulkReject = (ids: unknown, reason: unknown, by: Actor = operator) =>
  service.call('POST', '/user-reward-claims/bulk-reject', { token: by.token, body: { ids, reason } })

describe('bulk decisions', () => {
  test('300 approved in one call while another operator rejects 50 of them: each claim decided once, with one audit row', async () => {
    const { ids, rewardId } = await pendingClaims(300, { stock: 1000 })
    // Near the front of the approval, backwards: the two calls are likely to meet among the 50
    // (which of them wins each is up to the race; the test counts, whatever the split).
    const contested = ids.slice(10, 60).reverse()
    const [approval, rejection] = await Promise.all([bulkApprove(ids), bulkReject(contested, 'Fraud ring', otherOperator)])
    assert.equal(approval.status, 200, JSON.stringify(approval.body))
    assert.equal(rejection.status, 200, JSON.stringify(rejection.body))
    assert.deepEqual(approval.body.results.map((result: { id: string }) => result.id), ids, 'approval results in request order')
    assert.deepEqual(rejection.body.results.map((result: { id: string }) => result.id), contested, 'rejection results in request order')

    const approvedIds = new Set<string>(approval.body.results.filter((r: { code?: string }) => !r.code).map((r: { id: string }) => r.id))
    const rejectedIds = new Set<string>(rejection.body.results.filter((r: { code?: string }) => !r.code).map((r: { id: string }) => r.id))
    const approvalLost = approval.body.results.filter((r: { code?: string }) => r.code)
    const rejectionLost = rejection.body.results.filter((r: { code?: string }) => r.code)
    console.log(`bulk race: approval won ${approvedIds.size}, lost ${approvalLost.length}; rejection won ${rejectedIds.size}, lost ${rejectionLost.length}`)
    // Every claim exactly one winner; a loser is told INVALID_TRANSITION and what the claim became.
    for (const id of ids) assert.ok(approvedIds.has(id) !== rejectedIds.has(id), `claim ${id} decided exactly once`)
    for (const lost of approvalLost) assert.deepEqual(lost, { id: lost.id, status: 'rejected', code: 'INVALID_TRANSITION' })
    for (const lost of rejectionLost) {
      assert.equal(lost.code, 'INVALID_TRANSITION')
      assert.ok(['processing', 'completed'].includes(lost.status), JSON.stringify(lost))
    }
    assert.equal(approvalLost.length, rejectedIds.size)
    assert.equal(rejectionLost.length + rejectedIds.size, 50)

    // The raw collections agree: one decision row per claim, by the winner; states, grants and stock to match.
    const objectIds = ids.map((id) => new ObjectId(id))
    const decisions = await service.db
      .collection('claim_transitions')
      .find({ claimId: { $in: objectIds }, from: 'pending' })
      .toArray()
    assert.equal(decisions.length, 300)
    const decisionsPerClaim = new Map<string, typeof decisions>()
    for (const row of decisions) decisionsPerClaim.set(row.claimId.toHexString(), [...(decisionsPerClaim.get(row.claimId.toHexString()) ?? []), row])
    for (const id of ids) {
      const [row, extra] = decisionsPerClaim.get(id) ?? []
      assert.ok(row && !extra, `one decision row for ${id}`)
      assert.deepEqual([row.to, row.by], rejectedIds.has(id) ? ['rejected', otherOperator.id] : ['processing', operator.id])
    }
    const claims = await service.db.collection('claims').find({ _id: { $in: objectIds } }).toArray()
    assert.equal(claims.filter((claim) => claim.status === 'rejected').length, rejectedIds.size)
    assert.equal(claims.filter((claim) => claim.status === 'completed').length, 300 - rejectedIds.size)
    assert.equal(await service.db.collection('user_rewards').countDocuments({ claimId: { $in: objectIds } }), 300 - rejectedIds.size)
    const reward = await service.db.collection('rewards').findOne({ _id: new ObjectId(rewardId) })
    assert.equal(reward?.stockLeft, 1000 - (300 - rejectedIds.size), 'each rejection gave its unit back once')
  })

  test('per id: CLAIM_NOT_FOUND, SELF_APPROVAL (an operator with a claim of their own) and INVALID_TRANSITION, in order', async () => {
    const { ids } = await pendingClaims(2)
    const [first, second] = ids as [string, string]
    // An operator who is also a player here: the claim is their own account's.
    const ownClaim = await service.db.collection('claims').findOne({ _id: new ObjectId(second) })
    const selfId = ownClaim!.userId as string
    const self = { id: selfId, token: signJwt(accessClaims(selfId, ['OPERATOR'])) }
    const missing = new ObjectId().toHexString()

    const reply = await bulkReject([missing, second, first], 'Not eligible', self)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body.results, [
      { id: missing, status: 'not_found', code: 'CLAIM_NOT_FOUND' },
      { id: second, status: 'pending', code: 'SELF_APPROVAL' },
      { id: first, status: 'rejected' }
    ])
    const again = await bulkApprove([first, second])
    assert.deepEqual(again.body.results, [
      { id: first, status: 'rejected', code: 'INVALID_TRANSITION' },
      { id: second, status: 'completed' }
    ])
    assert.equal(await service.db.collection('claim_transitions').countDocuments({ claimId: new ObjectId(first), from: 'pending' }), 1)
  })

  test('duplicate ids, more than 500, none, a bad id or no reason: 400 naming the field, nothing decided', async () => {
    const { ids } = await pendingClaims(1)
    const [id] = ids as [string]
    const tooMany = Array.from({ length: 501 }, () => new ObjectId().toHexString())
    const cases: Array<[string, () => ReturnType<typeof bulkApprove>, string]> = [
      ['duplicates', () => bulkApprove([id, id]), 'body.ids'],
      ['501 ids', () => bulkApprove(tooMany), 'body.ids'],
      ['no ids', () => bulkApprove([]), 'body.ids'],
      ['a bad id', () => bulkReject([id, 'nope'], 'x'), 'body.ids.1'],
      ['no reason', () => bulkReject([id], ''), 'body.reason'],
      ['duplicates (reject)', () => bulkReject([id, id], 'x'), 'body.ids']
    ]
    for (const [what, send, field] of cases) {
      const reply = await send()
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`)
      assert.ok(reply.body.errors.some((error: { field: string }) => error.field === field), `${what} names ${field}: ${JSON.stringify(reply.body.errors)}`)
    }
    const claim = await service.db.collection('claims').findOne({ _id: new ObjectId(id) })
    assert.equal(claim?.status, 'pending')
  })
})
