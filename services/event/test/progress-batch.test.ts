/**
 * Batch ingestion (SPEC v2, "Progress — batch"): `POST /user-events/process/batch` answers one
 * result per report, in order; only a malformed envelope is a 400. Its ids share the single
 * report's idempotency key space, and every report is counted exactly once — under retries of
 * the whole batch, overlapping batches in parallel, batches racing single reports with the same
 * keys, and a crash between storing and applying (finished by the sweeper).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, createEventWith, eventually, NOT_APPLIED, serviceStarter, sleep, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const gameServer = actor('SERVICE')
const NO_SWEEPER = { SWEEPER_INTERVAL_MS: String(24 * 60 * 60 * 1000) }

const start = serviceStarter()
const createEvent = (service: TestService, contents: unknown[]) => createEventWith(service, operator, contents)
const batch = (service: TestService, reports: unknown, token = gameServer.token) =>
  service.call('POST', '/user-events/process/batch', { token, body: { reports } })
const statusesOf = (reply: { body: { results: { status: string }[] } }) => reply.body.results.map((result) => result.status)
async function currentOf(service: TestService, userId: string, eventId: string, index = 0): Promise<number> {
  const reply = await service.call('GET', `/user-events?userId=${userId}&eventId=${eventId}`, { token: operator.token })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body.items[0].conditions[index].current
}

describe('the envelope and the items', () => {
  let service: TestService
  let inviteEvent: string
  before(async () => {
    service = await start({ env: NO_SWEEPER })
    inviteEvent = await createEvent(service, [{ type: 'invite', count: 100 }, { type: 'quest', questId: 'q-17' }])
  })

  test('a malformed envelope is a 400 naming the field, and stores nothing', async () => {
    const player = actor('USER')
    const item = { id: 'k', eventType: 'invite', userId: player.id, count: 1 }
    const cases: [unknown, RegExp][] = [
      [{}, /reports/],
      [{ reports: 'many' }, /body\.reports/],
      [{ reports: [] }, /body\.reports/],
      [{ reports: Array.from({ length: 501 }, (_, index) => ({ ...item, id: `k-${index}` })) }, /body\.reports/],
      [{ reports: [item], dryRun: true }, /dryRun/]
    ]
    for (const [body, field] of cases) {
      const reply = await service.call('POST', '/user-events/process/batch', { token: gameServer.token, body })
      assert.equal(reply.status, 400, JSON.stringify(reply.body).slice(0, 300))
      assert.equal(reply.body.code, 'VALIDATION_FAILED')
      assert.match(reply.body.detail, field)
    }
    assert.equal(await service.db.collection('progress_reports').countDocuments({ userId: player.id }), 0)
  })

  test('one result per report, in order: applied, ignored, duplicate within the batch, invalid items naming their field', async () => {
    const player = actor('USER')
    const future = new Date(Date.now() + 60 * 60 * 1000).toISOString()
    const reply = await batch(service, [
      { id: 'a', eventType: 'invite', userId: player.id, count: 3 },
      { id: 'b', eventType: 'attendance', userId: player.id },
      { id: 'a', eventType: 'invite', userId: player.id, count: 3 },
      { id: 'c', eventType: 'quest', userId: player.id },
      { id: 'd', eventType: 'invite', userId: 'not-an-id', count: 1 },
      { id: 'e', eventType: 'teleport', userId: player.id },
      { id: 'f', eventType: 'invite', userId: player.id, count: 2, mood: 'happy' },
      { id: 'g', eventType: 'invite', userId: player.id, occurredAt: future },
      42,
      { eventType: 'invite', userId: player.id },
      { id: 'h', eventType: 'quest', userId: player.id, value: 'q-17' },
      { id: 'i', eventType: 'invite', userId: player.id, count: '4' }
    ])
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(statusesOf(reply), ['applied', 'ignored', 'duplicate', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'applied', 'applied'])
    const results = reply.body.results
    assert.deepEqual(results.map((result: { id: string | null }) => result.id), ['a', 'b', 'a', 'c', 'd', 'e', 'f', 'g', null, null, 'h', 'i'])
    assert.match(results[3].detail, /reports\.3.*value/)
    assert.match(results[4].detail, /reports\.4\.userId/)
    assert.match(results[5].detail, /reports\.5/)
    assert.match(results[6].detail, /reports\.6.*mood/)
    assert.match(results[7].detail, /reports\.7\.occurredAt is in the future/)
    assert.match(results[9].detail, /reports\.9.*id/)
    // Counted once each: 3 (a, once) + 4 (i, "4" read as a single report would read it).
    assert.equal(await currentOf(service, player.id, inviteEvent), 7)
    assert.equal(await currentOf(service, player.id, inviteEvent, 1), 1)
    const stored = await service.db.collection('progress_reports').find({ userId: player.id }).toArray()
    assert.deepEqual(stored.map((doc) => doc.key).sort(), ['a', 'b', 'h', 'i'], 'invalid items store nothing')
    assert.ok(stored.every((doc) => doc.appliedAt instanceof Date), 'every stored report marked applied')
  })

  test('a batch id and an Idempotency-Key are one key space: either way round, the second is a duplicate', async () => {
    const player = actor('USER')
    const single = await service.call('POST', '/user-events/process', {
      token: gameServer.token,
      headers: { 'idempotency-key': 'shared-1' },
      body: { eventType: 'invite', userId: player.id, count: 5 }
    })
    assert.equal(single.status, 200)
    const again = await batch(service, [
      { id: 'shared-1', eventType: 'invite', userId: player.id, count: 5 },
      { id: 'shared-2', eventType: 'invite', userId: player.id, count: 1 }
    ])
    assert.deepEqual(statusesOf(again), ['duplicate', 'applied'])
    const retried = await service.call('POST', '/user-events/process', {
      token: gameServer.token,
      headers: { 'idempotency-key': 'shared-2' },
      body: { eventType: 'invite', userId: player.id, count: 1 }
    })
    assert.equal(retried.body.duplicate, true)
    assert.equal(await currentOf(service, player.id, inviteEvent), 6)
  })

  test('an id used for a different report is invalid (IDEMPOTENCY_KEY_REUSED), and counts nothing', async () => {
    const player = actor('USER')
    assert.deepEqual(statusesOf(await batch(service, [{ id: 'once', eventType: 'invite', userId: player.id, count: 2 }])), ['applied'])
    const reused = await batch(service, [{ id: 'once', eventType: 'invite', userId: player.id, count: 9 }])
    assert.deepEqual(statusesOf(reused), ['invalid'])
    assert.match(reused.body.results[0].detail, /IDEMPOTENCY_KEY_REUSED/)
    assert.equal(await currentOf(service, player.id, inviteEvent), 2)
  })

  test('ids are scoped to the reporting account: another game server using the same id is counted', async () => {
    const player = actor('USER')
    const otherServer = actor('SERVICE')
    const item = { id: 'server-key', eventType: 'invite', userId: player.id, count: 1 }
    assert.deepEqual(statusesOf(await batch(service, [item])), ['applied'])
    assert.deepEqual(statusesOf(await batch(service, [item], otherServer.token)), ['applied'])
    assert.equal(await currentOf(service, player.id, inviteEvent), 2)
  })

  test('who may call it: SERVICE, OPERATOR, ADMIN; a USER is refused and nothing is stored', async () => {
    const player = actor('USER')
    const items = (id: string) => [{ id, eventType: 'invite', userId: player.id, count: 1 }]
    assert.equal((await batch(service, items('u'), player.token)).status, 403)
    assert.equal((await batch(service, items('o'), operator.token)).status, 200)
    assert.equal((await batch(service, items('x'), actor('ADMIN').token)).status, 200)
    assert.equal((await batch(service, items('a'), actor('AUDITOR').token)).status, 403)
    assert.equal(await currentOf(service, player.id, inviteEvent), 2)
  })
})

describe('exactly once', () => {
  let service: TestService
  let inviteEvent: string
  let attendanceEvent: string
  before(async () => {
    service = await start({ env: NO_SWEEPER })
    inviteEvent = await createEvent(service, [{ type: 'invite', count: 1_000_000 }])
    attendanceEvent = await createEvent(service, [{ type: 'attendance', count: 30 }])
  })

  test('the whole batch sent again (a lost reply): every report a duplicate, nothing counted twice', async () => {
    const players = Array.from({ length: 20 }, () => actor('USER'))
    const reports = players.flatMap((player, index) => [
      { id: `inv-${index}`, eventType: 'invite', userId: player.id, count: index + 1 },
      { id: `day-${index}`, eventType: 'attendance', userId: player.id }
    ])
    const first = await batch(service, reports)
    assert.ok(statusesOf(first).every((status) => status === 'applied'), JSON.stringify(first.body).slice(0, 400))
    const second = await batch(service, reports)
    assert.ok(statusesOf(second).every((status) => status === 'duplicate'))
    for (const [index, player] of players.entries()) {
      assert.equal(await currentOf(service, player.id, inviteEvent), index + 1)
      assert.equal(await currentOf(service, player.id, attendanceEvent), 1)
    }
  })

  test('eight overlapping batches in parallel, and single reports with the same keys racing them: each report counted once', async () => {
    const player = actor('USER')
    // 100 reports of 1..100 invites; batch k carries reports k*10 … k*10+29 (overlapping its neighbours).
    const reportOf = (n: number) => ({ id: `race-${n}`, eventType: 'invite', userId: player.id, count: n + 1 })
    const batches = Array.from({ length: 8 }, (_, k) => Array.from({ length: 30 }, (_, at) => reportOf(k * 10 + at)).filter((item) => item.count <= 100))
    const singles = Array.from({ length: 100 }, (_, n) => n).filter((n) => n % 7 === 0)
    const replies = await Promise.all([
      ...batches.map((items) => batch(service, items)),
      ...singles.map((n) => {
        const { id, ...body } = reportOf(n)
        return service.call('POST', '/user-events/process', { token: gameServer.token, headers: { 'idempotency-key': id }, body })
      })
    ])
    assert.ok(replies.every((reply) => reply.status === 200), JSON.stringify(replies.find((reply) => reply.status !== 200)?.body))
    // Every id appears as applied exactly once across all replies; every other answer for it is a duplicate.
    const applied = new Map<string, number>()
    for (const reply of replies.slice(0, batches.length)) {
      for (const result of reply.body.results) {
        assert.ok(result.status === 'applied' || result.status === 'duplicate', JSON.stringify(result))
        if (result.status === 'applied') applied.set(result.id, (applied.get(result.id) ?? 0) + 1)
      }
    }
    for (const [at, reply] of replies.slice(batches.length).entries()) {
      if (!reply.body.duplicate) applied.set(`race-${singles[at]}`, (applied.get(`race-${singles[at]}`) ?? 0) + 1)
    }
    assert.equal(applied.size, 100)
    assert.ok([...applied.values()].every((times) => times === 1), 'one first receipt per id')
    assert.equal(await currentOf(service, player.id, inviteEvent), (100 * 101) / 2)
    assert.equal(await service.db.collection('progress_reports').countDocuments({ userId: player.id }), 100)
  })

  test('a batch retrying a report applied but not marked, beside new reports for the same counter: the new ones count, the retried one not again', async () => {
    const player = actor('USER')
    const single = await service.call('POST', '/user-events/process', { token: gameServer.token, headers: { 'idempotency-key': 'half-1' }, body: { eventType: 'invite', userId: player.id, count: 2 } })
    assert.equal(single.status, 200, JSON.stringify(single.body))
    await eventually(async () => (await service.db.collection('progress_reports').findOne({ userId: player.id, key: 'half-1' }))?.appliedAt, 2_000, 'its mark')
    // A crash after applying it and before marking it.
    await service.db.collection('progress_reports').updateOne({ userId: player.id, key: 'half-1' }, { $set: { appliedAt: false } })
    const reply = await batch(service, [
      { id: 'half-1', eventType: 'invite', userId: player.id, count: 2 },
      { id: 'half-2', eventType: 'invite', userId: player.id, count: 3 },
      { id: 'half-3', eventType: 'invite', userId: player.id, count: 4 },
      { id: 'half-4', eventType: 'attendance', userId: player.id }
    ])
    assert.deepEqual(statusesOf(reply), ['duplicate', 'applied', 'applied', 'applied'])
    assert.equal(await currentOf(service, player.id, inviteEvent), 9, '2 + 3 + 4')
    assert.equal(await currentOf(service, player.id, attendanceEvent), 1)
    assert.equal(await service.db.collection('progress_reports').countDocuments({ userId: player.id, ...NOT_APPLIED }), 0)
  })

  test('many players and days in one batch: attendance days are sets, one progress document per player and event', async () => {
    const player = actor('USER')
    const days = Array.from({ length: 5 }, (_, day) => new Date(Date.now() - day * 24 * 60 * 60 * 1000 - 60_000).toISOString())
    const reply = await batch(service, [
      ...days.map((occurredAt, day) => ({ id: `d-${day}`, eventType: 'attendance', userId: player.id, occurredAt })),
      ...days.map((occurredAt, day) => ({ id: `d-again-${day}`, eventType: 'attendance', userId: player.id, occurredAt }))
    ])
    assert.equal(reply.status, 200)
    // The event started a day ago: only the reports inside its window count.
    const inWindow = reply.body.results.filter((result: { status: string }) => result.status === 'applied').length
    assert.ok(inWindow >= 2 && inWindow <= 4, `applied ${inWindow}`)
    assert.equal(await currentOf(service, player.id, attendanceEvent), inWindow / 2)
    assert.equal(await service.db.collection('progress').countDocuments({ userId: player.id }), 1)
  })
})

describe('a crash between storing a batch and applying it', () => {
  const crash = { armed: false, hits: [] as ObjectId[] }
  let service: TestService
  let inviteEvent: string
  before(async () => {
    service = await start({
      env: { SWEEPER_INTERVAL_MS: '200' },
      failurePoints: {
        afterReportStored: (reportId) => {
          crash.hits.push(reportId)
          if (crash.armed) throw new Error('injected crash')
        }
      }
    })
    inviteEvent = await createEvent(service, [{ type: 'invite', count: 1_000 }])
  })

  test('the sweeper finishes every stored report, once; a retry meanwhile applies them once too', async () => {
    const [first, second] = [actor('USER'), actor('USER')]
    crash.armed = true
    const items = (player: typeof first, prefix: string) => Array.from({ length: 10 }, (_, n) => ({ id: `${prefix}-${n}`, eventType: 'invite', userId: player.id, count: 2 }))
    const failed = await batch(service, items(first, 'swept'))
    assert.equal(failed.status, 500)
    assert.doesNotMatch(JSON.stringify(failed.body), /injected/)
    assert.equal(await service.db.collection('progress_reports').countDocuments({ userId: first.id, ...NOT_APPLIED }), 10, 'stored, not applied')
    assert.equal((await batch(service, items(second, 'retried'))).status, 500)
    crash.armed = false
    const retry = await batch(service, items(second, 'retried'))
    assert.ok(statusesOf(retry).every((status) => status === 'duplicate'))
    assert.equal(await currentOf(service, second.id, inviteEvent), 20, 'the retry applied them')
    await eventually(async () => (await currentOf(service, first.id, inviteEvent)) === 20, 5_000, 'the sweeper to apply them')
    await sleep(600) // three more sweeps
    assert.equal(await currentOf(service, first.id, inviteEvent), 20)
    assert.equal(await currentOf(service, second.id, inviteEvent), 20)
    assert.equal(await service.db.collection('progress_reports').countDocuments(NOT_APPLIED), 0)
  })
})
