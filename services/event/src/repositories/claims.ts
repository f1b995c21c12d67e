import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { ClaimStatus } from '../schemas/claims.js'
import type { RewardContent } from '../schemas/rewards.js'
import { findPage, type PageRequest } from '../pagination.js'

/** The delivery outbox, kept on the claim so a state change and its delivery bookkeeping are one write. */
export interface DeliveryState {
  attempts: number
  /** When a worker may next try; null while nothing is planned (pending, finished). */
  nextAttemptAt: Date | null
  /** A worker owns the claim until then; a crashed worker's claim is free again after it. */
  leaseUntil: Date | null
  /** Unique per attempt, so only the lease holder can record that attempt's outcome. */
  leaseOwner: string | null
  lastError: string | null
  /** The delivery system answered 202 and will confirm through the callback. */
  acceptedAt: Date | null
  completedAt: Date | null
}

export interface ClaimDoc {
  _id: ObjectId
  userId: string
  eventId: ObjectId
  rewardId: ObjectId
  status: ClaimStatus
  /** The bundle as it was when claimed: what gets delivered. */
  rewards: RewardContent[]
  reason: string | null
  delivery: DeliveryState
  createdAt: Date
  updatedAt: Date
}

/** Append-only audit trail: one document per state change. */
export interface TransitionDoc {
  _id?: ObjectId
  claimId: ObjectId
  from: ClaimStatus | null
  to: ClaimStatus
  by: string
  at: Date
  reason: string | null
}

export const claimIndexes: IndexPlan = {
  claims: [
    { key: { userId: 1, eventId: 1 }, name: 'one_claim_per_user_event', unique: true },
    { key: { status: 1, 'delivery.nextAttemptAt': 1 }, name: 'due_deliveries' },
    { key: { userId: 1, _id: -1 }, name: 'by_user' },
    { key: { eventId: 1, _id: -1 }, name: 'by_event' }
  ],
  claim_transitions: [{ key: { claimId: 1, at: 1 }, name: 'by_claim' }]
}

export interface ClaimFilter {
  userId?: string | undefined
  eventId?: ObjectId | undefined
  status?: ClaimStatus | undefined
  from?: Date | undefined
  to?: Date | undefined
}

export interface TransitionRequest {
  id: ObjectId
  from: ClaimStatus
  to: ClaimStatus
  by: string
  now: Date
  reason?: string | null
  /** Further conditions the claim must meet (say, still leased by this worker). */
  where?: Filter<ClaimDoc>
  /** Further fields written with the state change. */
  set?: Record<string, unknown>
}

export function createClaimRepository(db: Db) {
  const claims = db.collection<ClaimDoc>('claims')
  const transitions = db.collection<TransitionDoc>('claim_transitions')

  const audit = (entry: TransitionDoc) => transitions.insertOne(entry)

  return {
    /** Throws a duplicate-key error when the user has claimed this event already. */
    async insert(claim: Omit<ClaimDoc, '_id'>, by: string): Promise<ClaimDoc> {
      const { insertedId } = await claims.insertOne(claim as ClaimDoc)
      await audit({ claimId: insertedId, from: null, to: claim.status, by, at: claim.createdAt, reason: null })
      return { ...claim, _id: insertedId }
    },

    findById: (id: ObjectId) => claims.findOne({ _id: id }),

    list({ userId, eventId, status, from, to }: ClaimFilter, page: PageRequest) {
      const filter: Filter<ClaimDoc> = {}
      if (userId !== undefined) filter.userId = userId
      if (eventId !== undefined) filter.eventId = eventId
      if (status !== undefined) filter.status = status
      if (from !== undefined || to !== undefined) {
        filter.createdAt = { ...(from ? { $gte: from } : {}), ...(to ? { $lt: to } : {}) }
      }
      return findPage(claims, filter, page)
    },

    transitionsOf: (claimId: ObjectId) => transitions.find({ claimId }).sort({ at: 1, _id: 1 }).toArray(),

    /**
     * Moves a claim from `from` to `to` in one conditional update, then records it. Null when
     * the claim was not in `from` (or failed `where`): someone else moved it first.
     */
    async transition({ id, from, to, by, now, reason = null, where = {}, set = {} }: TransitionRequest): Promise<ClaimDoc | null> {
      const claim = await claims.findOneAndUpdate(
        { ...where, _id: id, status: from },
        { $set: { ...set, status: to, updatedAt: now } },
        { returnDocument: 'after' }
      )
      if (claim) await audit({ claimId: id, from, to, by, at: now, reason })
      return claim
    },

    /**
     * Takes one due delivery — `processing`, its next attempt due, nobody's lease current
     * (including a crashed worker's expired one) — for `leaseMs`, counting the attempt.
     * Atomic, so two workers never hold the same claim. `exclude`: claims not to take again.
     */
    lease({ id, exclude = [], owner, now, leaseMs }: { id?: ObjectId; exclude?: ObjectId[]; owner: string; now: Date; leaseMs: number }) {
      return claims.findOneAndUpdate(
        {
          ...(id ? { _id: id } : exclude.length > 0 ? { _id: { $nin: exclude } } : {}),
          status: 'processing',
          'delivery.nextAttemptAt': { $lte: now },
          $or: [{ 'delivery.leaseUntil': null }, { 'delivery.leaseUntil': { $lt: now } }]
        },
        {
          $set: { 'delivery.leaseUntil': new Date(now.getTime() + leaseMs), 'delivery.leaseOwner': owner },
          $inc: { 'delivery.attempts': 1 }
        },
        { returnDocument: 'after', sort: { 'delivery.nextAttemptAt': 1 } }
      )
    },

    /** Ends a lease without a state change: the next attempt is planned for `nextAttemptAt`. */
    release(
      id: ObjectId,
      owner: string,
      outcome: { nextAttemptAt: Date; lastError: string | null; acceptedAt?: Date; notAttempted?: boolean }
    ) {
      return claims.updateOne(
        { _id: id, status: 'processing', 'delivery.leaseOwner': owner },
        {
          $set: {
            'delivery.nextAttemptAt': outcome.nextAttemptAt,
            'delivery.lastError': outcome.lastError,
            'delivery.leaseUntil': null,
            'delivery.leaseOwner': null,
            ...(outcome.acceptedAt ? { 'delivery.acceptedAt': outcome.acceptedAt } : {})
          },
          // Refused before trying (open circuit): that was not an attempt.
          ...(outcome.notAttempted ? { $inc: { 'delivery.attempts': -1 } } : {})
        }
      )
    }
  }
}
export type ClaimRepository = ReturnType<typeof createClaimRepository>
