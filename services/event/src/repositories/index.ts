import type { Db } from 'mongodb'
import { auditLogIndexes, createAuditLogRepository, type IndexPlan, type RetiredIndexes } from '@app/platform'
import { claimIndexes, createClaimRepository, retiredClaimIndexes } from './claims.js'
import { createDeliverySettingsRepository } from './delivery-settings.js'
import { createEventRepository, eventIndexes } from './events.js'
import { createProgressRepository, progressIndexes, retiredProgressIndexes } from './progress.js'
import { createRewardRepository, rewardIndexes } from './rewards.js'
import { createUserRewardRepository, userRewardIndexes } from './user-rewards.js'

/** Every index the service relies on, created idempotently at start-up. */
export const indexPlanFor = ({ reportRetentionDays }: { reportRetentionDays: number }): IndexPlan => ({
  ...eventIndexes,
  ...rewardIndexes,
  ...progressIndexes(reportRetentionDays),
  ...claimIndexes,
  ...userRewardIndexes,
  ...auditLogIndexes
})

/** Indexes earlier versions created that this one drops at start-up. */
export const retiredIndexes: RetiredIndexes = {
  ...retiredClaimIndexes,
  ...retiredProgressIndexes
}

export function createRepositories(db: Db) {
  return {
    events: createEventRepository(db),
    rewards: createRewardRepository(db),
    progress: createProgressRepository(db),
    claims: createClaimRepository(db),
    userRewards: createUserRewardRepository(db),
    deliverySettings: createDeliverySettingsRepository(db),
    auditLog: createAuditLogRepository(db)
  }
}
export type Repositories = ReturnType<typeof createRepositories>
