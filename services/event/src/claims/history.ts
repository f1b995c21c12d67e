import { ObjectId } from 'mongodb'
import type { ClaimFilter, ClaimRepository } from '../repositories/claims.js'
import type { Claim } from '../schemas/claims.js'
import { toClaim, type ClaimReader } from './view.js'

export interface HistoryQuery {
  eventId?: string | undefined
  status?: ClaimFilter['status']
  from?: string | undefined
  to?: string | undefined
  limit?: number | undefined
  cursor?: string | undefined
}

/** One page of claim history, newest first: all claims (staff, optionally one user's) or the caller's own. */
export async function historyPage(
  claims: ClaimRepository,
  userId: string | undefined,
  { eventId, status, from, to, limit, cursor }: HistoryQuery,
  reader: ClaimReader
): Promise<{ items: Claim[]; nextCursor: string | null }> {
  const filter: ClaimFilter = {
    userId,
    eventId: eventId ? new ObjectId(eventId) : undefined,
    status,
    from: from ? new Date(from) : undefined,
    to: to ? new Date(to) : undefined
  }
  const page = await claims.list(filter, { limit, cursor })
  return { items: page.items.map((claim) => toClaim(claim, reader)), nextCursor: page.nextCursor }
}
