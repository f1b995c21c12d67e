import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { api, ApiProblem, unwrap, type Claim, type ClaimDetail, type ClaimStatus, type EventSummary } from './api.js'

const CLAIMS = '/event-gateway/user-reward-claims'
const PAGE_SIZE = 50

export interface ClaimFilters {
  status: ClaimStatus | ''
  eventId: string
  userId: string
  /** yyyy-mm-dd in the operator's time zone, inclusive; '' for open-ended. */
  from: string
  to: string
}

/** The queue opens on what needs a decision: pending claims first. */
export const DEFAULT_FILTERS: ClaimFilters = { status: 'pending', eventId: '', userId: '', from: '', to: '' }
export const STATUS_ORDER: readonly ClaimStatus[] = ['pending', 'failed', 'processing', 'completed', 'rejected']
export const isObjectId = (value: string) => /^[0-9a-f]{24}$/i.test(value)

/** A calendar day in the operator's zone → the instant it starts (or, for `to`, the next day starts). */
function startOfDay(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y!, m! - 1, d! + plusDays).toISOString()
}

function queryOf(filters: ClaimFilters, cursor: string | undefined) {
  return {
    limit: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(isObjectId(filters.eventId) ? { eventId: filters.eventId } : {}),
    ...(isObjectId(filters.userId) ? { userId: filters.userId.toLowerCase() } : {}),
    ...(filters.from ? { from: startOfDay(filters.from) } : {}),
    ...(filters.to ? { to: startOfDay(filters.to, 1) } : {})
  }
}

/** The claims list, page by page over the API's cursor (newest first). */
export function useClaimPages(filters: ClaimFilters) {
  return useInfiniteQuery({
    queryKey: ['claims', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => unwrap(api.GET(CLAIMS, { params: { query: queryOf(filters, pageParam) } }), CLAIMS),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchInterval: 30_000
  })
}

/** One claim with its audit trail. */
const fetchClaim = (id: string): Promise<ClaimDetail> => unwrap(api.GET(`${CLAIMS}/{id}`, { params: { path: { id } } }), CLAIMS)

export function useClaim(id: string) {
  return useQuery({
    queryKey: ['claim', id],
    queryFn: () => fetchClaim(id),
    // A claim on its way through delivery changes by itself: follow it.
    refetchInterval: (query) => (query.state.data?.status === 'processing' ? 2_000 : false)
  })
}

/** The newest events (for the filter and for names beside ids). */
export function useEvents() {
  return useQuery({
    queryKey: ['events'],
    queryFn: () => unwrap(api.GET('/event-gateway/event', { params: { query: { limit: 100 } } }), '/event-gateway/event'),
    staleTime: 60_000
  })
}

export function useEventName(id: string): string | undefined {
  const events = useEvents()
  const listed = events.data?.items.find((event) => event.id === id)
  const single = useQuery({
    queryKey: ['event', id],
    queryFn: () => unwrap(api.GET('/event-gateway/event/{id}', { params: { path: { id } } }), '/event-gateway/event'),
    enabled: events.isSuccess && !listed,
    staleTime: 60_000
  })
  return (listed ?? (single.data as EventSummary | undefined))?.name
}

export type Decision = 'approve' | 'reject' | 'retry' | 'resolve'

/** One decision on one claim; `text` is the reject reason or the resolve note. */
export async function decide(decision: Decision, id: string, text = ''): Promise<Claim> {
  const params = { path: { id } }
  switch (decision) {
    case 'approve':
      return unwrap(api.PATCH(`${CLAIMS}/{id}/approve`, { params }), CLAIMS)
    case 'reject':
      return unwrap(api.PATCH(`${CLAIMS}/{id}/reject`, { params, body: { reason: text } }), CLAIMS)
    case 'retry':
      return unwrap(api.PATCH(`${CLAIMS}/{id}/retry`, { params }), CLAIMS)
    case 'resolve':
      return unwrap(api.PATCH(`${CLAIMS}/{id}/resolve`, { params, body: { note: text } }), CLAIMS)
  }
}

export interface DecisionResult {
  id: string
  ok: boolean
  error?: unknown
  /** After a lost race (409): the state the claim is in now. */
  currentStatus?: ClaimStatus
}

/** After a refused decision, what the claim is now (to say who won a race); undefined if unknown. */
async function statusAfterRefusal(id: string, error: unknown): Promise<ClaimStatus | undefined> {
  if (!(error instanceof ApiProblem) || error.status !== 409) return undefined
  try {
    return (await fetchClaim(id)).status
  } catch {
    return undefined
  }
}

/**
 * The same decision on many claims. One request per claim, in order, reporting progress after
 * each: the bulk routes (`POST /user-reward-claims/bulk-approve|bulk-reject`, `{ids}` →
 * `{results: [{id, status, code?}]}`) are not in the API yet. When they land, this is the one
 * function to change: send the ids in chunks of ≤ 500 and map `results` to DecisionResult.
 */
export async function decideEach(
  decision: Exclude<Decision, 'resolve'>,
  ids: readonly string[],
  reason: string,
  onProgress: (done: number) => void
): Promise<DecisionResult[]> {
  const results: DecisionResult[] = []
  for (const id of ids) {
    try {
      await decide(decision, id, reason)
      results.push({ id, ok: true })
    } catch (error) {
      const currentStatus = await statusAfterRefusal(id, error)
      results.push({ id, ok: false, error, ...(currentStatus ? { currentStatus } : {}) })
    }
    onProgress(results.length)
  }
  return results
}

export { statusAfterRefusal }
