import type { ObjectId } from 'mongodb'
import { conflict, notFound, type HttpProblem } from '@app/platform'
import { measureAll, type ProgressState } from '../conditions/index.js'
import type { ClaimRepository } from '../repositories/claims.js'
import type { EventDoc, EventRepository } from '../repositories/events.js'
import type { ProgressRepository } from '../repositories/progress.js'
import { isActive, isStocked, type RewardDoc, type RewardRepository } from '../repositories/rewards.js'
import type { Condition } from '../schemas/conditions.js'
import type { ConditionProgress } from '../schemas/progress.js'
import { periodKeyOf } from '../conditions/periods.js'
import { isExclusive, slotOf } from './slots.js'
import { audienceAdmits } from '../catalog/visibility.js'

/**
 * Whether a player may claim a bundle now, and if not, why: the one place that decides it
 * (SPEC v2, "Claim checks, in this order"). The claim answers with the first reason; a dry run
 * can show them all. The stock check here reads the bundle; the claim itself then takes its
 * unit with a conditional update (`rewards.takeStock`), which is what keeps stock from being
 * oversold when players race for the last units.
 *
 *   1. the bundle and its event exist, and the event's       404 REWARD_NOT_FOUND / EVENT_NOT_FOUND
 *      audience admits the player (`audienceAdmits`: a bundle outside it is one they cannot see)
 *   2. the slot is free                                      409 ALREADY_CLAIMED + claimId
 *   3. event active, in its window; bundle active            409 EVENT_INACTIVE / EVENT_NOT_STARTED / EVENT_ENDED / REWARD_INACTIVE
 *   4. the event's conditions and the bundle's hold          409 CONDITIONS_NOT_MET, naming them
 *   5. a unit of stock is left                               409 OUT_OF_STOCK
 *
 * The slot comes before everything that can change with time, so a client retrying after a
 * lost reply learns its claim's id even once the event has ended or the stock has run out.
 */

export type ClaimRefusalCode =
  | 'REWARD_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'ALREADY_CLAIMED'
  | 'EVENT_INACTIVE'
  | 'EVENT_NOT_STARTED'
  | 'EVENT_ENDED'
  | 'REWARD_INACTIVE'
  | 'CONDITIONS_NOT_MET'
  | 'OUT_OF_STOCK'

export interface ClaimRefusal {
  status: 404 | 409
  code: ClaimRefusalCode
  detail: string
  /** ALREADY_CLAIMED: the claim that holds the slot. */
  claimId?: ObjectId
  /** CONDITIONS_NOT_MET: each condition that does not hold. */
  unmet?: ConditionProgress[]
}

/** Everything the judgement needs, read once. */
export interface ClaimSituation {
  event: EventDoc
  reward: RewardDoc
  periodKey: string
  slot: string
  /** The claim holding the slot already, if any. */
  holder: { _id: ObjectId } | null
  /** Each of the event's and the bundle's conditions, measured on the player's progress. */
  conditions: ConditionProgress[]
  now: Date
}

export interface EligibilityDeps {
  events: EventRepository
  rewards: RewardRepository
  claims: ClaimRepository
  progress: ProgressRepository
}

/** A bundle is claimable when the event's conditions AND its own hold. */
export const conditionsOf = (event: Pick<EventDoc, 'contents'>, reward: Pick<RewardDoc, 'conditions'>): Condition[] => [
  ...event.contents,
  ...(reward.conditions ?? [])
]

export const alreadyClaimed = (event: Pick<EventDoc, 'exclusiveRewards'>, claimId?: ObjectId): ClaimRefusal => ({
  status: 409,
  code: 'ALREADY_CLAIMED',
  detail: isExclusive(event) ? 'You have claimed a reward of this event already' : 'You have claimed this reward already',
  ...(claimId ? { claimId } : {})
})

export const outOfStock: ClaimRefusal = { status: 409, code: 'OUT_OF_STOCK', detail: 'This reward has run out' }

/** Reads what the judgement needs: the bundle with its event (one read), then the slot's holder and the player's progress at once. */
export async function situationOf(
  deps: EligibilityDeps,
  {
    userId,
    rewardId,
    now,
    tags
  }: {
    userId: string
    rewardId: ObjectId
    now: Date
    /**
     * The player's audience tags (their token's `tags`): a bundle whose event's audience does not
     * admit them is one they do not see, so a 404 like a bundle that does not exist. Absent: not judged.
     */
    tags?: readonly string[] | undefined
  }
): Promise<{ situation: ClaimSituation } | { refusal: ClaimRefusal }> {
  const notFound: ClaimRefusal = { status: 404, code: 'REWARD_NOT_FOUND', detail: 'No such reward' }
  const found = await deps.rewards.findWithEvent(rewardId)
  if (!found) return { refusal: notFound }
  const { reward, event } = found
  if (!event) return { refusal: { status: 404, code: 'EVENT_NOT_FOUND', detail: "The reward's event does not exist" } }
  if (tags !== undefined && !audienceAdmits(event.audience, tags)) return { refusal: notFound }
  // Claims and conditions are of the period containing now (the whole event unless it recurs).
  const periodKey = periodKeyOf(event, now)
  const slot = slotOf(event, reward._id, periodKey)
  const [holder, progress] = await Promise.all([deps.claims.findInSlot(userId, slot), deps.progress.find(userId, event._id, periodKey)])
  return { situation: situationFrom({ event, reward, periodKey, holder, state: progress?.state ?? {}, now }) }
}

/** The situation from what was read (one bundle, or many at once for the player view). */
export function situationFrom({
  event,
  reward,
  periodKey,
  holder,
  state,
  now
}: Omit<ClaimSituation, 'slot' | 'conditions'> & { state: ProgressState }): ClaimSituation {
  const slot = slotOf(event, reward._id, periodKey)
  return { event, reward, periodKey, slot, holder, conditions: measureAll(conditionsOf(event, reward), state), now }
}

/** Every reason the claim cannot be made now, in the order of the checks above; empty: claimable. */
export function refusalsOf({ event, reward, holder, conditions, now }: ClaimSituation): ClaimRefusal[] {
  const refusals: ClaimRefusal[] = []
  if (holder) refusals.push(alreadyClaimed(event, holder._id))
  if (!event.activate) refusals.push({ status: 409, code: 'EVENT_INACTIVE', detail: 'The event is not active' })
  if (now < event.startedAt) refusals.push({ status: 409, code: 'EVENT_NOT_STARTED', detail: `The event starts at ${event.startedAt.toISOString()}` })
  if (now >= event.endedAt) refusals.push({ status: 409, code: 'EVENT_ENDED', detail: `The event ended at ${event.endedAt.toISOString()}` })
  if (!isActive(reward)) refusals.push({ status: 409, code: 'REWARD_INACTIVE', detail: 'This reward is not active' })
  const unmet = conditions.filter((condition) => !condition.holds)
  if (unmet.length > 0) {
    const detail = `Conditions not met: ${unmet.map((c) => `${c.name} ${c.current}/${c.target}`).join(', ')}`
    refusals.push({ status: 409, code: 'CONDITIONS_NOT_MET', detail, unmet })
  }
  if (isStocked(reward) && (reward.stockLeft ?? 0) < 1) refusals.push(outOfStock)
  return refusals
}

/** The HTTP answer for a refusal. */
export function problemOf({ status, code, detail, claimId, unmet }: ClaimRefusal): HttpProblem {
  if (status === 404) return notFound(detail, code)
  return conflict(detail, code, {
    ...(claimId ? { claimId: claimId.toHexString() } : {}),
    ...(unmet ? { unmet: unmet.map(({ name, current, target }) => ({ name, current, target })) } : {})
  })
}
