import { MongoBulkWriteError, ObjectId, type Db, type Filter } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan, type RetiredIndexes } from '@app/platform'
import type { ClaimStatus, DeliveryOutcome } from '../schemas/claims.js'
import type { RewardContent } from '../schemas/rewards.js'
import { WHOLE_EVENT, eventSlot } from '../claims/slots.js'
import { findPage, type PageRequest } from '@app/platform'

/** The delivery outbox, kept on the claim so a state change and its delivery bookkeeping are one write. */
export interface DeliveryState {
  /** Requests sent to the delivery system so far, over every processing stint. */
  attempts: number
  /** When a worker may next try; null while nothing is planned (pending, finished). */
  nextAttemptAt: Date | null
  /** A worker owns the claim until then; a crashed worker's claim is free again after it. */
  leaseUntil: Date | null
  /** Unique per attempt, so only the lease holder can record that attempt's outcome. */
  leaseOwner: string | null
  /** The last non-final answer, as the receiver gave it (staff only). */
  lastError: string | null
  /** The delivery system answered 202 and will confirm through the callback. */
  acceptedAt: Date | null
  completedAt: Date | null
  /** When the claim last entered `processing` (created, approved, retried): the outbox age. Absent on older claims. */
  queuedAt?: Date | null
  /**
   * Delivery-clock time (paused time left out, see `deliveryClock`) of the first send of the
   * current processing stint: where the retry budget started. Null until something was sent.
   */
  budgetStartMs?: number | null
  /** Why a failed claim failed (absent on claims failed by an earlier version: treated as `unknown`). */
  outcome?: DeliveryOutcome | null
}

/**
 * A claim of a bundle, or a make-good grant (`kind: 'grant'`): a grant is a claim document
 * without event or bundle, so it goes through the same state machine, audit trail, delivery
 * worker, outbox, sweeper, callback, retry/resolve and metrics — nothing about delivery is
 * written twice. It is `processing` from the start (no approval) and its slot is
 * `grant:<Idempotency-Key>`, so the unique (user, slot) index makes one grant per key.
 */
export interface ClaimDoc {
  _id: ObjectId
  userId: string
  /** Absent: a claim. */
  kind?: 'grant'
  /** Null on a grant. */
  eventId: ObjectId | null
  rewardId: ObjectId | null
  /** A grant's author and reason (for the audit log and support; never shown to the player). */
  grant?: { by: string; reason: string }
  /** What the claim occupies, unique per user (see `claims/slots.ts`): a bundle, or the event, in a period. */
  slot: string
  /** The period claimed in (`all`: the whole event). */
  periodKey: string
  /** A unit of the bundle's stock was taken for it: a rejection gives it back. */
  stockTaken?: boolean
  status: ClaimStatus
  /** The bundle as it was when claimed: what gets delivered. */
  rewards: RewardContent[]
  /** Why it was rejected or failed, in staff's or the receiver's words (never shown to the player). */
  reason: string | null
  delivery: DeliveryState
  /**
   * Transitions written in the same update as the state change, until they are copied to
   * `claim_transitions`: a crash between those two writes leaves them here for the sweeper,
   * so no transition goes unaudited. Empty (or absent, for older claims) otherwise.
   */
  auditPending?: PendingTransition[]
  createdAt: Date
  updatedAt: Date
}

/** Append-only audit trail: one document per state change. */
export interface TransitionDoc {
  /** Chosen with the state change, so copying the same transition twice is refused by `_id`. */
  _id: ObjectId
  claimId: ObjectId
  from: ClaimStatus | null
  to: ClaimStatus
  by: string
  at: Date
  reason: string | null
}

/** A transition not yet copied to `claim_transitions`. `_id` is absent on entries written by an earlier version. */
export type PendingTransition = Omit<TransitionDoc, 'claimId' | '_id'> & { _id?: ObjectId }

export const claimIndexes: IndexPlan = {
  claims: [
    // Each slot once per player; concurrent claims of one slot yield exactly one claim.
    { key: { userId: 1, slot: 1 }, name: 'one_claim_per_slot', unique: true },
    { key: { status: 1, 'delivery.nextAttemptAt': 1 }, name: 'due_deliveries' },
    { key: { status: 1, 'delivery.queuedAt': 1 }, name: 'outbox_age' },
    { key: { userId: 1, _id: -1 }, name: 'by_user' },
    // A player's granted rewards: completed claims and grants, newest first.
    { key: { userId: 1, status: 1, _id: -1 }, name: 'by_user_status' },
    { key: { eventId: 1, _id: -1 }, name: 'by_event' },
    // Event stats read one period's claims of one event.
    { key: { eventId: 1, periodKey: 1 }, name: 'by_event_period' },
    // Only claims with an uncopied transition have entries, so the sweeper's look-up stays small.
    { key: { 'auditPending.at': 1 }, name: 'unaudited_transitions', sparse: true }
  ],
  claim_transitions: [{ key: { claimId: 1, at: 1 }, name: 'by_claim' }]
}

export const retiredClaimIndexes: RetiredIndexes = {
  // A claim entered each state at most once while `failed` was final; with operator retry
  // (failed → processing) it may enter `processing` and `failed` again. Duplicates are now
  // refused by the transition's own `_id`.
  claim_transitions: ['one_entry_per_state'],
  // One claim per (user, event) whichever bundle: replaced by slots (a bundle, or the event when
  // it is exclusive). The migration gives the claims it guarded the `event:` slot they held.
  claims: ['one_claim_per_user_event']
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
  /** Counters changed with it (say, `delivery.attempts` for an attempt that starts now). */
  inc?: Record<string, number>
}

/** How an attempt that ends without a state change leaves the claim. */
export interface ReleaseOutcome {
  nextAttemptAt: Date
  lastError: string | null
  acceptedAt?: Date
  /** Refused before trying (open circuit): not an attempt. */
  notAttempted?: boolean
  /** The budget's start, when this was the stint's first send. */
  budgetStartMs?: number
}

export type ClaimStatsRow = Pick<ClaimDoc, 'rewardId' | 'status' | 'createdAt'> & {
  delivery?: Pick<DeliveryState, 'queuedAt' | 'completedAt'>
}

export interface OutboxStats {
  /** Claims in `processing`: queued, waiting for a retry or a callback, or being sent. */
  depth: number
  /** How long the longest-waiting of them has been in `processing`, in seconds; null when there is none. */
  oldestAgeSeconds: number | null
}

/** An unordered insert that failed only because some documents were there already. */
const allDuplicateKeys = (error: unknown) =>
  error instanceof MongoBulkWriteError && (Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]).every((failure) => failure.code === 11000)

export function createClaimRepository(db: Db) {
  const claims = db.collection<ClaimDoc>('claims')
  const transitions = db.collection<TransitionDoc>('claim_transitions')

  /**
   * Copies a claim's pending transitions to the audit trail (each once, whoever gets there
   * first: the `_id` is chosen with the state change), then off the claim: one insert and one
   * update however many there are. Returns the entries still pending: none.
   */
  async function audit(claimId: ObjectId, entries: readonly PendingTransition[]): Promise<PendingTransition[]> {
    if (entries.length === 0) return []
    const identified = entries.filter((entry) => entry._id)
    try {
      if (identified.length > 0) await transitions.insertMany(identified.map((entry) => ({ ...entry, _id: entry._id!, claimId })), { ordered: false })
    } catch (error) {
      if (!isDuplicateKeyError(error) && !allDuplicateKeys(error)) throw error
    }
    for (const entry of entries.filter((entry) => !entry._id)) {
      // Left by an earlier version, without an id: the entry's own fields identify it.
      const { from, to, at } = entry
      await transitions.updateOne({ claimId, from, to, at }, { $setOnInsert: { ...entry, claimId } }, { upsert: true })
    }
    if (identified.length > 0) await claims.updateOne({ _id: claimId }, { $pull: { auditPending: { _id: { $in: identified.map((entry) => entry._id!) } } } })
    for (const { to, at } of entries.filter((entry) => !entry._id)) await claims.updateOne({ _id: claimId }, { $pull: { auditPending: { to, at } } })
    return []
  }

  return {
    /**
     * Writes a new claim with its creation pending on it for the audit trail: the copy is the
     * caller's to make (`copyAudit`, after the reply; or the claim's next transition copies it
     * too), and the sweeper's if the process dies first. Throws a duplicate-key error when the
     * user holds a claim in this slot already.
     */
    async insert(claim: Omit<ClaimDoc, '_id'>, by: string): Promise<ClaimDoc> {
      const entry: PendingTransition = { _id: new ObjectId(), from: null, to: claim.status, by, at: claim.createdAt, reason: null }
      const doc = { ...claim, auditPending: [entry] }
      const { insertedId } = await claims.insertOne(doc as ClaimDoc)
      return { ...doc, _id: insertedId }
    },

    /** Copies what is pending on the claim to the audit trail (see `insert`); harmless when nothing or another copier got there first. */
    copyAudit: async (claim: Pick<ClaimDoc, '_id' | 'auditPending'>): Promise<void> => {
      await audit(claim._id, claim.auditPending ?? [])
    },

    findById: (id: ObjectId) => claims.findOne({ _id: id }),

    /** The claim that holds a user's slot, if any (what a duplicate claim loses to). */
    findInSlot: (userId: string, slot: string) => claims.findOne({ userId, slot }, { projection: { _id: 1 } }),

    /** The whole claim (or grant) holding a user's slot, if any. */
    findBySlot: (userId: string, slot: string) => claims.findOne({ userId, slot }),

    /**
     * What a player was granted, newest first: their completed claims and make-good grants.
     * The claim document is the record of a grant whichever way it was delivered (the built-in
     * ledger, or the delivery system's 200/201 or callback, or an operator's resolve): its
     * completion is one conditional write, so there is no second record to fall out of step.
     */
    grantedTo: (userId: string, page: PageRequest) => findPage(claims, { userId, status: 'completed' }, page),

    /** The claims holding any of these slots for one player, in one read (the player view). */
    findInSlots: (userId: string, slots: readonly string[]) =>
      slots.length === 0 ? Promise.resolve([]) : claims.find({ userId, slot: { $in: [...slots] } }, { projection: { _id: 1, slot: 1 } }).toArray(),

    /** Whether the event (or one bundle of it) has any claim at all: what fixes its conditions and contents (the `by_event` index). */
    hasAny: async (eventId: ObjectId, rewardId?: ObjectId) =>
      (await claims.findOne({ eventId, ...(rewardId ? { rewardId } : {}) }, { projection: { _id: 1 } })) !== null,

    /** Claims of a bundle that hold a unit of stock: every one not rejected. */
    countHoldingStock: (eventId: ObjectId, rewardId: ObjectId) => claims.countDocuments({ eventId, rewardId, status: { $ne: 'rejected' } }),

    /** Claims written before slots, for the start-up migration. */
    withoutSlot: (limit: number) => claims.find({ slot: { $exists: false } }, { projection: { eventId: 1 } }).limit(limit).toArray(),

    /**
     * Gives claims written before slots the slot they held: their event's, once per player (the
     * old unique index). Never overwrites a slot, so running it again changes nothing.
     */
    async setLegacySlots(legacy: readonly Pick<ClaimDoc, '_id' | 'eventId'>[]): Promise<number> {
      if (legacy.length === 0) return 0
      const { modifiedCount } = await claims.bulkWrite(
        // Claims written before slots all had an event (grants came later, with their slot).
        legacy.flatMap(({ _id, eventId }) =>
          eventId === null
            ? []
            : [{ updateOne: { filter: { _id, slot: { $exists: false } }, update: { $set: { slot: eventSlot(eventId, WHOLE_EVENT), periodKey: WHOLE_EVENT } } } }]
        ),
        { ordered: false }
      )
      return modifiedCount
    },

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

    /**
     * A claim's audit trail, oldest first — including the transitions still waiting on the claim
     * to be copied (the moment between a state change and its audit row, or a crash in it), so a
     * reader never sees a state without the transition that made it.
     */
    async trailOf(claim: Pick<ClaimDoc, '_id' | 'auditPending'>): Promise<TransitionDoc[]> {
      const copied = await transitions.find({ claimId: claim._id }).sort({ at: 1, _id: 1 }).toArray()
      const pending = (claim.auditPending ?? [])
        .filter((entry) => !copied.some((row) => (entry._id ? row._id.equals(entry._id) : row.to === entry.to && row.at.getTime() === entry.at.getTime())))
        .map((entry): TransitionDoc => ({ ...entry, _id: entry._id ?? new ObjectId(), claimId: claim._id }))
      return [...copied, ...pending].sort((a, b) => a.at.getTime() - b.at.getTime())
    },

    /**
     * Moves a claim from `from` to `to` in one conditional update, then records it. Null when
     * the claim was not in `from` (or failed `where`): someone else moved it first.
     */
    async transition({ id, from, to, by, now, reason = null, where = {}, set = {}, inc }: TransitionRequest): Promise<ClaimDoc | null> {
      const entry: PendingTransition = { _id: new ObjectId(), from, to, by, at: now, reason }
      const claim = await claims.findOneAndUpdate(
        { ...where, _id: id, status: from },
        { $set: { ...set, status: to, updatedAt: now }, $push: { auditPending: entry }, ...(inc ? { $inc: inc } : {}) },
        { returnDocument: 'after' }
      )
      // Every entry pending on the claim goes along (its creation's, say, if nobody copied it yet).
      if (claim) claim.auditPending = await audit(id, claim.auditPending ?? [entry])
      return claim
    },

    /**
     * Copies transitions that a crashed process changed the state for but never audited.
     * `olderThan` leaves a live request the time to copy its own; racing it would be harmless.
     */
    async auditPending(olderThan: Date, limit = 100): Promise<number> {
      const stranded = await claims.find({ 'auditPending.at': { $lt: olderThan } }, { projection: { auditPending: 1 } }).limit(limit).toArray()
      let copied = 0
      for (const claim of stranded) {
        await audit(claim._id, claim.auditPending ?? [])
        copied += (claim.auditPending ?? []).length
      }
      return copied
    },

    /**
     * Takes one due delivery — `processing`, its next attempt due, nobody's lease current
     * (including a crashed worker's expired one) — for `leaseMs`, counting the attempt.
     * Atomic, so two workers never hold the same claim. `exclude`: claims not to take again.
     */
    lease({ exclude = [], owner, now, leaseMs }: { exclude?: ObjectId[]; owner: string; now: Date; leaseMs: number }) {
      return claims.findOneAndUpdate(
        {
          ...(exclude.length > 0 ? { _id: { $nin: exclude } } : {}),
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

    /** Ends a lease without a state change: the next attempt is planned for `nextAttemptAt`. Null: the lease was lost. */
    release(id: ObjectId, owner: string, outcome: ReleaseOutcome) {
      return claims.findOneAndUpdate(
        { _id: id, status: 'processing', 'delivery.leaseOwner': owner },
        {
          $set: {
            'delivery.nextAttemptAt': outcome.nextAttemptAt,
            'delivery.lastError': outcome.lastError,
            'delivery.leaseUntil': null,
            'delivery.leaseOwner': null,
            ...(outcome.acceptedAt ? { 'delivery.acceptedAt': outcome.acceptedAt } : {}),
            ...(outcome.budgetStartMs !== undefined ? { 'delivery.budgetStartMs': outcome.budgetStartMs } : {})
          },
          ...(outcome.notAttempted ? { $inc: { 'delivery.attempts': -1 } } : {})
        },
        { returnDocument: 'after' }
      )
    },

    async outboxStats(now: Date): Promise<OutboxStats> {
      const [depth, oldest] = await Promise.all([
        claims.countDocuments({ status: 'processing' }),
        claims.findOne(
          { status: 'processing' },
          { sort: { 'delivery.queuedAt': 1 }, projection: { 'delivery.queuedAt': 1, updatedAt: 1 } }
        )
      ])
      const queuedAt = oldest ? (oldest.delivery?.queuedAt ?? oldest.updatedAt) : null
      return { depth, oldestAgeSeconds: queuedAt ? Math.max(0, (now.getTime() - queuedAt.getTime()) / 1000) : null }
    },

    /** What the stats need of each claim in one period of an event, streamed. */
    statsRowsIn: (eventId: ObjectId, periodKey: string) =>
      claims.find(
        { eventId, periodKey },
        { projection: { _id: 0, rewardId: 1, status: 1, createdAt: 1, 'delivery.queuedAt': 1, 'delivery.completedAt': 1 } }
      ).batchSize(5_000) as AsyncIterable<ClaimStatsRow>,

    /** Claims per status, for the metrics (every status present, zeros included). */
    async countByStatus(): Promise<Map<ClaimStatus, number>> {
      const rows = await claims.aggregate<{ _id: ClaimStatus; count: number }>([{ $group: { _id: '$status', count: { $sum: 1 } } }]).toArray()
      return new Map(rows.map((row) => [row._id, row.count]))
    }
  }
}
export type ClaimRepository = ReturnType<typeof createClaimRepository>
