import type { ObjectId } from 'mongodb'
import type { EventDoc } from '../repositories/events.js'

/**
 * A claim's slot is what a player may hold once: one bundle of an event, or — with
 * `exclusiveRewards` — the event itself, per period. The claims collection's unique index on
 * (user, slot) is what enforces it, so concurrent claims of one slot yield exactly one claim.
 *
 *   reward:<rewardId>:<periodKey>   each bundle once per player (the default)
 *   event:<eventId>:<periodKey>     at most one bundle of the event per player
 */

export { WHOLE_EVENT } from '../conditions/periods.js'

/**
 * Events written before bundles had slots allowed one claim per player and event, whichever
 * bundle; they keep that rule, so the claims made under it (migrated to `event:` slots) still
 * block a second one.
 */
export const isExclusive = (event: Pick<EventDoc, 'exclusiveRewards'>): boolean => event.exclusiveRewards ?? true

export const eventSlot = (eventId: ObjectId, periodKey: string) => `event:${eventId.toHexString()}:${periodKey}`
export const rewardSlot = (rewardId: ObjectId, periodKey: string) => `reward:${rewardId.toHexString()}:${periodKey}`

/** The slot a claim of this bundle takes in this period. */
export function slotOf(event: Pick<EventDoc, '_id' | 'exclusiveRewards'>, rewardId: ObjectId, periodKey: string): string {
  return isExclusive(event) ? eventSlot(event._id, periodKey) : rewardSlot(rewardId, periodKey)
}
