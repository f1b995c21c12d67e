/**
 * Progress that is never lost or counted twice (SPEC v2, "Progress"): failures injected between
 * storing a report and applying it, retries arriving after hundreds of newer reports, two
 * reporters sharing a key scheme, retries written differently, two sweepers racing, and the
 * retention window — over the embedded database, with an adjustable clock.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { MongoClient, ObjectId } from 'mongodb'
import { startTestMongo } from '@app/devkit/testkit'
import { migrateToProgressPeriods } from '../src/migrations/progress-periods.js'
import { createProgressRepository, SETTLE_AFTER_MS } from '../src/repositories/progress.js'
import { actor, adjustableClock, createEventWith, eventBody, eventually, NOT_APPLIED, serviceStarter, sleep, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

const operator = actor('OPERATOR')
const gameServer = actor('SERVICE')
/** Longest sweeper interval: for services whose sweeper must not interfere. */
const NO_SWEEPER = { SWEEPER_INTERVAL_MS: String(24 * 60 * 60 * 1000) }
const DAY = 24 * 60 * 60 * 1000

const start = serviceStarter()
const createEvent = (service: TestService, contents: unknown[]) => createEventWith(service, operator, contents)
const report = (service: TestService, userId: string, body: Record<string, unknown>, key?: string, by: Actor = gameServer) =>
  service.call('POST', '/user-events/process', { token: by.token, body: { userId, ...body }, ...(key ? { headers: { 'idempotency-key': key } } : {}) })
async function currentOf(service: TestService, userId: string, eventId: string): Promise<number> {
  const reply = await service.call('GET', `/user-events?userId=${userId}&eventId=${eventId}`, { token: operator.token })
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  return reply.body.items[0].conditions[0].current
}
const reportsOf = (service: TestService, userId: string) => service.db.collection('progress_reports').find({ userId }).toArray()

/** A failure point that throws while `armed`, as a crash at that point would. */
function crashPoint() {
  const point = {
    armed: 0,
    hits: [] as ObjectId[],
    fire: (reportId: ObjectId) => {
      if (point.armed <= 0) return
      point.armed -= 1
      point.hits.push(reportId)
      throw new Error('injected crash')
    }
  }
  return point
}

describe('a failure between storing a report and applying it', () => {
  const crash = crashPoint()
  let service: TestService
  let inviteEvent: string

  test('set-up', async () => {
    service = await start({ env: { SWEEPER_INTERVAL_MS: '200' }, failurePoints: { afterReportStored: crash.fire } })
    inviteEvent = await createEvent(service, [{ type: 'invite', count: 10 }])
  })

  test('the sweeper applies it, once', async () => {
    const player = actor('USER')
    crash.armed = 1
    const failed = await report(service, player.id, { eventType: 'invite', count: 3 }, 'crashed-1')
    assert.equal(failed.status, 500)
    assert.doesNotMatch(JSON.stringify(failed.body), /injected/, 'no internals to the caller')
    const [stored] = await reportsOf(service, player.id)
    assert.equal(stored?.appliedAt, false, 'stored, not applied')
    await eventually(async () => (await currentOf(service, player.id, inviteEvent)) === 3, 3_000, 'the sweeper to apply it')
    await sleep(600) // three more sweeps
    assert.equal(await currentOf(service, player.id, inviteEvent), 3)
    assert.ok((await reportsOf(service, player.id))[0]?.appliedAt)
  })

  test('a retry meanwhile applies it, and the sweeper does not apply it again', async () => {
    const player = actor('USER')
    crash.armed = 1
    assert.equal((await report(service, player.id, { eventType: 'invite', count: 4 }, 'crashed-2')).status, 500)
    const retry = await report(service, player.id, { eventType: 'invite', count: 4 }, 'crashed-2')
    assert.equal(retry.status, 200, JSON.stringify(retry.body))
    assert.equal(retry.body.duplicate, true)
    assert.equal(retry.body.reportId, crash.hits.at(-1)?.toHexString())
    assert.equal(await currentOf(service, player.id, inviteEvent), 4)
    await sleep(600)
    assert.equal(await currentOf(service, player.id, inviteEvent), 4)
    assert.equal((await reportsOf(service, player.id)).length, 1)
  })
})

test('a report that keeps failing does not hold up the others: the sweeper finishes them and retries it each tick', async () => {
  let poisoned: ObjectId | undefined
  let strandNext = 0
  const service = await start({
    env: { SWEEPER_INTERVAL_MS: '100' },
    failurePoints: {
      afterReportStored: (id) => {
        if (strandNext <= 0) return
        strandNext -= 1
        throw new Error('injected crash')
      },
      afterEffectsApplied: (id) => {
        if (poisoned?.equals(id)) throw new Error('still broken')
      }
    }
  })
  const inviteEvent = await createEvent(service, [{ type: 'invite', count: 100 }])
  const players = [actor('USER'), actor('USER'), actor('USER')]
  strandNext = 3
  for (const player of players) assert.equal((await report(service, player.id, { eventType: 'invite', count: 2 }, 'stranded')).status, 500)
  poisoned = (await reportsOf(service, players[0]!.id))[0]?._id
  for (const player of players.slice(1)) {
    await eventually(async () => (await currentOf(service, player.id, inviteEvent)) === 2, 5_000, 'the healthy reports applied')
  }
  assert.equal((await reportsOf(service, players[0]!.id))[0]?.appliedAt, false, 'the failing one is still waiting')
  poisoned = undefined
  await eventually(async () => (await reportsOf(service, players[0]!.id))[0]?.appliedAt, 5_000, 'applied once it works again')
  assert.equal(await currentOf(service, players[0]!.id, inviteEvent), 2)
})

test('a retry of a partially applied report after 200 newer reports for the same player and event counts once', async () => {
  const crash = crashPoint()
  const service = await start({ env: NO_SWEEPER, failurePoints: { afterEffectsApplied: crash.fire } })
  const inviteEvent = await createEvent(service, [{ type: 'invite', count: 1_000 }])
  const attendanceEvent = await createEvent(service, [{ type: 'attendance', count: 3 }])
  const player = actor('USER')
  crash.armed = 1
  // Applied to the event, then the process died before marking it applied.
  assert.equal((await report(service, player.id, { eventType: 'invite', count: 5 }, 'late-retry')).status, 500)
  assert.equal(await currentOf(service, player.id, inviteEvent), 5)
  for (let i = 0; i < 200; i++) {
    const newer = await report(service, player.id, { eventType: 'invite', count: 1 }, `newer-${i}`)
    assert.equal(newer.status, 200)
  }
  assert.equal(await currentOf(service, player.id, inviteEvent), 205)
  const retry = await report(service, player.id, { eventType: 'invite', count: 5 }, 'late-retry')
  assert.equal(retry.status, 200)
  assert.equal(retry.body.duplicate, true)
  assert.equal(await currentOf(service, player.id, inviteEvent), 205, 'counted once, not twice')
  // Day conditions are sets: the same check-in applied again is the same day.
  const checkIn = { eventType: 'attendance', occurredAt: new Date().toISOString() }
  crash.armed = 1
  assert.equal((await report(service, player.id, checkIn, 'day-1')).status, 500)
  assert.equal((await report(service, player.id, checkIn, 'day-1')).status, 200)
  assert.equal(await currentOf(service, player.id, attendanceEvent), 1)
})

describe('the idempotency scope is (reporting account, user, key), and a retry is matched by meaning', () => {
  let service: TestService
  let inviteEvent: string
  const gameServerA = actor('SERVICE')
  const gameServerB = actor('SERVICE')

  test('set-up', async () => {
    service = await start()
    inviteEvent = await createEvent(service, [{ type: 'invite', count: 100 }])
  })

  test('two reporters using the same key for one player: two reports, both counted', async () => {
    const player = actor('USER')
    const fromA = await report(service, player.id, { eventType: 'invite', count: 1 }, 'match-42', gameServerA)
    const fromB = await report(service, player.id, { eventType: 'invite', count: 1 }, 'match-42', gameServerB)
    assert.equal(fromA.body.duplicate, false)
    assert.equal(fromB.status, 200, JSON.stringify(fromB.body))
    assert.equal(fromB.body.duplicate, false)
    assert.notEqual(fromA.body.reportId, fromB.body.reportId)
    assert.equal(await currentOf(service, player.id, inviteEvent), 2)
  })

  test('one reporter, the same key for two players: two reports', async () => {
    const [first, second] = [actor('USER'), actor('USER')]
    assert.equal((await report(service, first.id, { eventType: 'invite', count: 1 }, 'daily-1')).body.duplicate, false)
    assert.equal((await report(service, second.id, { eventType: 'invite', count: 1 }, 'daily-1')).body.duplicate, false)
    assert.equal(await currentOf(service, first.id, inviteEvent), 1)
    assert.equal(await currentOf(service, second.id, inviteEvent), 1)
  })

  test('the same key for a different report: 409 IDEMPOTENCY_KEY_REUSED, nothing counted', async () => {
    const player = actor('USER')
    await report(service, player.id, { eventType: 'invite', count: 1 }, 'reused')
    for (const different of [{ eventType: 'invite', count: 2 }, { eventType: 'invite', count: 1, occurredAt: new Date(Date.now() - 60_000).toISOString() }]) {
      const reply = await report(service, player.id, different, 'reused')
      assert.equal(reply.status, 409, JSON.stringify(different))
      assert.equal(reply.body.code, 'IDEMPOTENCY_KEY_REUSED')
    }
    assert.equal(await currentOf(service, player.id, inviteEvent), 1)
  })

  test('`…:00Z` and `…:00.000Z` are one instant: one report', async () => {
    const player = actor('USER')
    const instant = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000)
    const short = instant.toISOString().replace('.000Z', 'Z')
    assert.ok(short.endsWith(':00Z'))
    const first = await report(service, player.id, { eventType: 'invite', count: 1, occurredAt: short }, 'written-differently')
    const again = await report(service, player.id, { eventType: 'invite', count: 1, occurredAt: instant.toISOString() }, 'written-differently')
    const offset = await report(service, player.id, { eventType: 'invite', occurredAt: short.replace('Z', '+00:00') }, 'written-differently')
    assert.equal(first.body.duplicate, false)
    for (const retry of [again, offset]) {
      assert.equal(retry.status, 200, JSON.stringify(retry.body))
      assert.equal(retry.body.duplicate, true)
      assert.equal(retry.body.reportId, first.body.reportId)
    }
    assert.equal(await currentOf(service, player.id, inviteEvent), 1)
  })

  test('two retries that both omit occurredAt (and count) are one report', async () => {
    const player = actor('USER')
    const first = await report(service, player.id, { eventType: 'invite' }, 'no-time')
    await sleep(20)
    const again = await report(service, player.id, { eventType: 'invite', count: 1 }, 'no-time')
    assert.equal(again.body.duplicate, true)
    assert.equal(again.body.occurredAt, first.body.occurredAt, 'the time fixed at first receipt')
    assert.equal(await currentOf(service, player.id, inviteEvent), 1)
  })
})

test('two sweepers (two instances on one database) racing over 500 unapplied reports apply each exactly once', async () => {
  const mongo = await startTestMongo()
  // The instance that stores the reports and "crashes" before applying each of them.
  const crashing = await start({ dbName: mongo.dbName, env: NO_SWEEPER, failurePoints: { afterReportStored: () => { throw new Error('injected crash') } } })
  const inviteEvent = await createEvent(crashing, [{ type: 'invite', count: 1_000_000 }])
  const attendanceEvent = await createEvent(crashing, [{ type: 'attendance', count: 5 }])
  const players = Array.from({ length: 50 }, () => actor('USER'))
  const expected = new Map<string, number>()
  // Per player: one check-in, then nine invite reports of 1–7 each.
  const jobs = players.flatMap((player, p) =>
    Array.from({ length: 10 }, (_, i) => {
      if (i === 0) return () => report(crashing, player.id, { eventType: 'attendance' }, 'r-0')
      const count = ((p + i) % 7) + 1
      expected.set(player.id, (expected.get(player.id) ?? 0) + count)
      return () => report(crashing, player.id, { eventType: 'invite', count }, `r-${i}`)
    })
  )
  for (let i = 0; i < jobs.length; i += 25) {
    const replies = await Promise.all(jobs.slice(i, i + 25).map((job) => job()))
    assert.ok(replies.every((reply) => reply.status === 500))
  }
  const reports = crashing.db.collection('progress_reports')
  assert.equal(await reports.countDocuments(NOT_APPLIED), 500)

  const sweepers = [await start({ dbName: mongo.dbName, env: { SWEEPER_INTERVAL_MS: '20' } }), await start({ dbName: mongo.dbName, env: { SWEEPER_INTERVAL_MS: '20' } })]
  await eventually(async () => (await reports.countDocuments(NOT_APPLIED)) === 0, 60_000, 'every report applied')
  for (const player of players) {
    assert.equal(await currentOf(sweepers[0]!, player.id, inviteEvent), expected.get(player.id), `invites of ${player.id}`)
    assert.equal(await currentOf(sweepers[1]!, player.id, attendanceEvent), 1)
  }
  // Each invite report added once, and listed once where it was added (until settled).
  const listed = (await crashing.db.collection('progress').find({ eventId: new ObjectId(inviteEvent) }).toArray()).flatMap((doc) => doc.applied ?? [])
  assert.equal(listed.length, 450)
  assert.equal(new Set(listed.map((entry) => entry.id.toHexString())).size, 450)
  const metrics = await Promise.all(sweepers.map(async (sweeper) => (await fetch(`${sweeper.adminUrl}/metrics`)).text()))
  assert.ok(metrics.every((text) => /event_progress_reports_unapplied 0/.test(text)))
})

/** The value of a counter (no labels) in an instance's /metrics. */
async function metricOf(service: TestService, name: string): Promise<number> {
  const text = await (await fetch(`${service.adminUrl}/metrics`)).text()
  return Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN)
}

describe('settling the reports a progress document lists as added', () => {
  test('an entry goes once it is old and its report marked; a report applied but never marked stays listed, however old, and is never counted twice', async () => {
    const clock = adjustableClock()
    let stuck: ObjectId | undefined
    let stuckNext = false
    let strandNext = false
    const service = await start({
      clock,
      env: { SWEEPER_INTERVAL_MS: '50' },
      failurePoints: {
        // Stored, then the request died before applying it.
        afterReportStored: () => {
          if (!strandNext) return
          strandNext = false
          throw new Error('injected crash')
        },
        // Applied, then the marking never happens: a crash each time, on every instance.
        afterEffectsApplied: (id) => {
          if (stuck === undefined && stuckNext) [stuck, stuckNext] = [id, false]
          if (stuck?.equals(id)) throw new Error('injected crash')
        }
      }
    })
    const inviteEvent = await createEvent(service, [{ type: 'invite', count: 1_000 }])
    const docOf = async (player: Actor) => service.db.collection('progress').findOne({ userId: player.id, eventId: new ObjectId(inviteEvent) })
    const listedIn = async (player: Actor) => ((await docOf(player))?.applied ?? []).map((entry: { id: ObjectId }) => entry.id.toHexString())
    const reportDoc = async (player: Actor, key: string) => (await reportsOf(service, player.id)).find((doc) => doc.key === key)!
    const [settledPlayer, stuckPlayer, strandedPlayer] = [actor('USER'), actor('USER'), actor('USER')]

    for (const player of [settledPlayer, stuckPlayer, strandedPlayer]) assert.equal((await report(service, player.id, { eventType: 'invite', count: 2 }, 'early')).status, 200)
    clock.advance(1_000)
    stuckNext = true
    assert.equal((await report(service, stuckPlayer.id, { eventType: 'invite', count: 3 }, 'stuck')).status, 500)
    const stuckReport = await reportDoc(stuckPlayer, 'stuck')
    assert.equal(stuckReport.appliedAt, false)
    assert.equal(await service.db.collection('progress_reports').countDocuments({ _id: stuckReport._id, appliedAt: null }), 0, "the previous version's sweeper (appliedAt: null) never takes a report of this one")
    assert.equal(await currentOf(service, stuckPlayer.id, inviteEvent), 5)
    strandNext = true
    assert.equal((await report(service, strandedPlayer.id, { eventType: 'invite', count: 4 }, 'stranded')).status, 500)
    const strandedReport = await reportDoc(strandedPlayer, 'stranded')
    // Leased by a sweeper that went quiet: not applied until the lease is given up.
    await service.db.collection('progress_reports').updateOne({ _id: strandedReport._id }, { $set: { sweepLeaseUntil: new Date(Date.now() + DAY) } })

    clock.advance(SETTLE_AFTER_MS + 60_000)
    assert.equal((await report(service, settledPlayer.id, { eventType: 'invite', count: 1 }, 'late')).status, 200)
    // Retries and the sweeper keep applying the stuck report meanwhile: every attempt is refused.
    const retries = await Promise.all(Array.from({ length: 10 }, () => report(service, stuckPlayer.id, { eventType: 'invite', count: 3 }, 'stuck')))
    assert.ok(retries.every((reply) => reply.status === 500))
    await eventually(async () => (await docOf(strandedPlayer))?.settledBefore && (await docOf(stuckPlayer))?.settledBefore && (await docOf(settledPlayer))?.settledBefore, 3_000, 'a settle')

    const early = await reportDoc(settledPlayer, 'early')
    assert.deepEqual(await listedIn(settledPlayer), [(await reportDoc(settledPlayer, 'late'))._id.toHexString()], 'the early report settled, the late one not yet')
    assert.equal((await docOf(settledPlayer))?.settledBefore.getTime(), early.createdAt.getTime() + 1, 'just past the newest entry settled')
    assert.deepEqual(await listedIn(stuckPlayer), [stuckReport._id.toHexString()], 'the stuck report stays listed, older than the margin as it is')
    assert.equal((await docOf(stuckPlayer))?.settledBefore.getTime(), (await reportDoc(stuckPlayer, 'early')).createdAt.getTime() + 1)
    assert.equal(await currentOf(service, stuckPlayer.id, inviteEvent), 5)
    assert.equal(await currentOf(service, strandedPlayer.id, inviteEvent), 2)

    // The stranded report, never applied, is applied when its lease goes.
    await service.db.collection('progress_reports').updateOne({ _id: strandedReport._id }, { $set: { sweepLeaseUntil: null } })
    await eventually(async () => (await reportDoc(strandedPlayer, 'stranded')).appliedAt instanceof Date, 3_000, 'the stranded report applied')
    assert.equal(await currentOf(service, strandedPlayer.id, inviteEvent), 6)

    // An attempt that read the early report as unapplied before it was applied, marked and
    // settled, and only writes now (a stalled retry): refused by the watermark, and nothing else.
    const stalled = { userId: settledPlayer.id, reportId: early._id, createdAt: early.createdAt, increments: true, effects: early.effects }
    assert.equal(await createProgressRepository(service.db).applyEffects(stalled, clock()), 0, 'not counted another way either')
    assert.equal(await currentOf(service, settledPlayer.id, inviteEvent), 3, 'early 2 + late 1, not again')

    stuck = undefined
    await eventually(async () => (await reportDoc(stuckPlayer, 'stuck')).appliedAt instanceof Date, 3_000, 'the stuck report marked')
    clock.advance(31_000) // the sweeper settles every half minute
    await eventually(async () => (await listedIn(stuckPlayer)).length === 0, 3_000, 'then settled')
    assert.equal(await currentOf(service, stuckPlayer.id, inviteEvent), 5)
    assert.equal((await report(service, stuckPlayer.id, { eventType: 'invite', count: 4 }, 'after')).status, 200)
    assert.equal(await currentOf(service, stuckPlayer.id, inviteEvent), 9, 'a new report counts after settling')
    assert.equal(await metricOf(service, 'event_progress_reports_behind_watermark_total'), 0, 'nothing arrived behind a watermark')
  })

  test('instances with clocks behind the settling one: 30 seconds counts as usual; 20 minutes, behind the watermark, counts once by contribution — across two events and a crash before its mark', async () => {
    const mongo = await startTestMongo()
    const settling = adjustableClock()
    const settler = await start({ dbName: mongo.dbName, clock: settling, env: { SWEEPER_INTERVAL_MS: '50' } })
    const settledEvent = await createEvent(settler, [{ type: 'invite', count: 1_000 }])
    const player = actor('USER')
    assert.equal((await report(settler, player.id, { eventType: 'invite', count: 2 }, 'first')).status, 200)
    // Marked a few milliseconds after the reply: a settle before that would pass it over.
    await eventually(async () => (await settler.db.collection('progress_reports').findOne({ key: 'first' }))?.appliedAt instanceof Date, 2_000, 'its mark')
    settling.advance(SETTLE_AFTER_MS + 60_000)
    await eventually(async () => (await settler.db.collection('progress').findOne({ userId: player.id }))?.settledBefore, 3_000, 'a settle')
    // A second event: its document for this player is new, with no watermark.
    const newEvent = await createEvent(settler, [{ type: 'invite', count: 1_000 }])

    const halfMinuteBehind = await start({ dbName: mongo.dbName, clock: adjustableClock(settling().getTime() - 30_000), env: NO_SWEEPER })
    assert.equal((await report(halfMinuteBehind, player.id, { eventType: 'invite', count: 3 }, 'five')).status, 200)
    assert.deepEqual([await currentOf(settler, player.id, settledEvent), await currentOf(settler, player.id, newEvent)], [5, 3])
    assert.equal(await metricOf(halfMinuteBehind, 'event_progress_reports_behind_watermark_total'), 0)

    // Twenty minutes behind, and it dies after applying its report, before marking it.
    let crashOnce = true
    const twentyBehind = await start({
      dbName: mongo.dbName,
      clock: adjustableClock(settling().getTime() - 20 * 60_000),
      env: NO_SWEEPER,
      failurePoints: {
        afterEffectsApplied: () => {
          if (!crashOnce) return
          crashOnce = false
          throw new Error('injected crash')
        }
      }
    })
    assert.equal((await report(twentyBehind, player.id, { eventType: 'invite', count: 4 }, 'twenty')).status, 500)
    assert.deepEqual([await currentOf(settler, player.id, settledEvent), await currentOf(settler, player.id, newEvent)], [9, 7], 'counted in both, not lost behind the watermark')
    assert.equal(await metricOf(twentyBehind, 'event_progress_reports_behind_watermark_total'), 1)
    // The settler's sweeper finishes it (refused in both documents: listed in one, by contribution in the other); then a client retry.
    await eventually(async () => (await settler.db.collection('progress_reports').findOne({ key: 'twenty' }))?.appliedAt instanceof Date, 3_000, 'marked by the sweeper')
    assert.equal((await report(twentyBehind, player.id, { eventType: 'invite', count: 4 }, 'twenty')).body.duplicate, true)
    await sleep(300) // more sweeps and settles
    assert.deepEqual([await currentOf(settler, player.id, settledEvent), await currentOf(settler, player.id, newEvent)], [9, 7], 'and once')
  })
})

test('counter reports the previous version stored (contributions) and left unapplied are finished by its scheme, once; new ones add on top', async () => {
  const service = await start({ env: { SWEEPER_INTERVAL_MS: '50' } })
  const inviteEvent = new ObjectId(await createEvent(service, [{ type: 'invite', count: 100 }]))
  const player = actor('USER')
  const minuteAgo = new Date(Date.now() - 60_000)
  const [applied, raised, recorded] = [new ObjectId(), new ObjectId(), new ObjectId()]
  const contribution = (reportId: ObjectId, amount: number) => ({ _id: `${reportId.toHexString()}:${inviteEvent.toHexString()}:invite`, userId: player.id, eventId: inviteEvent, periodKey: 'all', key: 'invite', amount, at: minuteAgo })
  const legacyReport = (_id: ObjectId, key: string, count: number, appliedAt: Date | null) => ({
    _id,
    reportedBy: gameServer.id,
    userId: player.id,
    key,
    fingerprint: createHash('sha256').update(JSON.stringify(['invite', count, null, null])).digest('base64url'),
    eventType: 'invite',
    count,
    value: null,
    occurredAt: minuteAgo,
    effects: [{ eventId: inviteEvent, periodKey: 'all', changes: [{ key: 'invite', add: count }] }],
    appliedAt,
    sweepLeaseUntil: null,
    createdAt: minuteAgo,
    v: 2
  })
  // What it left: 5 counted and marked; 4 counted (sum raised) but not marked; 3 recorded as a contribution, sum not raised yet.
  await service.db.collection('progress_contributions').insertMany([contribution(applied, 5), contribution(raised, 4), contribution(recorded, 3)] as never[])
  await service.db.collection('progress').insertOne({ userId: player.id, eventId: inviteEvent, periodKey: 'all', state: { invite: { sum: 9 } }, createdAt: minuteAgo, updatedAt: minuteAgo })
  await service.db
    .collection('progress_reports')
    .insertMany([legacyReport(applied, 'old-5', 5, minuteAgo), legacyReport(raised, 'old-4', 4, null), legacyReport(recorded, 'old-3', 3, null)] as never[])

  await eventually(async () => (await service.db.collection('progress_reports').countDocuments({ userId: player.id, ...NOT_APPLIED })) === 0, 3_000, 'the sweeper to finish them')
  assert.equal(await currentOf(service, player.id, inviteEvent.toHexString()), 12, '5 + 4 + 3, each once')
  const retry = await report(service, player.id, { eventType: 'invite', count: 3 }, 'old-3')
  assert.equal(retry.body.duplicate, true, 'its fingerprint still recognises a retry')
  assert.equal((await report(service, player.id, { eventType: 'invite', count: 2 }, 'new-2')).status, 200)
  await sleep(200) // a few more sweeps
  assert.equal(await currentOf(service, player.id, inviteEvent.toHexString()), 14, 'the new report adds on top')
  const doc = await service.db.collection('progress').findOne({ userId: player.id, eventId: inviteEvent })
  assert.deepEqual(doc?.state.invite, { sum: 12, added: 2 })
})

test('retention: reports past PROGRESS_REPORT_RETENTION_DAYS are deleted on the embedded database; a retry after it counts as new', async () => {
  const clock = adjustableClock()
  const service = await start({ clock, env: { SWEEPER_INTERVAL_MS: '50', PROGRESS_REPORT_RETENTION_DAYS: '30' } })
  const retention = (await service.db.collection('progress_reports').indexes()).find((index) => index.name === 'retention')
  assert.equal(retention?.expireAfterSeconds, 30 * 24 * 60 * 60, 'the TTL index real MongoDB enforces')
  const event = await service.call('POST', '/event', {
    token: operator.token,
    body: eventBody({ startedAt: new Date(Date.now() - DAY).toISOString(), endedAt: new Date(Date.now() + 90 * DAY).toISOString(), contents: [{ type: 'invite', count: 100 }] })
  })
  const player = actor('USER')
  const old = await report(service, player.id, { eventType: 'invite', count: 1 }, 'kept-a-while')
  assert.equal(old.body.duplicate, false)
  clock.advance(29 * DAY)
  await sleep(200)
  assert.equal((await reportsOf(service, player.id)).length, 1, 'inside the window')
  assert.equal((await report(service, player.id, { eventType: 'invite', count: 1 }, 'kept-a-while')).body.duplicate, true)
  clock.advance(2 * DAY)
  await eventually(async () => (await reportsOf(service, player.id)).length === 0, 3_000, 'the old report deleted')
  const late = await report(service, player.id, { eventType: 'invite', count: 1 }, 'kept-a-while')
  assert.equal(late.body.duplicate, false, 'past the window a retry is a new report')
  assert.equal(await currentOf(service, player.id, event.body.id), 2)
})

test('metrics: reports applied, duplicate and ignored', async () => {
  const service = await start()
  await createEvent(service, [{ type: 'quest', questId: 'q-metrics' }])
  const player = actor('USER')
  await report(service, player.id, { eventType: 'quest', value: 'q-metrics' }, 'm-1')
  await report(service, player.id, { eventType: 'quest', value: 'q-metrics' }, 'm-1')
  await report(service, player.id, { eventType: 'login_streak' })
  const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text()
  assert.match(metrics, /event_progress_reports_total\{outcome="applied"\} 1/)
  assert.match(metrics, /event_progress_reports_total\{outcome="duplicate"\} 1/)
  assert.match(metrics, /event_progress_reports_total\{outcome="ignored"\} 1/)
  assert.match(metrics, /event_progress_reports_unapplied 0/)
})

test('a database written by the first version keeps working: its counters, its unapplied reports, its retries', async () => {
  const mongo = await startTestMongo()
  const client = await new MongoClient(mongo.url).connect()
  const db = client.db(mongo.dbName)
  // The first version's unique index on (user, key) must go, or two reporters would still collide.
  await db.collection('progress_reports').createIndex({ userId: 1, key: 1 }, { name: 'idempotency_key', unique: true })
  const service = await start({ dbName: mongo.dbName, env: NO_SWEEPER })
  try {
    const names = (await db.collection('progress_reports').indexes()).map((index) => index.name)
    assert.ok(!names.includes('idempotency_key') && names.includes('idempotency_scope'), names.join(', '))
    const [first, second] = [await createEvent(service, [{ type: 'invite', count: 100 }]), await createEvent(service, [{ type: 'invite', count: 100 }])]
    const player = actor('USER')
    const stale = new ObjectId()
    // What the first version left: totals counted with $inc, a report applied to the first event
    // only (remembered in recentReports) when the process died, and its own fingerprint.
    await db.collection('progress').insertMany([
      { userId: player.id, eventId: new ObjectId(first), state: { invite: { total: 7 } }, recentReports: [stale], createdAt: new Date(), updatedAt: new Date() },
      { userId: player.id, eventId: new ObjectId(second), state: { invite: { total: 4 } }, recentReports: [], createdAt: new Date(), updatedAt: new Date() }
    ])
    // This version's first start gives what it finds a period (the whole event); these were written after it.
    await migrateToProgressPeriods(db)
    await db.collection('progress_reports').insertOne({
      _id: stale,
      userId: player.id,
      key: 'from-v1',
      fingerprint: createHash('sha256').update(JSON.stringify(['invite', player.id, 3, null, null])).digest('base64url'),
      reportedBy: gameServer.id,
      eventType: 'invite',
      count: 3,
      value: null,
      occurredAt: new Date(),
      effects: [{ eventId: new ObjectId(first), changes: [{ key: 'invite', add: 3 }] }, { eventId: new ObjectId(second), changes: [{ key: 'invite', add: 3 }] }],
      appliedAt: null,
      createdAt: new Date()
    })
    const retry = await report(service, player.id, { eventType: 'invite', count: 3 }, 'from-v1')
    assert.equal(retry.status, 200, JSON.stringify(retry.body))
    assert.equal(retry.body.duplicate, true, 'its own fingerprint still recognises the retry')
    assert.equal(await currentOf(service, player.id, first), 7, 'already counted there: not again')
    assert.equal(await currentOf(service, player.id, second), 7, 'counted where it was missing')
    await report(service, player.id, { eventType: 'invite', count: 2 })
    assert.equal(await currentOf(service, player.id, first), 9, 'new reports add to the old totals')
  } finally {
    await client.close()
  }
})
