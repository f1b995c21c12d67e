import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { Condition } from '../schemas/conditions.js'
import type { EventDoc } from './events.js'
import type { RandomContentsInput, RewardContent } from '../schemas/rewards.js'
import { findPage, type PageRequest } from '@app/platform'

export interface RewardDoc {
  _id: ObjectId
  eventId: ObjectId
  /** Absent on bundles written before bundles had names. */
  name?: string | null
  /** Granted on every claim; empty when the bundle is only a random table. */
  contents: RewardContent[]
  /** Rolled once per claim (see `claims/roll.ts`); absent or null: none. */
  randomContents?: RandomContentsInput | null
  /** The bundle's milestone, AND the event's conditions. Absent or empty: the event's alone. */
  conditions?: Condition[]
  /** Absent on bundles written before the switch existed: active. */
  active?: boolean
  /** Total grants allowed; null or absent: unlimited. */
  stock?: number | null
  /**
   * Units not yet taken: `stock` − claims not rejected. A claim takes one with a conditional
   * decrement (never below zero, so never oversold); a rejection gives it back.
   */
  stockLeft?: number | null
  createdBy: string
  createdAt: Date
}

export const rewardIndexes: IndexPlan = {
  rewards: [{ key: { eventId: 1, _id: -1 }, name: 'by_event' }]
}

export const isActive = (reward: Pick<RewardDoc, 'active'>): boolean => reward.active ?? true
export const isStocked = (reward: Pick<RewardDoc, 'stock'>): boolean => typeof reward.stock === 'number'

export function createRewardRepository(db: Db) {
  const rewards = db.collection<RewardDoc>('rewards')

  return {
    async insert(reward: Omit<RewardDoc, '_id'>): Promise<RewardDoc> {
      const { insertedId } = await rewards.insertOne(reward as RewardDoc)
      return { ...reward, _id: insertedId }
    },

    findById: (id: ObjectId) => rewards.findOne({ _id: id }),

    /** A bundle and its event, in one read (a claim's first look-up). Null: no such bundle; `event` null: no such event. */
    async findWithEvent(id: ObjectId): Promise<{ reward: RewardDoc; event: EventDoc | null } | null> {
      const [found] = await rewards
        .aggregate<RewardDoc & { event: EventDoc[] }>([{ $match: { _id: id } }, { $lookup: { from: 'events', localField: 'eventId', foreignField: '_id', as: 'event' } }])
        .toArray()
      if (!found) return null
      const { event, ...reward } = found
      return { reward, event: event[0] ?? null }
    },

    /** The bundles of these events, oldest first (the order they were added), at most `limit` in all. */
    findByEvents: (eventIds: readonly ObjectId[], limit: number) =>
      eventIds.length === 0 ? Promise.resolve([]) : rewards.find({ eventId: { $in: [...eventIds] } }).sort({ _id: 1 }).limit(limit).toArray(),

    list({ eventId }: { eventId?: ObjectId | undefined }, page: PageRequest) {
      const filter: Filter<RewardDoc> = eventId ? { eventId } : {}
      return findPage(rewards, filter, page)
    },

    /**
     * Takes one unit of a stocked bundle, if one is left: one conditional update, so however many
     * claims race for the last units, exactly that many win. False: none left.
     */
    async takeStock(id: ObjectId): Promise<boolean> {
      const { modifiedCount } = await rewards.updateOne({ _id: id, stockLeft: { $gte: 1 } }, { $inc: { stockLeft: -1 } })
      return modifiedCount === 1
    },

    /** Bundles with stock and what is left of it, for the metrics (bounded: the newest `limit`). */
    stockLevels: (limit: number) =>
      rewards
        .find({ stock: { $ne: null } }, { projection: { eventId: 1, stockLeft: 1 } })
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),

    /** Gives a unit back (a rejected claim, or a claim that lost its slot after taking one). */
    returnStock: (id: ObjectId) => rewards.updateOne({ _id: id, stockLeft: { $ne: null } }, { $inc: { stockLeft: 1 } })
  }
}
export type RewardRepository = ReturnType<typeof createRewardRepository>
