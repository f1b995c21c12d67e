import type { Db } from 'mongodb'
import type { IndexPlan } from '@app/platform'
import { claimIndexes, createClaimRepository } from './claims.js'
import { createEventRepository, eventIndexes } from './events.js'
import { createProgressRepository, progressIndexes } from './progress.js'
import { createRewardRepository, rewardIndexes } from './rewards.js'
import { createUserRewardRepository, userRewardIndexes } from './user-rewards.js'

/** Every index the service relies on, created idempotently at start-up. */
export const indexPlan: IndexPlan = {
  ...eventIndexes,
  ...rewardIndexes,
  ...progressIndexes,
  ...claimIndexes,
  ...userRewardIndexes
}

export function createRepositories(db: Db) {
  return {
    events: createEventRepository(db),
    rewards: createRewardRepository(db),
    progress: createProgressRepository(db),
    claims: createClaimRepository(db),
    userRewards: createUserRewardRepository(db)
  }
}
export type Repositories = ReturnType<typeof createRepositories>
