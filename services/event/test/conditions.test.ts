import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { calendarDay, isKnownTimezone, longestConsecutiveRun } from '../src/conditions/calendar.js'
import { changesFor, measureAll, reportProblem, type ProgressReport } from '../src/conditions/index.js'
import type { Condition } from '../src/schemas/conditions.js'
import { actor, clockStartingAt, startService, stopTestMongo, type TestService } from './helpers.js'

after(stopTestMongo)

const report = (eventType: ProgressReport['eventType'], occurredAt: string, extra: Partial<ProgressReport> = {}): ProgressReport => ({
  eventType,
  count: 1,
  occurredAt: new Date(occurredAt),
  ...extra
})

describe('calendar days', () => {
  test('a day is the calendar day in the given zone', () => {
    assert.equal(calendarDay(new Date('2025-05-11T14:59:59.999Z'), 'Asia/Seoul'), '2025-05-11')
    assert.equal(calendarDay(new Date('2025-05-11T15:00:00.000Z'), 'Asia/Seoul'), '2025-05-12')
    assert.equal(calendarDay(new Date('2025-05-11T15:00:00.000Z'), 'UTC'), '2025-05-11')
    assert.equal(calendarDay(new Date('2025-05-12T06:59:59Z'), 'America/Los_Angeles'), '2025-05-11')
    assert.equal(calendarDay(new Date('2025-05-12T07:00:00Z'), 'America/Los_Angeles'), '2025-05-12')
    // Daylight saving starts 2025-03-09 in New York: midnight is 05:00Z before, 04:00Z after.
    assert.equal(calendarDay(new Date('2025-03-10T03:59:59Z'), 'America/New_York'), '2025-03-09')
    assert.equal(calendarDay(new Date('2025-03-10T04:00:00Z'), 'America/New_York'), '2025-03-10')
  })

  test('time zones are IANA names', () => {
    assert.equal(isKnownTimezone('Asia/Seoul'), true)
    assert.equal(isKnownTimezone('UTC'), true)
    assert.equal(isKnownTimezone('Mars/Olympus_Mons'), false)
  })

  test('the longest run of consecutive days, across months and leap days, in any order', () => {
    assert.equal(longestConsecutiveRun([]), 0)
    assert.equal(longestConsecutiveRun(['2025-05-11']), 1)
    assert.equal(longestConsecutiveRun(['2025-05-13', '2025-05-11', '2025-05-12', '2025-05-12']), 3)
    assert.equal(longestConsecutiveRun(['2025-04-30', '2025-05-01', '2025-05-03', '2025-05-04', '2025-05-05', '2025-05-06']), 4)
    assert.equal(longestConsecutiveRun(['2024-02-28', '2024-02-29', '2024-03-01']), 3)
    assert.equal(longestConsecutiveRun(['2025-02-28', '2025-03-01']), 2)
    assert.equal(longestConsecutiveRun(['2025-12-31', '2026-01-01']), 2)
  })
})

describe('evaluators', () => {
  const measureOne = (condition: Condition, state: Parameters<typeof measureAll>[1]) => measureAll([condition], state)[0]

  test('attendance: distinct check-in days in the event zone; count is ignored', () => {
    const attendance: Condition = { type: 'attendance', count: 2 }
    assert.deepEqual(changesFor([attendance], report('attendance', '2025-05-11T15:00:00Z', { count: 9 }), 'Asia/Seoul'), [
      { key: 'attendance', addDay: '2025-05-12' }
    ])
    assert.deepEqual(measureOne(attendance, {}), { name: 'attendance', type: 'attendance', current: 0, target: 2, holds: false })
    assert.equal(measureOne(attendance, { attendance: { days: ['2025-05-11'] } })?.holds, false)
    assert.deepEqual(measureOne(attendance, { attendance: { days: ['2025-05-11', '2025-05-13'] } }), {
      name: 'attendance',
      type: 'attendance',
      current: 2,
      target: 2,
      holds: true
    })
  })

  test('login_streak: the longest consecutive run counts, not the total', () => {
    const streak: Condition = { type: 'login_streak', days: 3 }
    assert.deepEqual(changesFor([streak], report('login_streak', '2025-05-12T07:00:00Z'), 'America/Los_Angeles'), [
      { key: 'login_streak', addDay: '2025-05-12' }
    ])
    const gappy = { login_streak: { days: ['2025-05-11', '2025-05-12', '2025-05-14', '2025-05-15'] } }
    assert.deepEqual(measureOne(streak, gappy), { name: 'login_streak', type: 'login_streak', current: 2, target: 3, holds: false })
    const run = { login_streak: { days: [...gappy.login_streak.days, '2025-05-13'] } }
    assert.equal(measureOne(streak, run)?.current, 5)
    assert.equal(measureOne(streak, run)?.holds, true)
  })

  test('quest: only the named quest counts, and a quest report needs a value', () => {
    const quest: Condition = { type: 'quest', questId: 'q-17' }
    assert.deepEqual(changesFor([quest], report('quest', '2025-05-12T00:00:00Z', { value: 'q-17' }), 'UTC'), [
      { key: 'quest:q-17', mark: true }
    ])
    assert.deepEqual(changesFor([quest], report('quest', '2025-05-12T00:00:00Z', { value: 'q-18' }), 'UTC'), [])
    assert.match(reportProblem(report('quest', '2025-05-12T00:00:00Z')) ?? '', /value/)
    assert.equal(reportProblem(report('quest', '2025-05-12T00:00:00Z', { value: 'q-1' })), undefined)
    assert.deepEqual(measureOne(quest, {}), { name: 'quest:q-17', type: 'quest', current: 0, target: 1, holds: false })
    assert.equal(measureOne(quest, { 'quest:q-17': { done: true } })?.holds, true)
  })

  test('invite and purchase: running totals of the reported counts', () => {
    const invite: Condition = { type: 'invite', count: 5 }
    const purchase: Condition = { type: 'purchase', amount: 10_000 }
    assert.deepEqual(changesFor([invite, purchase], report('invite', '2025-05-12T00:00:00Z', { count: 3 }), 'UTC'), [
      { key: 'invite', add: 3 }
    ])
    assert.deepEqual(changesFor([invite, purchase], report('purchase', '2025-05-12T00:00:00Z', { count: 2_500 }), 'UTC'), [
      { key: 'purchase', add: 2_500 }
    ])
    assert.deepEqual(measureOne(invite, { invite: { sum: 4 } }), { name: 'invite', type: 'invite', current: 4, target: 5, holds: false })
    assert.equal(measureOne(purchase, { purchase: { sum: 10_000 } })?.holds, true)
    // A counter the first version kept (`total`) still counts, under what has been added since (`sum`).
    assert.equal(measureOne(invite, { invite: { total: 4 } })?.current, 4)
    assert.equal(measureOne(invite, { invite: { total: 4, sum: 1 } })?.holds, true)
  })

  test('conditions tracking the same thing count a report once', () => {
    const twoTargets: Condition[] = [
      { type: 'invite', count: 3 },
      { type: 'invite', count: 10 }
    ]
    assert.deepEqual(changesFor(twoTargets, report('invite', '2025-05-12T00:00:00Z', { count: 2 }), 'UTC'), [{ key: 'invite', add: 2 }])
  })
})

describe('progress reports through the service', () => {
  const operator = actor('OPERATOR')
  const gameServer = actor('SERVICE')
  let service: TestService
  before(async () => {
    service = await startService({ clock: clockStartingAt('2025-05-26T00:00:00.000Z') })
  })
  after(() => service.close())

  const createEvent = async (body: Record<string, unknown>) => {
    const reply = await service.call('POST', '/event', {
      token: operator.token,
      body: { name: 'e', startedAt: '2025-05-11T00:00:00Z', endedAt: '2025-05-25T00:00:00Z', ...body }
    })
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
    return reply.body.id as string
  }
  const send = (body: Record<string, unknown>) =>
    service.call('POST', '/user-events/process', {
      token: gameServer.token,
      body: { userId: player.id, occurredAt: '2025-05-20T12:00:00.000Z', ...body }
    })
  const progressOf = async (eventId: string) =>
    (await service.call('GET', `/user-events?userId=${player.id}&eventId=${eventId}`, { token: operator.token })).body.items[0]
  let player = actor('USER')

  test('attendance days follow the event time zone: 23:59 and 00:00 in Seoul are two days, in UTC one', async () => {
    player = actor('USER')
    const seoul = await createEvent({ timezone: 'Asia/Seoul', contents: [{ type: 'attendance', count: 2 }] })
    const utc = await createEvent({ contents: [{ type: 'attendance', count: 2 }] })
    for (const occurredAt of ['2025-05-12T14:59:59.000Z', '2025-05-12T15:00:00.000Z']) {
      const reply = await send({ eventType: 'attendance', occurredAt })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
    }
    assert.deepEqual((await progressOf(seoul)).conditions, [
      { name: 'attendance', type: 'attendance', current: 2, target: 2, holds: true }
    ])
    assert.equal((await progressOf(seoul)).satisfied, true)
    assert.deepEqual((await progressOf(utc)).conditions[0].current, 1)
    assert.equal((await progressOf(utc)).satisfied, false)
  })

  test('a login streak in Los Angeles days', async () => {
    player = actor('USER')
    const event = await createEvent({ timezone: 'America/Los_Angeles', contents: [{ type: 'login_streak', days: 3 }] })
    // Los Angeles is UTC-7 in May: these are the 12th, the 13th (23:59 there) and the 15th.
    for (const occurredAt of ['2025-05-12T20:00:00Z', '2025-05-14T06:59:00Z', '2025-05-15T08:00:00Z']) {
      await send({ eventType: 'login_streak', occurredAt })
    }
    assert.equal((await progressOf(event)).conditions[0].current, 2)
    // 23:00 on the 14th there closes the gap: 12th to 15th.
    await send({ eventType: 'login_streak', occurredAt: '2025-05-15T06:00:00Z' })
    assert.equal((await progressOf(event)).conditions[0].current, 4)
    assert.equal((await progressOf(event)).satisfied, true)
  })

  test('quest, invite and purchase together; every condition must hold', async () => {
    player = actor('USER')
    const event = await createEvent({
      contents: [
        { type: 'quest', questId: 'q-17' },
        { type: 'invite', count: 3 },
        { type: 'purchase', amount: 10_000 }
      ]
    })
    await send({ eventType: 'quest', value: 'q-18' })
    await send({ eventType: 'invite', count: 2 })
    await send({ eventType: 'purchase', count: 9_999 })
    let progress = await progressOf(event)
    assert.deepEqual(
      progress.conditions.map((c: { name: string; current: number; holds: boolean }) => [c.name, c.current, c.holds]),
      [
        ['quest:q-17', 0, false],
        ['invite', 2, false],
        ['purchase', 9_999, false]
      ]
    )
    await send({ eventType: 'quest', value: 'q-17' })
    await send({ eventType: 'invite', count: 1 })
    await send({ eventType: 'purchase', count: 1 })
    progress = await progressOf(event)
    assert.ok(progress.conditions.every((c: { holds: boolean }) => c.holds))
    assert.equal(progress.satisfied, true)
  })

  test('reports outside the window, or for an inactive event, count nothing', async () => {
    player = actor('USER')
    const event = await createEvent({ contents: [{ type: 'invite', count: 1 }] })
    const paused = await createEvent({ activate: false, contents: [{ type: 'invite', count: 1 }] })
    for (const occurredAt of ['2025-05-10T23:59:59.999Z', '2025-05-25T00:00:00.000Z', '2025-01-01T00:00:00.000Z']) {
      const reply = await send({ eventType: 'invite', occurredAt })
      assert.equal(reply.status, 200)
      assert.ok(!reply.body.updates.some((update: { eventId: string }) => [event, paused].includes(update.eventId)), occurredAt)
    }
    assert.equal((await progressOf(event)).conditions[0].current, 0)
    assert.equal((await progressOf(event)).updatedAt, null)

    const inside = await send({ eventType: 'invite', occurredAt: '2025-05-11T00:00:00.000Z' })
    assert.ok(inside.body.updates.some((update: { eventId: string }) => update.eventId === event))
    assert.ok(!inside.body.updates.some((update: { eventId: string }) => update.eventId === paused))
    assert.equal((await progressOf(event)).conditions[0].current, 1)
    assert.equal((await progressOf(paused)).conditions[0].current, 0)
  })

  test('400 for a report from the future, a quest without value, an unknown type, a zero count', async () => {
    const future = await send({ eventType: 'invite', occurredAt: '2025-05-26T00:06:00Z' })
    assert.equal(future.status, 400)
    assert.equal(future.body.code, 'OCCURRED_IN_FUTURE')
    // The schema says so (a union on eventType): a quest report without its questId names the field.
    const quest = await send({ eventType: 'quest' })
    assert.equal(quest.status, 400)
    assert.equal(quest.body.code, 'VALIDATION_FAILED')
    assert.equal(quest.body.errors[0].field, 'body.value')
    assert.equal((await send({ eventType: 'raid' })).status, 400)
    assert.equal((await send({ eventType: 'invite', count: 0 })).status, 400)
    assert.equal((await send({ eventType: 'invite', userId: 'me' })).status, 400)
    assert.equal((await send({ eventType: 'invite', extra: 1 })).status, 400)
  })
})
