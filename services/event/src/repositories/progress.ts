import type { Db, Filter, ObjectId, UpdateFilter } from 'mongodb'
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
     * Applies one report's changes to one progress document, at most once: the update only
     * matches while the document does not list the report yet. Two first upserts racing hit
     * the unique index; the loser retries once and then finds the document (with or without
     * the report applied).
     */
    async applyEffect(userId: string, reportId: ObjectId, effect: ReportEffect, now: Date): Promise<void> {
      const filter: Filter<ProgressDoc> = { userId, eventId: effect.eventId, recentReports: { $ne: reportId } }
      const update = updateFor(effect, reportId, now)
      try {
        await progress.updateOne(filter, update, { upsert: true })
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error
        try {
          await progress.updateOne(filter, update, { upsert: true })
        } catch (again) {
          // The document exists and lists the report: it was applied already.
          if (!isDuplicateKeyError(again)) throw again
        }
      }
    },

    markApplied: (reportId: ObjectId, now: Date) => reports.updateOne({ _id: reportId, appliedAt: null }, { $set: { appliedAt: now } })
  }
}
export type ProgressRepository = ReturnType<typeof createProgressRepository>
