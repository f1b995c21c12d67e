import { calendarDay } from './calendar.js'

/** How often a recurring event starts over; absent: the event is one period from start to end. */
export type Recurrence = { every: 'day' | 'week' | 'month' }

/** The period of an event without recurrence: the whole event. */
export const WHOLE_EVENT = 'all'

/** One period of an event: its key (`2026-11-26`, `2026-W48`, `2026-11`, or `all`) and when the next begins. */
export interface Period {
  key: string
  /** When this period began; null for the whole event. */
  startsAt: Date | null
  /** When the next period begins; null for the whole event (it never resets). */
  resetsAt: Date | null
}

/**
 * The shortest a period can be, in calendar days: a day-counting condition must fit into every
 * period, or it could never hold in the short ones (attendance 30 on a monthly event in February).
 */
export const SHORTEST_PERIOD_DAYS: Record<Recurrence['every'], number> = { day: 1, week: 7, month: 28 }

const DAY_MS = 24 * 60 * 60 * 1000
const pad = (n: number, width = 2) => String(n).padStart(width, '0')

const offsetFormatters = new Map<string, Intl.DateTimeFormat>()
/** How far `timezone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timezone: string): number {
  let formatter = offsetFormatters.get(timezone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    offsetFormatters.set(timezone, formatter)
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]))
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
  return wall - Math.floor(instant / 1000) * 1000
}

/**
 * The instant local midnight of a calendar day (given as a UTC date at 00:00) happens in
 * `timezone`. Offsets change (summer time), so the guess is corrected once with the offset in
 * force at the first guess; where midnight itself is skipped, that lands on the day's first hour.
 */
function localMidnight(day: number, timezone: string): Date {
  const first = day - offsetAt(day, timezone)
  return new Date(day - offsetAt(first, timezone))
}

/** ISO 8601 week of a calendar day (UTC date at 00:00): weeks start on Monday, keyed by ISO week-year. */
function isoWeek(day: number): { key: string; monday: number } {
  const weekday = (new Date(day).getUTCDay() + 6) % 7
  const monday = day - weekday * DAY_MS
  const thursday = new Date(monday + 3 * DAY_MS)
  const weekYear = thursday.getUTCFullYear()
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS))
  return { key: `${weekYear}-W${pad(week)}`, monday }
}

/** The period of `event` that contains `instant`, in the event's time zone. */
export function periodOf(event: { recurrence?: Recurrence | null; timezone: string }, instant: Date): Period {
  const every = event.recurrence?.every
  if (!every) return { key: WHOLE_EVENT, startsAt: null, resetsAt: null }
  const [year, month, date] = calendarDay(instant, event.timezone).split('-').map(Number) as [number, number, number]
  const today = Date.UTC(year, month - 1, date)
  let key: string
  let start: number
  let next: number
  if (every === 'day') {
    key = `${year}-${pad(month)}-${pad(date)}`
    start = today
    next = today + DAY_MS
  } else if (every === 'week') {
    const week = isoWeek(today)
    key = week.key
    start = week.monday
    next = week.monday + 7 * DAY_MS
  } else {
    key = `${year}-${pad(month)}`
    start = Date.UTC(year, month - 1, 1)
    next = Date.UTC(year, month, 1)
  }
  return { key, startsAt: localMidnight(start, event.timezone), resetsAt: localMidnight(next, event.timezone) }
}

/** The key of the period containing `instant`. */
export const periodKeyOf = (event: { recurrence?: Recurrence | null; timezone: string }, instant: Date): string => periodOf(event, instant).key

/**
 * The period a key names (as `periodOf` made it), for documents of past periods; null for a key
 * of another shape (say, the event's recurrence changed before any progress — it cannot after).
 */
export function periodOfKey(event: { recurrence?: Recurrence | null; timezone: string }, key: string): Period | null {
  const every = event.recurrence?.every
  if (!every) return key === WHOLE_EVENT ? periodOf(event, new Date(0)) : null
  const shapes = { day: /^(\d{4})-(\d{2})-(\d{2})$/, week: /^(\d{4})-W(\d{2})$/, month: /^(\d{4})-(\d{2})$/ } as const
  const match = shapes[every].exec(key)
  if (!match) return null
  const [year, second, third] = match.slice(1).map(Number) as [number, number, number?]
  let firstDay: number
  if (every === 'day') firstDay = Date.UTC(year, second - 1, third)
  else if (every === 'month') firstDay = Date.UTC(year, second - 1, 1)
  else {
    // Week 1 is the week holding 4 January.
    const januaryFourth = Date.UTC(year, 0, 4)
    firstDay = isoWeek(januaryFourth).monday + (second - 1) * 7 * DAY_MS
  }
  const period = periodOf(event, localMidnight(firstDay, event.timezone))
  return period.key === key ? period : null
}
