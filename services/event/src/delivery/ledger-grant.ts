import type { UserRewardRepository } from '../repositories/user-rewards.js'
import type { Grant } from './grant.js'

/** No delivery system configured: grant into `user_rewards`, whose unique index makes a repeat harmless. */
export function createLedgerGrant(userRewards: UserRewardRepository, clock: () => Date): Grant {
  return {
    async deliver(claim) {
      await userRewards.grant({
        claimId: claim._id,
        userId: claim.userId,
        eventId: claim.eventId,
        rewardId: claim.rewardId,
        contents: claim.rewards,
        grantedAt: clock()
      })
      return 'delivered'
    },
    ready: () => true,
    close: () => {}
  }
}
