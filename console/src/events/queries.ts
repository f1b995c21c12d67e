/** The events list, one event and its bundles, and the writes the editor makes: all through the typed client. */
import { useInfiniteQuery } from '@tanstack/react-query'
import { api, unwrap } from '../api.js'
import type { EventStatus } from '../api.js'
import type { ApiReward, EventInput, EventUpdate, RewardInput, RewardUpdate } from './model.js'

const EVENTS = '/event-gateway/event'
const REWARDS = '/event-gateway/rewards'
const PAGE_SIZE = 20

export interface EventListFilter {
  status: EventStatus | ''
  /** Part of the name ('' for any). */
  q: string
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

/** Oldest first: the order they were added in, which is the order the editor lists them (the API lists newest first). */
export const oldestFirst = (bundles: readonly ApiReward[]): ApiReward[] => [...bundles].reverse()

export const createEvent = (body: EventInput) => unwrap(api.POST(EVENTS, { body }), EVENTS)
export const updateEvent = (id: string, body: EventUpdate) => unwrap(api.PATCH(`${EVENTS}/{id}`, { params: { path: { id } }, body }), EVENTS)
export const createBundle = (body: RewardInput) => unwrap(api.POST(REWARDS, { body }), REWARDS)
export const updateBundle = (id: string, body: RewardUpdate) => unwrap(api.PATCH(`${REWARDS}/{id}`, { params: { path: { id } }, body }), REWARDS)
