import { measureAll } from '../conditions/index.js'
import { periodOf, periodOfKey, type Period } from '../conditions/periods.js'
import { refusalsOf, situationFrom, type EligibilityDeps } from '../claims/eligibility.js'
import { slotOf } from '../claims/slots.js'
import type { EventDoc } from '../repositories/events.js'
import type { ProgressDoc } from '../repositories/progress.js'
import type { BundleStanding, UserEvent } from '../schemas/progress.js'

/** Bundles shown per page of the player view; events carry a handful each, this only bounds a pathological one. */
const MAX_BUNDLES_SHOWN = 2_000

/** A user's standing in one event and period; no progress document yet means nothing counted yet. */
export function toUserEvent(event: EventDoc, userId: string, progress: ProgressDoc | null, period: Period, bundles?: BundleStanding[]): UserEvent {
  const conditions = measureAll(event.contents, progress?.state ?? {})
  return {
    userId,
    eventId: event._id.toHexString(),
    eventName: event.name,
    periodKey: period.key,
    resetsAt: period.resetsAt?.toISOString() ?? null,
    satisfied: conditions.every((condition) => condition.holds),
    conditions,
    ...(bundles ? { bundles } : {}),
    updatedAt: progress ? progress.updatedAt.toISOString() : null
  }
}

/** A stored progress document as it stands (staff listing every player): its own period. */
export function storedUserEvent(event: EventDoc, progress: ProgressDoc): UserEvent {
  const key = progress.periodKey
  return toUserEvent(event, progress.userId, progress, periodOfKey(event, key) ?? { key, startsAt: null, resetsAt: null })
}

/**
 * What one player sees of these events now: the current period's progress and, per bundle,
 * whether a claim would succeed — judged by the same rules as the claim itself
 * (`refusalsOf`), so the view never promises what a claim refuses. Three reads for the whole
 * page: progress, bundles, and the claims holding their slots.
 */
export async function playerView(deps: EligibilityDeps, userId: string, events: readonly EventDoc[], now: Date): Promise<UserEvent[]> {
  const periods = new Map(events.map((event) => [event._id.toHexString(), periodOf(event, now)]))
  const periodOfEvent = (event: EventDoc) => periods.get(event._id.toHexString())!
  const [progressDocs, rewards] = await Promise.all([
    deps.progress.findPeriods(
      userId,
      events.map((event) => ({ eventId: event._id, periodKey: periodOfEvent(event).key }))
    ),
    deps.rewards.findByEvents(
      events.map((event) => event._id),
      MAX_BUNDLES_SHOWN
    )
  ])
  const eventsById = new Map(events.map((event) => [event._id.toHexString(), event]))
  const slotOfReward = (reward: (typeof rewards)[number]) => {
    const event = eventsById.get(reward.eventId.toHexString())!
    return slotOf(event, reward._id, periodOfEvent(event).key)
  }
  const holders = new Map((await deps.claims.findInSlots(userId, [...new Set(rewards.map(slotOfReward))])).map((claim) => [claim.slot, claim]))
  const progressByEvent = new Map(progressDocs.map((doc) => [doc.eventId.toHexString(), doc]))
  const rewardsByEvent = new Map<string, typeof rewards>()
  for (const reward of rewards) {
    const id = reward.eventId.toHexString()
    const list = rewardsByEvent.get(id)
    if (list) list.push(reward)
    else rewardsByEvent.set(id, [reward])
  }

  return events.map((event) => {
    const id = event._id.toHexString()
    const period = periodOfEvent(event)
    const progress = progressByEvent.get(id) ?? null
    const bundles = (rewardsByEvent.get(id) ?? []).map((reward): BundleStanding => {
      const holder = holders.get(slotOfReward(reward)) ?? null
      const situation = situationFrom({ event, reward, periodKey: period.key, holder, state: progress?.state ?? {}, now })
      const [refusal] = refusalsOf(situation)
      // `conditionsOf` lists the event's conditions first, then the bundle's own.
      const ownConditions = situation.conditions.slice(event.contents.length)
      return {
        rewardId: reward._id.toHexString(),
        name: reward.name ?? null,
        conditions: ownConditions,
        claimable: refusal ? (refusal.code as BundleStanding['claimable']) : true,
        ...(holder ? { claimId: holder._id.toHexString() } : {}),
        stockLeft: reward.stockLeft ?? null
      }
    })
    return toUserEvent(event, userId, progress, period, bundles)
  })
}
