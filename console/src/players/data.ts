/**
 * What the player look-up reads and writes, over the public API: the account directory (auth),
 * the player's progress, claims and granted rewards, the eligibility dry run and make-good
 * grants (event service). Query keys start with 'player' so one invalidation refreshes a page.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import type { Schemas } from '@app/client'
import { api, unwrap, type Claim, type RewardContent } from '../api.js'

export type Account = Schemas['User']
export type UserEvent = Schemas['UserEvent']
export type BundleStanding = Schemas['BundleStanding']
export type ConditionProgress = Schemas['ConditionProgress']
export type LeafConditionProgress = Schemas['LeafConditionProgress']
export type Eligibility = Schemas['Eligibility']
export type EligibilityReason = Schemas['EligibilityReason']
export type GrantedReward = Schemas['GrantedReward']

const USERS = '/auth/users'
const PROGRESS = '/event-gateway/user-events'
const GRANTED = '/event-gateway/user-rewards'
const GRANTS = '/event-gateway/user-rewards/grants'
const REWARDS = '/event-gateway/rewards'

/** How many matches the search shows (a prefix this broad wants a longer prefix, not paging). */
export const SEARCH_LIMIT = 20
/** Granted rewards per page ("load more" for older ones). */
export const GRANTED_PAGE = 10
const PROGRESS_PAGE = 20

/** Accounts whose email starts with `prefix` (any case); nothing is asked for an empty prefix. */
export function useAccountSearch(prefix: string) {
  return useQuery({
    queryKey: ['player', 'search', prefix],
    queryFn: () => unwrap(api.GET(USERS, { params: { query: { email: prefix, limit: SEARCH_LIMIT } } }), USERS),
    enabled: prefix.length > 0
  })
}

/** One account by id (the directory's `id` filter); null when there is none. */
export function useAccount(id: string) {
  return useQuery({
    queryKey: ['player', id, 'account'],
    queryFn: async (): Promise<Account | null> => (await unwrap(api.GET(USERS, { params: { query: { id, limit: 1 } } }), USERS)).items[0] ?? null
  })
}

export const saveTags = (id: string, tags: string[]): Promise<Account> =>
  unwrap(api.PATCH('/auth/users/{id}/tags', { params: { path: { id } }, body: { tags } }), USERS)

/** The player's view of every live event: progress in the current period and each bundle's standing. */
export function useProgress(userId: string) {
  return useInfiniteQuery({
    queryKey: ['player', userId, 'progress'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET(PROGRESS, { params: { query: { userId, limit: PROGRESS_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } } }), PROGRESS),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // Support looks at this right after the player acted: read it anew whenever the page opens.
    refetchOnMount: 'always'
  })
}

/** A grant just made, looked for in granted rewards until it is listed or `until` (ms) passes. */
export interface AwaitedGrant {
  id: string
  until: number
}

/** Completed claims and make-good grants, newest first, a page at a time. */
export function useGranted(userId: string, awaiting: AwaitedGrant | null) {
  return useInfiniteQuery({
    queryKey: ['player', userId, 'granted'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET(GRANTED, { params: { query: { userId, limit: GRANTED_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } } }), GRANTED),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    refetchOnMount: 'always',
    // A grant just made (`awaiting`) is listed once delivered: look again until it is (or for a
    // minute: one the delivery system holds back shows under claims, with its status).
    refetchInterval: (query) =>
      awaiting !== null && Date.now() < awaiting.until && !query.state.data?.pages.some((page) => page.items.some((item) => item.id === awaiting.id))
        ? 1_500
        : false
  })
}

/** "Could this player claim this bundle now?" without claiming; asked again on every press. */
export const dryRun = (rewardId: string, userId: string): Promise<Eligibility> =>
  unwrap(api.GET(`${REWARDS}/{id}/eligibility`, { params: { path: { id: rewardId }, query: { userId } } }), REWARDS)

/**
 * A make-good grant. `key` is the Idempotency-Key of this one intended grant: the form sends the
 * same key on every retry and double submit, so the server makes the grant once (200 with it on a
 * repeat, 201 when this request made it).
 */
export const makeGrant = (key: string, grant: { userId: string; contents: RewardContent[]; reason: string }): Promise<Claim> =>
  unwrap(api.POST(GRANTS, { params: { header: { 'idempotency-key': key } }, body: grant }), GRANTS)
