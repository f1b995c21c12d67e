/**
 * One event and its bundles, under one query key each, for every screen that shows them (the
 * claims screens, the events list and editor, the player look-up, the stats): a save in the
 * editor refreshes them everywhere (`refreshCatalog`), and no screen keeps a copy of its own.
 */
import { useQuery, type QueryClient } from '@tanstack/react-query'
import { api, unwrap, type EventStatus, type EventSummary, type Reward } from './api.js'

const EVENTS = '/event-gateway/event'
const REWARDS = '/event-gateway/rewards'
/** How long a read counts as fresh for screens that only show names and figures. */
const CATALOG_STALE_MS = 30_000

/** The status the API's `status` filter (GET /event) would put the event under, now. */
export function eventStatusOf(event: Pick<EventSummary, 'activate' | 'startedAt' | 'endedAt'>, now = Date.now()): EventStatus {
  if (!event.activate) return 'inactive'
  if (Date.parse(event.startedAt) > now) return 'upcoming'
  return Date.parse(event.endedAt) <= now ? 'ended' : 'live'
}

export const eventKey = (id: string) => ['event', id] as const
export const bundlesKey = (eventId: string) => ['bundles', eventId] as const

/** What a screen may ask beyond the defaults (all optional). */
export interface CatalogQueryOptions {
  enabled?: boolean
  /** `'always'`: read again on every mount, fresh or not (the editor starts from the server's copy). */
  refetchOnMount?: boolean | 'always'
  refetchInterval?: number
}

export const fetchEvent = (id: string): Promise<EventSummary> => unwrap(api.GET(`${EVENTS}/{id}`, { params: { path: { id } } }), EVENTS)

/** Every bundle of the event, all pages, newest first (the API's order). */
export async function fetchBundles(eventId: string): Promise<Reward[]> {
  const bundles: Reward[] = []
  let cursor: string | undefined
  do {
    const page = await unwrap(api.GET(REWARDS, { params: { query: { eventId, limit: 100, ...(cursor ? { cursor } : {}) } } }), REWARDS)
    bundles.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return bundles
}

export const useEvent = (id: string, options: CatalogQueryOptions = {}) =>
  useQuery({ queryKey: eventKey(id), queryFn: () => fetchEvent(id), staleTime: CATALOG_STALE_MS, ...options })

export const useBundles = (eventId: string, options: CatalogQueryOptions = {}) =>
  useQuery({ queryKey: bundlesKey(eventId), queryFn: () => fetchBundles(eventId), staleTime: CATALOG_STALE_MS, ...options })

/** After a save: the event as the server returned it, its bundles read again, the lists too. */
export async function refreshCatalog(queryClient: QueryClient, event: EventSummary): Promise<void> {
  queryClient.setQueryData(eventKey(event.id), event)
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: ['events'] }),
    queryClient.invalidateQueries({ queryKey: bundlesKey(event.id) }),
    queryClient.invalidateQueries({ queryKey: ['stats-events'] })
  ])
}
