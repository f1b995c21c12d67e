import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { Recurrence } from '../conditions/periods.js'
import { leavesOf, type Condition, type ConditionType, type LeafCondition } from '../schemas/conditions.js'
import { atVersion } from './versions.js'
import type { Audience } from '../catalog/visibility.js'

export interface EventDoc {
  _id: ObjectId
  name: string
  description: string
  activate: boolean
  startedAt: Date
  /** Exclusive. */
  endedAt: Date
  timezone: string
  /** Absent or null: one period, the whole event. */
  recurrence?: Recurrence | null
  requireApproval: boolean
  /**
   * At most one bundle per player (per period). Absent on events written before bundles had
   * slots: those allowed one claim per player and event, and keep that rule (see `claims/slots.ts`).
   */
  exclusiveRewards?: boolean
  contents: Condition[]
  /** Who sees the event (see `catalog/visibility.ts`); absent or null: everyone. Stored without empty lists. */
  audience?: Audience | null
  /** Raised by every edit; absent on events written before edits were versioned: 1. */
  version?: number
  /**
   * Every leaf condition whose reports the event counts: its own and its bundles' milestones,
   * groups opened (the index on `countedConditions.type` then serves every type).
   * Grows when a bundle with conditions is added (that bundle counts reports from then on).
   * Absent on events written before milestones until the start-up migration fills it in.
   */
  countedConditions?: LeafCondition[]
  createdBy: string
  createdAt: Date
  updatedAt: Date
}

export const eventIndexes: IndexPlan = {
  // A progress report looks for active events counting its type (their own or a bundle's
  // condition) — and, for events without `countedConditions`, their own conditions' type.
  events: [
    { key: { 'countedConditions.type': 1, activate: 1, startedAt: 1 }, name: 'by_counted_type' },
    { key: { 'contents.type': 1, activate: 1, startedAt: 1 }, name: 'by_condition_type' },
    // Catalog pages (newest first) of active or inactive events, the window narrowing further.
    { key: { activate: 1, _id: -1 }, name: 'by_activate' }
  ]
}

/** The conditions an event counts reports for. */
export const countedConditionsOf = (event: Pick<EventDoc, 'contents' | 'countedConditions'>): LeafCondition[] =>
  event.countedConditions ?? leavesOf(event.contents)

export function createEventRepository(db: Db) {
  const events = db.collection<EventDoc>('events')

  /** Fills in what an event written before milestones counts: its own conditions (never overwriting). */
  const setCountedConditions = (eventId: ObjectId, conditions: readonly Condition[]) =>
    events.updateOne({ _id: eventId, countedConditions: { $exists: false } }, { $set: { countedConditions: leavesOf(conditions) } })

  return {
    async insert(event: Omit<EventDoc, '_id'>): Promise<EventDoc> {
      const { insertedId } = await events.insertOne(event as EventDoc)
      return { ...event, _id: insertedId }
    },

    findById: (id: ObjectId) => events.findOne({ _id: id }),

    findByIds: (ids: readonly ObjectId[]) => events.find({ _id: { $in: [...ids] } }).toArray(),

    /**
     * Applies `changes` only while the event is still at `version` (the one the caller read and
     * validated them against), raising it: of two edits made against one version exactly one
     * lands, and concurrent edits can never combine into endedAt ≤ startedAt. Null: lost that race.
     */
    updateAtVersion(id: ObjectId, version: number, changes: Partial<EventDoc>) {
      return events.findOneAndUpdate({ _id: id, ...atVersion(version) } as Filter<EventDoc>, { $set: { ...changes, version: version + 1 } }, { returnDocument: 'after' })
    },

    /**
     * From now on the event counts reports for these conditions too (a bundle's milestone). A
     * set: adding conditions it counts already (or none) changes nothing. False: no such event.
     */
    async countAlso(eventId: ObjectId, conditions: readonly Condition[]): Promise<boolean> {
      for (;;) {
        const { matchedCount } = await events.updateOne(
          { _id: eventId, countedConditions: { $exists: true } },
          { $addToSet: { countedConditions: { $each: leavesOf(conditions) } } }
        )
        if (matchedCount === 1) return true
        const event = await events.findOne({ _id: eventId }, { projection: { contents: 1 } })
        if (!event) return false
        // Written before milestones (and not migrated yet): it counts its own conditions first.
        await setCountedConditions(eventId, event.contents)
      }
    },

    /**
     * Active events counting this type whose window contains `occurredAt`. An event without
     * `countedConditions` counts its own conditions: the migration fills the field in for the
     * events that existed then, but one written by a previous-version instance during a rolling
     * upgrade has none, and must count all the same.
     */
    findCountingAt: (eventType: ConditionType, occurredAt: Date) =>
      events
        .find({
          $or: [{ 'countedConditions.type': eventType }, { countedConditions: { $exists: false }, 'contents.type': eventType }],
          activate: true,
          startedAt: { $lte: occurredAt },
          endedAt: { $gt: occurredAt }
        })
        .toArray(),

    /**
     * What `findCountingAt` finds for each of many reports, in one read: active events counting
     * any of these types whose window meets [from, to]. The caller picks each report's events.
     */
    findCountingAny: (eventTypes: readonly ConditionType[], from: Date, to: Date) =>
      events
        .find({
          $or: [{ 'countedConditions.type': { $in: [...eventTypes] } }, { countedConditions: { $exists: false }, 'contents.type': { $in: [...eventTypes] } }],
          activate: true,
          startedAt: { $lte: to },
          endedAt: { $gt: from }
        })
        .toArray(),

    /** Events written before `countedConditions` existed, for the start-up migration. */
    withoutCountedConditions: () => events.find({ countedConditions: { $exists: false } }, { projection: { contents: 1 } }).toArray(),

    setCountedConditions
  }
}
export type EventRepository = ReturnType<typeof createEventRepository>
