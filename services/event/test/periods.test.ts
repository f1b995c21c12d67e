/**
 * Calendar periods of recurring events (SPEC v2, "Recurring events"), written from the calendar
 * by hand: local midnights, ISO weeks keyed by ISO week-year, months turning on the 1st.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { periodOf, periodOfKey } from '../src/conditions/periods.js'

const seoul = (every: 'day' | 'week' | 'month') => ({ recurrence: { every }, timezone: 'Asia/Seoul' })
const at = (iso: string) => new Date(iso)
const iso = (date: Date | null) => date?.toISOString() ?? null

describe('days', () => {
  test('a day in Asia/Seoul runs from local midnight to local midnight (15:00 UTC the day before)', () => {
    const period = periodOf(seoul('day'), at('2026-12-01T23:59:59.999+09:00'))
    assert.equal(period.key, '2026-12-01')
    assert.equal(iso(period.startsAt), '2026-11-30T15:00:00.000Z')
    assert.equal(iso(period.resetsAt), '2026-12-01T15:00:00.000Z')
    assert.equal(periodOf(seoul('day'), at('2026-12-02T00:00:00.000+09:00')).key, '2026-12-02')
    // Still 1 December in UTC, already the 2nd in Seoul.
    assert.equal(periodOf(seoul('day'), at('2026-12-01T15:00:00.000Z')).key, '2026-12-02')
  })

  test('across a summer-time change the day is 23 hours long and still turns at local midnight', () => {
    const newYork = { recurrence: { every: 'day' as const }, timezone: 'America/New_York' }
    const changeover = periodOf(newYork, at('2026-03-08T12:00:00-04:00'))
    assert.equal(changeover.key, '2026-03-08')
    assert.equal(iso(changeover.startsAt), '2026-03-08T05:00:00.000Z', 'midnight EST')
    assert.equal(iso(changeover.resetsAt), '2026-03-09T04:00:00.000Z', 'midnight EDT')
  })
})

describe('ISO weeks', () => {
  test('a week turns at Monday 00:00 local time', () => {
    assert.equal(periodOf(seoul('week'), at('2026-11-26T12:00:00+09:00')).key, '2026-W48', 'the SPEC example')
    const sunday = periodOf(seoul('week'), at('2026-11-29T23:59:59.999+09:00'))
    assert.equal(sunday.key, '2026-W48')
    assert.equal(iso(sunday.startsAt), '2026-11-22T15:00:00.000Z', 'Monday 23 November, 00:00 in Seoul')
    assert.equal(iso(sunday.resetsAt), '2026-11-29T15:00:00.000Z', 'Monday 30 November, 00:00 in Seoul')
    assert.equal(periodOf(seoul('week'), at('2026-11-30T00:00:00+09:00')).key, '2026-W49')
  })

  test('weeks are keyed by ISO week-year: 2027-01-01 is 2026-W53, 2027-01-04 is 2027-W01, 2024-12-30 is 2025-W01', () => {
    assert.equal(periodOf(seoul('week'), at('2027-01-01T12:00:00+09:00')).key, '2026-W53')
    assert.equal(periodOf(seoul('week'), at('2027-01-03T23:00:00+09:00')).key, '2026-W53')
    assert.equal(periodOf(seoul('week'), at('2027-01-04T00:00:00+09:00')).key, '2027-W01')
    assert.equal(periodOf(seoul('week'), at('2024-12-30T09:00:00+09:00')).key, '2025-W01')
  })
})

describe('months', () => {
  test('a month turns on the 1st at local midnight', () => {
    const november = periodOf(seoul('month'), at('2026-11-30T23:59:59.999+09:00'))
    assert.equal(november.key, '2026-11')
    assert.equal(iso(november.startsAt), '2026-10-31T15:00:00.000Z')
    assert.equal(iso(november.resetsAt), '2026-11-30T15:00:00.000Z')
    assert.equal(periodOf(seoul('month'), at('2026-12-01T00:00:00+09:00')).key, '2026-12')
    assert.equal(iso(periodOf(seoul('month'), at('2026-12-15T00:00:00+09:00')).resetsAt), '2026-12-31T15:00:00.000Z', 'into the next year')
  })
})

test('without recurrence the period is the whole event and never resets', () => {
  assert.deepEqual(periodOf({ timezone: 'Asia/Seoul' }, new Date()), { key: 'all', startsAt: null, resetsAt: null })
})

test('a key names its period back (for documents of past periods); a key of another shape names none', () => {
  for (const [every, instant] of [
    ['day', '2026-12-01T08:00:00+09:00'],
    ['week', '2027-01-02T08:00:00+09:00'],
    ['week', '2026-11-26T08:00:00+09:00'],
    ['month', '2026-02-14T08:00:00+09:00']
  ] as const) {
    const period = periodOf(seoul(every), at(instant))
    assert.deepEqual(periodOfKey(seoul(every), period.key), period, `${every} ${period.key}`)
  }
  assert.equal(periodOfKey(seoul('week'), '2026-12-01'), null)
  assert.equal(periodOfKey(seoul('day'), 'all'), null)
  assert.equal(periodOfKey({ timezone: 'UTC' }, 'all')?.key, 'all')
})
