/** The events list, one event and its bundles, and the writes the editor makes: all through the typed client. */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { api, unwrap } from '../api.js'
import type { ApiEvent, ApiReward, EventInput, EventUpdate, RewardInput, RewardUpdate } from './model.js'

const EVENTS = '/event-gateway/event'
const REWARDS = '/event-gateway/rewards'
const PAGE_SIZE = 20
/** Bundles read per event: far more than an event carries (the catalog keeps ~20 per event in memory). */
const BUNDLES_PER_EVENT = 100

export type EventStatus = 'upcoming' | 'live' | 'ended' | 'inactive'
export interface EventListFilter {
  status: EventStatus | ''
  /** Part of the name ('' for any). */
  q: string
}

/** The API's rule (GET /event `status`), for the list's badge. */
export function statusOf(event: Pick<ApiEvent, 'activate' | 'startedAt' | 'endedAt'>, now = Date.now()): EventStatus {
  if (!event.activate) return 'inactive'
  if (Date.parse(event.startedAt) > now) return 'upcoming'
  return Date.parse(event.endedAt) > now ? 'live' : 'ended'
}

export function useEventPages(filter: EventListFilter) {
  return useInfiniteQuery({
    queryKey: ['events', 'list', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET(EVENTS, {
          params: {
            query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}), ...(filter.status ? { status: filter.status } : {}), ...(filter.q.trim() ? { q: filter.q.trim() } : {}) }
          }
        }),
        EVENTS
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined
  })
}

export const fetchEvent = (id: string): Promise<ApiEvent> => unwrap(api.GET(`${EVENTS}/{id}`, { params: { path: { id } } }), EVENTS)

/** Oldest first: the order they were added in, which is the order the editor lists them. */
export async function fetchBundles(eventId: string): Promise<{ items: ApiReward[]; more: boolean }> {
  const page = await unwrap(api.GET(REWARDS, { params: { query: { eventId, limit: BUNDLES_PER_EVENT } } }), REWARDS)
  return { items: [...page.items].reverse(), more: page.nextCursor !== null }
}

export const useEvent = (id: string) => useQuery({ queryKey: ['event', id], queryFn: () => fetchEvent(id) })
export const useBundles = (eventId: string) => useQuery({ queryKey: ['rewards', eventId], queryFn: () => fetchBundles(eventId), staleTime: 30_000 })

export const createEvent = (body: EventInput) => unwrap(api.POST(EVENTS, { body }), EVENTS)
export const updateEvent = (id: string, body: EventUpdate) => unwrap(api.PATCH(`${EVENTS}/{id}`, { params: { path: { id } }, body }), EVENTS)
export const createBundle = (body: RewardInput) => unwrap(api.POST(REWARDS, { body }), REWARDS)
export const updateBundle = (id: string, body: RewardUpdate) => unwrap(api.PATCH(`${REWARDS}/{id}`, { params: { path: { id } }, body }), REWARDS)
