import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import type { Schemas } from '@app/client'
import { api, unwrap } from '../api.js'
import { isObjectId } from '../claims.js'

export type AuditEntry = Schemas['AuditEntry']
/** Which service's log: the event service's (events, bundles, delivery, claims, grants) or auth's (accounts). */
export type AuditSource = 'event' | 'auth'

const PATHS = { event: '/event-gateway/audit', auth: '/auth/audit' } as const
export const AUDIT_PAGE_SIZE = 20

/** The entity types each log writes (the `entityType` filter's choices). */
export const ENTITY_TYPES: Record<AuditSource, readonly string[]> = {
  event: ['event', 'reward', 'delivery', 'claim', 'grant'],
  auth: ['user']
}

/** What both logs filter by (their shared query schema): '' for no filter. */
export interface AuditFilters {
  entityType: string
  entityId: string
  actor: string
}
export const NO_AUDIT_FILTERS: AuditFilters = { entityType: '', entityId: '', actor: '' }


function queryOf(filters: AuditFilters, cursor: string | undefined) {
  return {
    limit: AUDIT_PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
    ...(filters.entityType ? { entityType: filters.entityType } : {}),
    ...(isObjectId(filters.entityId) ? { entityId: filters.entityId.toLowerCase() } : {}),
    ...(isObjectId(filters.actor) ? { actor: filters.actor.toLowerCase() } : {})
  }
}

/** One log, newest first, a page at a time over its cursor ("Load more"). */
export function useAuditPages(source: AuditSource, filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit', source, filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const query = queryOf(filters, pageParam)
      return source === 'event'
        ? unwrap(api.GET(PATHS.event, { params: { query } }), PATHS.event)
        : unwrap(api.GET(PATHS.auth, { params: { query } }), PATHS.auth)
    },
    getNextPageParam: (page) => page.nextCursor ?? undefined
  })
}

/**
 * Staff accounts by id, to show an actor's email instead of an id. Only staff change
 * configuration, so the directory's OPERATOR, ADMIN and AUDITOR accounts (first 100 of each)
 * cover the actors; one not found is shown by id.
 */
export function useStaffDirectory() {
  return useQuery({
    queryKey: ['staff-directory'],
    queryFn: async () => {
      const byId = new Map<string, string>()
      for (const role of ['ADMIN', 'OPERATOR', 'AUDITOR'] as const) {
        const page = await unwrap(api.GET('/auth/users', { params: { query: { role, limit: 100 } } }), '/auth/users')
        for (const account of page.items) byId.set(account.id, account.email)
      }
      return byId
    },
    staleTime: 5 * 60_000
  })
}

export interface FieldChange {
  field: string
  /** undefined: the field was not there (a creation, or a field added). */
  before: unknown
  after: unknown
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** The fields an entry changed (all of them for a creation), in the order the entry lists them. */
export function changedFields(entry: Pick<AuditEntry, 'before' | 'after'>): FieldChange[] {
  const before = (entry.before ?? {}) as Record<string, unknown>
  const after = (entry.after ?? {}) as Record<string, unknown>
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  return fields.filter((field) => !same(before[field], after[field])).map((field) => ({ field, before: before[field], after: after[field] }))
}

/** A value as compact JSON (strings quoted), for the diff. */
export const jsonOf = (value: unknown): string => JSON.stringify(value) ?? 'undefined'
