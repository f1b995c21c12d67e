import type { ObjectId } from 'mongodb'
import { isDuplicateKeyError } from '@app/platform'
import type { DeliveryWorker } from '../delivery/worker.js'
import type { ClaimDoc, DeliveryState } from '../repositories/claims.js'
import { isStocked } from '../repositories/rewards.js'
import type { RandomContentsInput, RewardContent } from '../schemas/rewards.js'
import { alreadyClaimed, outOfStock, problemOf, refusalsOf, situationOf, type EligibilityDeps } from './eligibility.js'

export interface CreateClaimDeps extends EligibilityDeps {
  delivery: Pick<DeliveryWorker, 'enterProcessing'>
  /** What a random table grants (`rollContents` with the cryptographic RNG, unless a test seeds it). */
  roll: (randomContents: RandomContentsInput) => RewardContent[]
}

/** A new claim's delivery bookkeeping: nothing planned (pending), or `enterProcessing`'s lease and its first attempt counted. */
export function initialDelivery(processing: ReturnType<DeliveryWorker['enterProcessing']> | undefined): DeliveryState {
  return {
    ...(processing ?? { nextAttemptAt: null, leaseUntil: null, leaseOwner: null }),
    attempts: processing?.leaseOwner ? 1 : 0,
    lastError: null,
    acceptedAt: null,
    completedAt: null
  }
}

/**
 * A player claims a bundle: judged by `eligibility.ts`, then a unit of stock taken (if the
 * bundle has stock), then the claim written. The unique (user, slot) index decides between
 * concurrent claims of one slot; the losers give their unit back and are told the winner's id.
 * A crash between taking the unit and writing the claim loses that unit: stock errs toward
 * selling one too few, never one too many. Throws the refusal as an HTTP problem.
 *
 * The claim is `pending` when the event requires approval, else `processing` and leased to this
 * request for its first delivery attempt (`deliverLeased`), or queued while delivery is paused.
 */
export async function createClaim(
  deps: CreateClaimDeps,
  { userId, rewardId, now, tags }: { userId: string; rewardId: ObjectId; now: Date; tags: readonly string[] }
): Promise<ClaimDoc> {
  const found = await situationOf(deps, { userId, rewardId, now, tags })
  if ('refusal' in found) throw problemOf(found.refusal)
  const { situation } = found
  const [refusal] = refusalsOf(situation)
  if (refusal) throw problemOf(refusal)

  const { event, reward, slot, periodKey } = situation
  const stockTaken = isStocked(reward)
  if (stockTaken && !(await deps.rewards.takeStock(reward._id))) {
    // The last units may be held by parallel duplicates of this very claim: if one of them has
    // taken the slot meanwhile, that is the answer (the slot comes before the stock).
    const holder = await deps.claims.findInSlot(userId, slot)
    throw problemOf(holder ? alreadyClaimed(event, holder._id) : outOfStock)
  }

  const status = event.requireApproval ? 'pending' : 'processing'
  const processing = status === 'processing' ? deps.delivery.enterProcessing(now) : undefined
  try {
    return await deps.claims.insert(
      {
        userId,
        eventId: event._id,
        rewardId: reward._id,
        slot,
        periodKey,
        ...(stockTaken ? { stockTaken } : {}),
        status,
        // Rolled here, once: every parallel duplicate rolls too, but only the claim written keeps its roll.
        rewards: reward.randomContents ? [...reward.contents, ...deps.roll(reward.randomContents)] : reward.contents,
        reason: null,
        delivery: initialDelivery(processing),
        createdAt: now,
        updatedAt: now
      },
      userId
    )
  } catch (error) {
    // Only a duplicate key proves nothing was written; after any other error the claim may exist, and its unit stays taken.
    if (!isDuplicateKeyError(error)) throw error
    if (stockTaken) await deps.rewards.returnStock(reward._id)
    const holder = await deps.claims.findInSlot(userId, slot)
    throw problemOf(alreadyClaimed(event, holder?._id))
  }
}
