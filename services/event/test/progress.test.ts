import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, eventBody, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const auditor = actor('AUDITOR')
const gameServer = actor('SERVICE')

let service: TestService
let inviteEvent: string
let attendanceEvent: string
before(async () => {
  service = await startService()
  const create = async (contents: unknown[]) =>
    (await service.call('POST', '/event', { token: operator.token, body: eventBody({ contents }) })).body.id as string
  inviteEvent = await create([{ type: 'invite', count: 3 }])
  attendanceEvent = await create([{ type: 'attendance', count: 2 }])
})
after(() => service.close())

const report = (userId: string, body: Record<string, unknown>, key?: string) =>
  service.call('POST', '/user-events/process', {
    token: gameServer.token,
    body: { userId, ...body },
    ...(key ? { headers: { 'idempotency-key': key } } : {})
  })
const invitesOf = async (userId: string) => {
  const reply = await service.call('GET', `/user-events?userId=${userId}&eventId=${inviteEvent}`, { token: operator.token })
  return reply.body.items[0].conditions[0].current as number
}

describe('GET /user-events', () => {
  test('a USER sees their own standing in every live event, by default and by naming themselves', async () => {
    const player = actor('USER')
    await report(player.id, { eventType: 'invite', count: 2 })
    for (const query of ['?limit=100', `?userId=${player.id}&limit=100`]) {
      const reply = await service.call('GET', `/user-events${query}`, { token: player.token })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      const byEvent = new Map(reply.body.items.map((item: { eventId: string }) => [item.eventId, item]))
      assert.ok(reply.body.items.every((item: { userId: string }) => item.userId === player.id))
      const invites = byEvent.get(inviteEvent) as Record<string, unknown>
      assert.deepEqual(invites.conditions, [{ name: 'invite', type: 'invite', current: 2, target: 3, holds: false }])
      assert.equal(invites.satisfied, false)
      assert.equal(invites.periodKey, 'all')
      assert.equal(invites.resetsAt, null)
      assert.deepEqual(invites.bundles, [])
      // A live event the player has not touched yet is there too, at zero.
      const attendance = byEvent.get(attendanceEvent) as Record<string, unknown>
      assert.deepEqual(attendance.conditions, [{ name: 'attendance', type: 'attendance', current: 0, target: 2, holds: false }])
      assert.equal(attendance.updatedAt, null)
    }
  })

  test("a USER asking for someone else's progress is a 403", async () => {
    const player = actor('USER')
    const reply = await service.call('GET', `/user-events?userId=${actor('USER').id}`, { token: player.token })
    assert.equal(reply.status, 403)
    assert.equal(reply.body.code, 'NOT_YOUR_USER_ID')
  })

  test('staff read anyone, or everyone', async () => {
    const player = actor('USER')
    await report(player.id, { eventType: 'invite', count: 1 })
    for (const staff of [operator, auditor, actor('ADMIN')]) {
      const one = await service.call('GET', `/user-events?userId=${player.id}`, { token: staff.token })
      assert.equal(one.status, 200)
      assert.equal(one.body.items[0].userId, player.id)
    }
    // Game servers report progress; they read nobody's (SPEC: SERVICE, "no progress").
    assert.equal((await service.call('GET', `/user-events?userId=${player.id}`, { token: gameServer.token })).status, 403)
    const all = await service.call('GET', `/user-events?eventId=${inviteEvent}&limit=100`, { token: auditor.token })
    assert.ok(all.body.items.length >= 2)
    assert.ok(all.body.items.every((progress: { eventId: string }) => progress.eventId === inviteEvent))
  })

  test('an event without progress yet shows zeros; an unknown event is a 404', async () => {
    const player = actor('USER')
    const fresh = await service.call('GET', `/user-events?eventId=${attendanceEvent}`, { token: player.token })
    assert.deepEqual(fresh.body.items[0].conditions, [{ name: 'attendance', type: 'attendance', current: 0, target: 2, holds: false }])
    assert.equal(fresh.body.items[0].updatedAt, null)
    const unknown = await service.call('GET', `/user-events?eventId=${new ObjectId().toHexString()}`, { token: player.token })
    assert.equal(unknown.status, 404)
    assert.equal((await service.call('GET', '/user-events?userId=nobody', { token: operator.token })).status, 400)
  })
})

describe('POST /user-events/check-in', () => {
  test("counts one attendance for today, for the caller; twice a day is still one day", async () => {
    const player = actor('USER')
    const first = await service.call('POST', '/user-events/check-in', { token: player.token })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.deepEqual(first.body.updates, [{ eventId: attendanceEvent, periodKey: 'all', conditions: ['attendance'] }])
    assert.equal(first.body.duplicate, false)
    await service.call('POST', '/user-events/check-in', { token: player.token })
    const progress = await service.call('GET', `/user-events?eventId=${attendanceEvent}`, { token: player.token })
    assert.equal(progress.body.items[0].conditions[0].current, 1)
  })
})

describe('Idempotency-Key', () => {
  test('a repeat counts once and returns the first outcome', async () => {
    const player = actor('USER')
    const first = await report(player.id, { eventType: 'invite', count: 1 }, 'invite-1')
    const again = await report(player.id, { eventType: 'invite', count: 1 }, 'invite-1')
    assert.equal(first.body.duplicate, false)
    assert.equal(again.status, 200)
    assert.equal(again.body.duplicate, true)
    assert.equal(again.body.reportId, first.body.reportId)
    assert.deepEqual(again.body.updates, first.body.updates)
    assert.equal(await invitesOf(player.id), 1)
    await report(player.id, { eventType: 'invite', count: 1 }, 'invite-2')
    assert.equal(await invitesOf(player.id), 2)
  })

  test('one report sent 5× in parallel with one key counts once', async () => {
    const player = actor('USER')
    const replies = await Promise.all(Array.from({ length: 5 }, () => report(player.id, { eventType: 'invite', count: 1 }, 'burst')))
    assert.deepEqual(
      replies.map((reply) => reply.status),
      [200, 200, 200, 200, 200]
    )
    assert.equal(replies.filter((reply) => !reply.body.duplicate).length, 1)
    assert.equal(new Set(replies.map((reply) => reply.body.reportId)).size, 1)
    assert.equal(await invitesOf(player.id), 1)
  })

  test('20 different reports in parallel for a new player, counted by 3 events: each counts exactly once in each', async () => {
    const create = async () =>
      (await service.call('POST', '/event', { token: operator.token, body: eventBody({ contents: [{ type: 'purchase', amount: 1_000 }] }) })).body.id as string
    const events = [await create(), await create(), await create()]
    const player = actor('USER')
    // All first writes for this player race to create the same three progress documents.
    const replies = await Promise.all(Array.from({ length: 20 }, (_, index) => report(player.id, { eventType: 'purchase', count: 10 }, `buy-${index}`)))
    assert.deepEqual(replies.map((reply) => reply.status), Array(20).fill(200))
    for (const eventId of events) {
      const reply = await service.call('GET', `/user-events?userId=${player.id}&eventId=${eventId}`, { token: operator.token })
      assert.equal(reply.body.items.length, 1, 'one progress document per (player, event)')
      assert.equal(reply.body.items[0].conditions[0].current, 200, `event ${eventId}: 20 reports × 10`)
    }
  })

  test('one reporter, one key, two players: two reports; the same key for a different report is a 409', async () => {
    const player = actor('USER')
    const other = actor('USER')
    await report(player.id, { eventType: 'invite', count: 1 }, 'shared')
    const otherUser = await report(other.id, { eventType: 'invite', count: 1 }, 'shared')
    assert.equal(otherUser.body.duplicate, false)
    const reused = await report(player.id, { eventType: 'invite', count: 2 }, 'shared')
    assert.equal(reused.status, 409)
    assert.equal(reused.body.code, 'IDEMPOTENCY_KEY_REUSED')
    assert.equal(await invitesOf(player.id), 1)
  })

  test('a report applied but not marked applied (a crash in between) is not counted again by its retry', async () => {
    const player = actor('USER')
    await report(player.id, { eventType: 'invite', count: 2 }, 'half-done')
    await service.db.collection('progress_reports').updateOne({ userId: player.id, key: 'half-done' }, { $set: { appliedAt: false } })
    const retried = await report(player.id, { eventType: 'invite', count: 2 }, 'half-done')
    assert.equal(retried.body.duplicate, true)
    assert.equal(await invitesOf(player.id), 2)
  })

  test('400 for a key with spaces or over 128 characters', async () => {
    const player = actor('USER')
    assert.equal((await report(player.id, { eventType: 'invite' }, 'has space')).status, 400)
    assert.equal((await report(player.id, { eventType: 'invite' }, 'k'.repeat(129))).status, 400)
  })
})
