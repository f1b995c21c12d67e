import type { Db, Filter, ObjectId } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import type { RewardContent } from '../schemas/rewards.js'
import { findPage, type PageRequest } from '@app/platform'

export interface RewardDoc {
  _id: ObjectId
  eventId: ObjectId
  contents: RewardContent[]
  createdBy: string
  createdAt: Date
}

export const rewardIndexes: IndexPlan = {
  rewards: [{ key: { eventId: 1, _id: -1 }, name: 'by_event' }]
}

export function createRewardRepository(db: Db) {
  const rewards = db.collection<RewardDoc>('rewards')

  return {
    async insert(reward: Omit<RewardDoc, '_id'>): Promise<RewardDoc> {
      const { insertedId } = await rewards.insertOne(reward as RewardDoc)
      return { ...reward, _id: insertedId }
    },

    findById: (id: ObjectId) => rewards.findOne({ _id: id }),

    list({ eventId }: { eventId?: ObjectId | undefined }, page: PageRequest) {
      const filter: Filter<RewardDoc> = eventId ? { eventId } : {}
      return findPage(rewards, filter, page)
    }
  }
}
export type RewardRepository = ReturnType<typeof createRewardRepository>
