import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import type { Schemas } from '@app/client'
import { api, unwrap, type EventStatus, type EventSummary } from '../api.js'

export type EventStats = Schemas['EventStats']
export type BundleStats = Schemas['BundleStats']

const EVENTS = '/event-gateway/event'
const STATS = '/event-gateway/event/{id}/stats'
/** How often the figures are asked for again while the screen is open. */
export const STATS_REFRESH_MS = 10_000

/** The statuses as the events list's `status` filter names them (staff see all four). */
export const EVENT_STATUSES: readonly EventStatus[] = ['live', 'upcoming', 'ended', 'inactive']

/** Events to pick from, newest first, page by page over the API's cursor. */
export function useEventPages(status: EventStatus | '') {
  return useInfiniteQuery({
    queryKey: ['stats-events', status],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET(EVENTS, { params: { query: { limit: 50, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } }), EVENTS),
    getNextPageParam: (page) => page.nextCursor ?? undefined
  })
}

/**
 * The event's figures for one period (`undefined`: the current one), asked again every 10 s;
 * not asked while `enabled` is false (the period to show is not known yet).
 */
export function useEventStats(id: string, periodKey: string | undefined, enabled = true) {
  return useQuery({
    queryKey: ['event-stats', id, periodKey ?? 'current'],
    enabled,
    queryFn: () => unwrap(api.GET(STATS, { params: { path: { id }, query: periodKey ? { periodKey } : {} } }), STATS),
    refetchInterval: STATS_REFRESH_MS
  })
}

const DAY_MS = 24 * 60 * 60 * 1000
const pad = (n: number) => String(n).padStart(2, '0')
/** A UTC-midnight date as `yyyy-mm-dd`. */
const isoDay = (utcMidnight: number) => new Date(utcMidnight).toISOString().slice(0, 10)

/** The calendar day `instant` falls on in `timeZone`, as a UTC midnight (for day arithmetic). */
function dayIn(instant: number, timeZone: string): number {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(instant))
    .split('-')
    .map(Number)
  return Date.UTC(y!, m! - 1, d!)
}

/** The ISO week (Monday start, keyed by ISO week-year: `2026-W53`) of a UTC-midnight day. */
function weekKeyOf(day: number): string {
  const thursday = new Date(day + (3 - ((new Date(day).getUTCDay() + 6) % 7)) * DAY_MS)
  const year = thursday.getUTCFullYear()
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS))
  return `${year}-W${pad(week)}`
}

/** The `n`th period before the one containing `day` (0: that one), as the API keys it. */
function periodKeyBack(every: 'day' | 'week' | 'month', day: number, n: number): string {
  if (every === 'day') return isoDay(day - n * DAY_MS)
  if (every === 'week') return weekKeyOf(day - n * 7 * DAY_MS)
  const date = new Date(day)
  const month = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - n, 1))
  return `${month.getUTCFullYear()}-${pad(month.getUTCMonth() + 1)}`
}

/**
 * The periods of a recurring event to pick from, newest first: the current one, then back to the
 * one the event started in (at most `max`). Keys are computed in the event's time zone, as the
 * API computes them (services/event/src/conditions/periods.ts); every shape sorts as text
 * (`2026-W05` < `2026-W49`). An event that has ended has no current period (`current: null`):
 * the one containing now lies after its end and holds nothing, so it opens on `past[0]`, its last.
 */
export function periodKeysOf(event: EventSummary, now = Date.now(), max = 31): { current: string | null; past: string[] } {
  const every = event.recurrence?.every
  if (!every) return { current: 'all', past: [] }
  const endedAt = Date.parse(event.endedAt)
  const current = now < endedAt ? periodKeyBack(every, dayIn(now, event.timezone), 0) : null
  const first = periodKeyBack(every, dayIn(Date.parse(event.startedAt), event.timezone), 0)
  // `endedAt` is exclusive: the event's last instant is 1 ms before it, so an event ending at a
  // midnight ends on the day before, not on a day it never reached.
  const lastDay = dayIn(Math.min(now, endedAt - 1), event.timezone)
  const past: string[] = []
  for (let n = 0; past.length < max; n += 1) {
    const key = periodKeyBack(every, lastDay, n)
    if (key < first) break
    if (key !== current) past.push(key)
  }
  return { current, past }
}

/** Every day from the first to the last in the list, with 0 for the days the API left out. */
export function everyDay(days: ReadonlyArray<{ day: string; count: number }>): Array<{ day: string; count: number }> {
  if (days.length === 0) return []
  const counts = new Map(days.map((entry) => [entry.day, entry.count]))
  const first = Date.parse(`${days[0]!.day}T00:00:00Z`)
  const last = Date.parse(`${days[days.length - 1]!.day}T00:00:00Z`)
  const filled: Array<{ day: string; count: number }> = []
  // A long event: at most 92 columns (the last ones), so the chart stays legible.
  for (let day = Math.max(first, last - 91 * DAY_MS); day <= last; day += DAY_MS) filled.push({ day: isoDay(day), count: counts.get(isoDay(day)) ?? 0 })
  return filled
}
