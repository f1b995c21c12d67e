import type { Db, ObjectId } from 'mongodb'
import { isDuplicateKeyError, type IndexPlan } from '@app/platform'
import type { RewardContent } from '../schemas/rewards.js'

/** The built-in ledger: what each user was granted, one entry per claim (or make-good grant). */
export interface UserRewardDoc {
  _id?: ObjectId
  /** The claim's id, or the grant's. */
  claimId: ObjectId
  userId: string
  /** Null for a make-good grant. */
  eventId: ObjectId | null
  rewardId: ObjectId | null
  contents: RewardContent[]
  grantedAt: Date
}

export const userRewardIndexes: IndexPlan = {
  user_rewards: [
    // The guarantee that a claim is granted at most once, whatever retries and races happen.
    { key: { claimId: 1 }, name: 'one_grant_per_claim', unique: true },
    { key: { userId: 1, grantedAt: -1 }, name: 'by_user' }
  ]
}

export function createUserRewardRepository(db: Db) {
  const userRewards = db.collection<UserRewardDoc>('user_rewards')

  return {
    /** Records the grant; a second grant for the same claim is a no-op. */
    async grant(entry: UserRewardDoc): Promise<'granted' | 'already-granted'> {
      try {
        await userRewards.insertOne(entry)
        return 'granted'
      } catch (error) {
        if (isDuplicateKeyError(error)) return 'already-granted'
        throw error
      }
    }
  }
}
export type UserRewardRepository = ReturnType<typeof createUserRewardRepository>
