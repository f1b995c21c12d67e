import type { UserRewardRepository } from '../repositories/user-rewards.js'
import type { Grant } from './grant.js'

/** No delivery system configured: grant into `user_rewards`, whose unique index makes a repeat harmless. */
export function createLedgerGrant(userRewards: UserRewardRepository, clock: () => Date): Grant {
  return {
    async deliver(claim) {
      try {
        await userRewards.grant({
          claimId: claim._id,
          userId: claim.userId,
          eventId: claim.eventId,
          rewardId: claim.rewardId,
          contents: claim.rewards,
          grantedAt: clock()
        })
        return { kind: 'granted' }
      } catch (error) {
        // The write may have landed before the connection broke; the unique index makes a retry safe.
        return { kind: 'unknown', detail: `ledger write failed: ${(error as Error).message}` }
      }
    },
    circuit: () => 'closed',
    close: () => {}
  }
}
