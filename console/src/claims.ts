import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { useEvent } from './catalog.js'
import { api, ApiProblem, unwrap, type Claim, type ClaimDetail, type ClaimStatus } from './api.js'

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

/** The event's name; undefined while unknown, and for a make-good grant (no event). */
export function useEventName(id: string | null): string | undefined {
  const events = useEvents()
  const listed = id === null ? undefined : events.data?.items.find((event) => event.id === id)
  const single = useEvent(id ?? '', { enabled: id !== null && events.isSuccess && !listed })
  return (listed ?? single.data)?.name
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

/** How many ids one bulk request may carry (the API's limit). */
const BULK_CHUNK = 500
/** A per-claim refusal of a bulk decision, as the single route would have answered it. */
const BULK_REFUSALS: Record<string, number> = { CLAIM_NOT_FOUND: 404, SELF_APPROVAL: 403, INVALID_TRANSITION: 409 }

/** One bulk request (≤ 500 ids): the API's per-claim results as DecisionResult. */
async function decideChunk(decision: 'approve' | 'reject', ids: string[], reason: string): Promise<DecisionResult[]> {
  const path = `${CLAIMS}/bulk-${decision}` as const
  const { results } =
    decision === 'approve'
      ? await unwrap(api.POST(`${CLAIMS}/bulk-approve`, { body: { ids } }), path)
      : await unwrap(api.POST(`${CLAIMS}/bulk-reject`, { body: { ids, reason } }), path)
  return results.map(({ id, status, code }): DecisionResult => {
    if (!code) return { id, ok: true }
    const error = new ApiProblem(BULK_REFUSALS[code] ?? 409, { code, detail: code }, undefined, path)
    // After a lost race the reply says what the claim is now: who won.
    return { id, ok: false, error, ...(code === 'INVALID_TRANSITION' && status !== 'not_found' ? { currentStatus: status } : {}) }
  })
}

/**
 * The same decision on many claims. Approve and reject go through the bulk routes
 * (`POST /user-reward-claims/bulk-approve|bulk-reject`), ≤ 500 ids a request, reporting progress
 * after each request; retry has no bulk route and goes one claim at a time. A request that fails
 * as a whole (network, 5xx) marks each of its claims with that error.
 */
export async function decideEach(
  decision: Exclude<Decision, 'resolve'>,
  ids: readonly string[],
  reason: string,
  onProgress: (done: number) => void
): Promise<DecisionResult[]> {
  const results: DecisionResult[] = []
  if (decision === 'retry') {
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
  for (let start = 0; start < ids.length; start += BULK_CHUNK) {
    const chunk = ids.slice(start, start + BULK_CHUNK)
    try {
      results.push(...(await decideChunk(decision, chunk, reason)))
    } catch (error) {
      results.push(...chunk.map((id) => ({ id, ok: false, error })))
    }
    onProgress(results.length)
  }
  return results
}

export { statusAfterRefusal }
