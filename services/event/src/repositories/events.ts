import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { Condition, ConditionType } from '../schemas/conditions.js'
import { findPage, type PageRequest } from '@app/platform'

export interface EventDoc {
  _id: ObjectId
  name: string
  description: string
  activate: boolean
  startedAt: Date
  /** Exclusive. */
  endedAt: Date
  timezone: string
  requireApproval: boolean
  contents: Condition[]
  createdBy: string
  createdAt: Date
  updatedAt: Date
}

export const eventIndexes: IndexPlan = {
  // A progress report looks for active events with a condition of its type.
  events: [{ key: { 'contents.type': 1, activate: 1, startedAt: 1 }, name: 'by_condition_type' }]
}

export interface EventListFilter {
  active?: boolean | undefined
  current?: boolean | undefined
  now: Date
}

export function createEventRepository(db: Db) {
  const events = db.collection<EventDoc>('events')

  return {
    async insert(event: Omit<EventDoc, '_id'>): Promise<EventDoc> {
      const { insertedId } = await events.insertOne(event as EventDoc)
      return { ...event, _id: insertedId }
    },

    findById: (id: ObjectId) => events.findOne({ _id: id }),

    findByIds: (ids: readonly ObjectId[]) => events.find({ _id: { $in: [...ids] } }).toArray(),

    list({ active, current, now }: EventListFilter, page: PageRequest) {
      const filter: Filter<EventDoc> = {}
      if (active !== undefined) filter.activate = active
      if (current === true) Object.assign(filter, { startedAt: { $lte: now }, endedAt: { $gt: now } })
      if (current === false) filter.$or = [{ startedAt: { $gt: now } }, { endedAt: { $lte: now } }]
      return findPage(events, filter, page)
    },

    /**
     * Applies `changes` only if the window is still the one the caller validated them against,
     * so two concurrent edits can never combine into endedAt ≤ startedAt. Null: lost that race.
     */
    updateIfWindowUnchanged(event: Pick<EventDoc, '_id' | 'startedAt' | 'endedAt'>, changes: Partial<EventDoc>) {
      return events.findOneAndUpdate(
        { _id: event._id, startedAt: event.startedAt, endedAt: event.endedAt },
        { $set: changes },
        { returnDocument: 'after' }
      )
    },

    /** Active events with a condition of this type whose window contains `occurredAt`. */
    findCountingAt: (eventType: ConditionType, occurredAt: Date) =>
      events
        .find({ 'contents.type': eventType, activate: true, startedAt: { $lte: occurredAt }, endedAt: { $gt: occurredAt } })
        .toArray()
  }
}
export type EventRepository = ReturnType<typeof createEventRepository>
