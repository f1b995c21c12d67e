import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { Condition } from '../schemas/conditions.js'
import type { EventDoc } from './events.js'
import type { RandomContentsInput, RewardContent } from '../schemas/rewards.js'
import { findPage, type PageRequest } from '@app/platform'
import { atVersion } from './versions.js'

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
  /** Raised by every edit; absent on bundles written before edits were versioned: 1. */
  version?: number
  createdBy: string
  createdAt: Date
  /** Absent until the first edit. */
  updatedAt?: Date
}

/** A change of `stock`, applied together with `stockLeft` so claims racing the edit stay counted. */
export type StockChange =
  /** Limited before and after: `stockLeft` moves by the difference, never below zero (that would be below the claims not rejected). */
  | { kind: 'resize'; from: number; to: number }
  /** Unlimited from now on. */
  | { kind: 'unlimit'; from: number }
  /** Limited from now on: `taken` claims not rejected hold units already. */
  | { kind: 'limit'; to: number; taken: number }

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

    /**
     * Applies `set` (and a stock change) only while the bundle is at `version`, raising it. A
     * smaller stock lands only if the units already taken still fit: one conditional update, so a
     * claim taking a unit at the same moment is either counted or refused, never lost.
     * `version-conflict`: another edit landed first; `below-claims`: the new stock is below the claims not rejected.
     */
    async updateAtVersion(id: ObjectId, version: number, set: Partial<RewardDoc>, stock?: StockChange): Promise<RewardDoc | 'version-conflict' | 'below-claims'> {
      const filter: Filter<RewardDoc> = { _id: id, ...atVersion(version) } as Filter<RewardDoc>
      const update: { $set: Partial<RewardDoc>; $inc?: { stockLeft: number } } = { $set: { ...set, version: version + 1 } }
      if (stock?.kind === 'resize') {
        Object.assign(filter, { stock: stock.from, ...(stock.to < stock.from ? { stockLeft: { $gte: stock.from - stock.to } } : {}) })
        update.$set.stock = stock.to
        update.$inc = { stockLeft: stock.to - stock.from }
      } else if (stock?.kind === 'unlimit') {
        Object.assign(filter, { stock: stock.from })
        Object.assign(update.$set, { stock: null, stockLeft: null })
      } else if (stock?.kind === 'limit') {
        Object.assign(filter, { $and: [{ $or: [{ stock: null }, { stock: { $exists: false } }] }] })
        Object.assign(update.$set, { stock: stock.to, stockLeft: stock.to - stock.taken })
      }
      const updated = await rewards.findOneAndUpdate(filter, update, { returnDocument: 'after' })
      if (updated) return updated
      const now = await rewards.findOne({ _id: id }, { projection: { version: 1, stock: 1 } })
      const stillAtVersion = now !== null && (now.version ?? 1) === version
      return stillAtVersion && stock?.kind === 'resize' && now.stock === stock.from ? 'below-claims' : 'version-conflict'
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
