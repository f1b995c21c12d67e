import { MongoBulkWriteError, type AnyBulkWriteOperation, type Db, type Filter, type ObjectId, type UpdateFilter } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'
import type { ProgressState, StateChange } from '../conditions/index.js'
import type { ConditionType } from '../schemas/conditions.js'
import { findPage, type PageRequest } from '../pagination.js'

/** A user's progress toward one event's conditions. */
export interface ProgressDoc {
  _id: ObjectId
  userId: string
  eventId: ObjectId
  state: ProgressState
  /** The last few reports applied here, so re-applying one (a duplicate, a retry) changes nothing. */
  recentReports: ObjectId[]
  createdAt: Date
  updatedAt: Date
}

/** The changes one report makes to one event's progress. */
export interface ReportEffect {
  eventId: ObjectId
  changes: StateChange[]
}

/** Every report received, keyed by (user, idempotency key); the effects are fixed at first receipt. */
export interface ReportDoc {
  _id: ObjectId
  userId: string
  /** The caller's Idempotency-Key, or the report's own id when it sent none. */
  key: string
  /** Tells a replay of the same report from a different report reusing the key. */
  fingerprint: string
  reportedBy: string
  eventType: ConditionType
  count: number
  value: string | null
  occurredAt: Date
  effects: ReportEffect[]
  /** Null until every effect has been applied. */
  appliedAt: Date | null
  createdAt: Date
}

/**
 * How many applied report ids a progress document remembers. A report is re-applied only by
 * a duplicate racing the first delivery or retrying after a crash, both within moments, so
 * a short memory suffices and keeps the document bounded.
 */
const REMEMBERED_REPORTS = 50

export const progressIndexes: IndexPlan = {
  progress: [
    { key: { userId: 1, eventId: 1 }, name: 'one_per_user_event', unique: true },
    { key: { eventId: 1, _id: -1 }, name: 'by_event' }
  ],
  progress_reports: [{ key: { userId: 1, key: 1 }, name: 'idempotency_key', unique: true }]
}

function updateFor(effect: ReportEffect, reportId: ObjectId, now: Date): UpdateFilter<ProgressDoc> {
  const $addToSet: Record<string, string> = {}
  const $inc: Record<string, number> = {}
  const $set: Record<string, unknown> = { updatedAt: now }
  for (const change of effect.changes) {
    if ('addDay' in change) $addToSet[`state.${change.key}.days`] = change.addDay
    else if ('add' in change) $inc[`state.${change.key}.total`] = change.add
    else $set[`state.${change.key}.done`] = true
  }
  return {
    $set,
    $setOnInsert: { createdAt: now },
    $push: { recentReports: { $each: [reportId], $slice: -REMEMBERED_REPORTS } },
    ...(Object.keys($addToSet).length > 0 ? { $addToSet } : {}),
    ...(Object.keys($inc).length > 0 ? { $inc } : {})
  } as UpdateFilter<ProgressDoc>
}

/** Indexes of the operations a bulk write lost to the unique index; null for any other failure (a bulk write reports write errors only as MongoBulkWriteError). */
function duplicateKeyOperations(error: unknown): number[] | null {
  if (!(error instanceof MongoBulkWriteError)) return null
  const failures = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]
  if (failures.length === 0 || failures.some((failure) => failure.code !== 11000)) return null
  return failures.map((failure) => failure.index)
}

export function createProgressRepository(db: Db) {
  const progress = db.collection<ProgressDoc>('progress')
  const reports = db.collection<ReportDoc>('progress_reports')

  return {
    find: (userId: string, eventId: ObjectId) => progress.findOne({ userId, eventId }),

    list({ userId, eventId }: { userId?: string | undefined; eventId?: ObjectId | undefined }, page: PageRequest) {
      const filter: Filter<ProgressDoc> = {}
      if (userId !== undefined) filter.userId = userId
      if (eventId !== undefined) filter.eventId = eventId
      return findPage(progress, filter, page)
    },

    /** Stores a new report; if its (user, key) exists already, returns that one instead. */
    async recordReport(report: ReportDoc): Promise<{ recorded: ReportDoc; duplicate: boolean }> {
      try {
        await reports.insertOne(report)
        return { recorded: report, duplicate: false }
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
        const existing = await reports.findOne({ userId: report.userId, key: report.key })
        if (!existing) throw error
        return { recorded: existing, duplicate: true }
      }
    },

    /**
     * Applies one report's changes to each event's progress document, at most once per
     * document: an update only matches while the document does not list the report yet. All
     * events go in one unordered bulk write — one round trip however many events count the
     * report (the benchmark's attendance report touched 15). Two first upserts racing hit the
     * unique index; the losers are sent once more and then find the document (with or without
     * the report applied — a duplicate then means it was applied already).
     */
    async applyEffects(userId: string, reportId: ObjectId, effects: readonly ReportEffect[], now: Date): Promise<void> {
      let pending: AnyBulkWriteOperation<ProgressDoc>[] = effects.map((effect) => ({
        updateOne: {
          filter: { userId, eventId: effect.eventId, recentReports: { $ne: reportId } },
          update: updateFor(effect, reportId, now),
          upsert: true
        }
      }))
      for (let attempt = 1; pending.length > 0; attempt++) {
        try {
          await progress.bulkWrite(pending, { ordered: false })
          return
        } catch (error) {
          const duplicates = duplicateKeyOperations(error)
          if (duplicates === null) throw error
          if (attempt === 2) return
          pending = duplicates.map((index) => pending[index]!)
        }
      }
    },

    markApplied: (reportId: ObjectId, now: Date) => reports.updateOne({ _id: reportId, appliedAt: null }, { $set: { appliedAt: now } })
  }
}
export type ProgressRepository = ReturnType<typeof createProgressRepository>
