/**
 * `GET /event/:id/stats` against counts the test makes itself from the raw collections (days
 * counted by hand, not by the service's evaluators), for a Seoul-time event with check-ins over
 * three days, approvals and rejections; and the period rules of a daily event.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { inPool } from '@app/platform'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')
const DAY = 24 * 3600_000
let service: TestService
before(async () => {
  service = await startService()
})
after(() => service.close())

const stats = (eventId: string, query = '') => service.call('GET', `/event/${eventId}/stats${query}`, { token: auditor.token })
const report = (body: Record<string, unknown>) => service.call('POST', '/user-events/process', { token: gameServer.token, body })
/** The day an instant falls on in Seoul (UTC+9, no DST), computed without the service's calendar code. */
const seoulDay = (instant: Date) => new Date(instant.getTime() + 9 * 3600_000).toISOString().slice(0, 10)
const nearestRank = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)])

describe('event stats', () => {
  test('equal the counts made from the raw collections', async () => {
    const event = await service.call('POST', '/event', {
      token: operator.token,
      body: eventBody({
        startedAt: new Date(Date.now() - 5 * DAY).toISOString(),
        timezone: 'Asia/Seoul',
        requireApproval: true,
        exclusiveRewards: false,
        contents: [{ type: 'attendance', count: 2 }, { type: 'any', of: [{ type: 'invite', count: 1 }, { type: 'quest', questId: 'q-1' }] }]
      })
    })
    assert.equal(event.status, 201, JSON.stringify(event.body))
    const eventId = event.body.id as string
    const bundle = async (extra: Record<string, unknown>) =>
      (await service.call('POST', '/rewards', { token: operator.token, body: { eventId, contents: [{ type: 'point', amount: 1 }], ...extra } })).body.id as string
    const stocked = await bundle({ stock: 10 })
    const unlimited = await bundle({})
    const unclaimed = await bundle({ conditions: [{ type: 'invite', count: 50 }] })

    // 30 players: check-ins on 1–3 of the last three days, every third invites, every fifth does the quest.
    const players = Array.from({ length: 30 }, () => actor('USER'))
    await inPool(players, 6, async (player, i) => {
      for (let day = 0; day <= i % 3; day++) await report({ eventType: 'attendance', userId: player.id, occurredAt: new Date(Date.now() - day * DAY).toISOString() })
      if (i % 3 === 0) await report({ eventType: 'invite', userId: player.id })
      if (i % 5 === 0) await report({ eventType: 'quest', userId: player.id, value: 'q-1' })
    })
    const claimIds: string[] = []
    for (const player of players) {
      for (const rewardId of [stocked, unlimited]) {
        const claim = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardId } })
        if (claim.status === 201) claimIds.push(claim.body.id)
      }
    }
    assert.ok(claimIds.length > 4, `some claims made (${claimIds.length})`)
    await service.call('POST', '/user-reward-claims/bulk-approve', { token: operator.token, body: { ids: claimIds.filter((_, i) => i % 3 !== 2) } })
    await service.call('POST', '/user-reward-claims/bulk-reject', { token: operator.token, body: { ids: claimIds.filter((_, i) => i % 3 === 2 && i % 2 === 0), reason: 'test' } })

    const reply = await stats(eventId)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))

    // The same figures, from the raw documents.
    const id = new ObjectId(eventId)
    const progress = await service.db.collection('progress').find({ eventId: id }).toArray()
    const claims = await service.db.collection('claims').find({ eventId: id }).toArray()
    const rewards = await service.db.collection('rewards').find({ eventId: id }).sort({ _id: 1 }).toArray()
    const countBy = <T>(items: T[], key: (item: T) => string) => items.reduce((map, item) => map.set(key(item), (map.get(key(item)) ?? 0) + 1), new Map<string, number>())
    const completed = claims
      .filter((claim) => claim.status === 'completed')
      .map((claim) => claim.delivery.completedAt.getTime() - claim.delivery.queuedAt.getTime())
      .sort((a, b) => a - b)
    const expected = {
      participants: progress.length,
      conditions: [
        { index: 0, type: 'attendance', holding: progress.filter((doc) => new Set(doc.state.attendance?.days ?? []).size >= 2).length },
        { index: 1, type: 'any', holding: progress.filter((doc) => (doc.state.invite?.sum ?? 0) + (doc.state.invite?.added ?? 0) >= 1 || doc.state['quest:q-1']?.done === true).length }
      ],
      bundles: rewards.map((reward) => {
        const mine = countBy(claims.filter((claim) => claim.rewardId.equals(reward._id)), (claim) => claim.status)
        const claimsOf = Object.fromEntries(['pending', 'processing', 'completed', 'rejected', 'failed'].map((status) => [status, mine.get(status) ?? 0]))
        return { rewardId: reward._id.toHexString(), claims: claimsOf, stockLeft: reward.stockLeft ?? null }
      }),
      claimsPerDay: [...countBy(claims, (claim) => seoulDay(claim.createdAt))].sort().map(([day, count]) => ({ day, count })),
      deliveryMs: { p50: nearestRank(completed, 50), p95: nearestRank(completed, 95) }
    }
    assert.deepEqual(reply.body, expected)
    // And the situation is not trivial: each kind of figure is non-zero somewhere.
    assert.equal(expected.participants, 30)
    assert.ok(expected.conditions.every((condition) => condition.holding > 0 && condition.holding < 30), JSON.stringify(expected.conditions))
    assert.ok(['pending', 'completed', 'rejected'].every((status) => expected.bundles.some((b) => (b.claims as Record<string, number>)[status]! > 0)))
    assert.deepEqual(expected.bundles.map((b) => b.rewardId), [stocked, unlimited, unclaimed])
    assert.ok(completed.length > 0)
  })

  test('a daily event: the current period by default, another by periodKey, a key of another shape is a 400', async () => {
    const event = await service.call('POST', '/event', {
      token: operator.token,
      body: eventBody({ startedAt: new Date(Date.now() - 5 * DAY).toISOString(), recurrence: { every: 'day' }, contents: [{ type: 'attendance', count: 1 }] })
    })
    const eventId = event.body.id as string
    const yesterday = new Date(Date.now() - DAY)
    for (const player of [actor('USER'), actor('USER')]) await report({ eventType: 'attendance', userId: player.id, occurredAt: yesterday.toISOString() })
    await report({ eventType: 'attendance', userId: actor('USER').id })

    assert.equal((await stats(eventId)).body.participants, 1, 'today')
    const before = await stats(eventId, `?periodKey=${yesterday.toISOString().slice(0, 10)}`)
    assert.deepEqual([before.body.participants, before.body.conditions], [2, [{ index: 0, type: 'attendance', holding: 2 }]])
    for (const query of ['?periodKey=all', '?periodKey=2026-W01', '?periodKey=nope', '?other=1']) {
      const reply = await stats(eventId, query)
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`)
    }
    assert.equal((await stats(new ObjectId().toHexString())).status, 404)
  })
})
